"""The demo data set: Niger and Nigeria, three depots, ~600 crates, ~2,000 weapons, one user
per role and an enrolled device. Loaded once; the logins are kept in the instance folder so a
second run prints them again."""

from __future__ import annotations

import json
import os
import random
import secrets
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.registry import publish_shipped
from server.cli import season
from server.db import utcnow
from server.models import Country, Depot, Location, StorageBuilding, User
from server.models.inventory import CrateKind, LotState
from server.models.ledger import MovementType as MT
from server.models.places import DepotType
from sync.journal.trail import SYSTEM, Actor
from sync.people import accounts
from sync.stock import inventory
from sync.stock.ledger import LineIn, post_movement

Progress = Callable[[str, Iterable], Iterable]

COUNTRIES = [
    ("NE", "Niger", "Commission Nationale pour la Collecte et le Contrôle des Armes Illicites",
     "Africa/Niamey", ["fr", "en"]),
    ("NG", "Nigeria", "National Centre for the Control of Small Arms and Light Weapons",
     "Africa/Lagos", ["en", "fr"]),
]
# code, name, type, buildings, ammo crates, weapon crates
DEPOTS = [
    ("NE", "NMY", "Dépôt central de munitions de Niamey", DepotType.CENTRAL, 4, 200, 100),
    ("NE", "ZDR", "Armurerie de garnison de Zinder", DepotType.UNIT_ARMOURY, 2, 60, 40),
    ("NG", "KDN", "Kaduna Central Ordnance Depot", DepotType.CENTRAL, 4, 140, 60),
]
ITEM_TYPES = [  # nature, calibre, type, HD, CG, NEQ kg per item, UN number
    ("cartridge", "7.62x39mm", "ball", "1.4", "S", "0.0016", "0012"),
    ("cartridge", "7.62x51mm", "ball", "1.4", "S", "0.0029", "0012"),
    ("cartridge", "5.56x45mm", "tracer", "1.4", "S", "0.0016", "0012"),
    ("cartridge", "12.7x108mm", "API", "1.2", "C", "0.0180", "0321"),
    ("grenade, hand", "F1", "HE", "1.1", "F", "0.0600", "0292"),
    ("mortar bomb", "60mm", "HE", "1.2", "F", "0.2200", "0180"),
    ("rocket", "PG-7V", "HEAT", "1.1", "E", "0.7300", "0181"),
]
MAKERS = [("Arsenal", "BG"), ("Norinco", "CN"), ("Prvi Partizan", "RS"), ("Poongsan", "KR"),
          ("Igman", "BA")]
WEAPON_MODELS = [  # manufacturer, model, type, calibre, country
    ("Kalashnikov Concern", "AKM", "assault rifle", "7.62x39mm", "RU"),
    ("Norinco", "Type 56-1", "assault rifle", "7.62x39mm", "CN"),
    ("FN Herstal", "FAL", "battle rifle", "7.62x51mm", "BE"),
    ("Heckler & Koch", "G3A3", "battle rifle", "7.62x51mm", "DE"),
    ("Degtyaryov Plant", "PKM", "machine gun", "7.62x54mmR", "RU"),
    ("Colt", "M16A2", "assault rifle", "5.56x45mm", "US"),
]
USERS = [  # username, role, country, depots
    ("inspecteur", "inspector", "NE", ["NMY", "ZDR"]),
    ("commandant", "commander", "NE", ["NMY"]),
    ("revue", "reviewer", "NE", []),
    ("admin", "admin", "NE", []),
    ("ng_reviewer", "reviewer", "NG", []),
    ("ng_inspector", "inspector", "NG", ["KDN"]),
]
WEAPONS_PER_CRATE = 10


def credentials_path(instance_path: str) -> Path:
    return Path(instance_path) / "demo-credentials.json"


def load(session: Session, instance_path: str, progress: Progress | None = None) -> str:
    """Load the demo set unless it is there; return the logins and device token to print."""
    path = credentials_path(instance_path)
    publish_shipped(session, actor=SYSTEM, now=utcnow())
    if session.get(Country, "NE") is not None:
        if path.exists():
            return "Demo data already loaded.\n" + _describe(json.loads(path.read_text()))
        return ("Demo data already loaded; its logins were printed when it was loaded. "
                "Create a user with `flask --app wsgi create-user`.")
    steps = progress or (lambda _label, items: items)
    rng = random.Random(1960)
    now = utcnow()
    creds = {"users": {}, "device": {}}

    depots = _places(session)
    for username, role, country, depot_codes in USERS:
        password = secrets.token_urlsafe(9)
        accounts.create_user(session, username, role=role, country_code=country,
                             depot_codes=depot_codes, password=password,
                             full_name=username.replace("_", " ").title(),
                             language="fr" if country == "NE" else "en",
                             actor=SYSTEM, now=now)
        creds["users"][username] = {"password": password, "role": role, "country": country}
    users = {u.username: u for u in session.scalars(select(User))}
    commanders = {"NE": users["commandant"], "NG": users["ng_reviewer"]}
    inspector = users["inspecteur"]
    enrolment = accounts.enroll_device(session, inspector, name="Demo phone",
                                       actor=SYSTEM, now=now)
    creds["device"] = {"user": inspector.username, "device_id": enrolment.device_id,
                       "token": enrolment.token}

    lots = _lots(session, rng)
    crates_todo = []
    for _country, code, _name, _type, _b, ammo, guns in DEPOTS:
        depot = depots[code]
        crates_todo += [(depot, CrateKind.AMMO_BOX)] * ammo
        crates_todo += [(depot, CrateKind.WEAPON_CRATE)] * guns
    serial = rng.randrange(100000, 500000)
    for depot, kind in steps("crates", crates_todo):
        originator = commanders[depot.country_code]
        label = inventory.allocate_labels(session, depot, 1)[0]
        locations = [loc for b in depot.buildings for loc in b.locations]
        crate = inventory.register_crate(session, depot, label_id=label, kind=kind,
                                         location=rng.choice(locations),
                                         seal_number=f"S{rng.randrange(10**6):06d}",
                                         actor=Actor(originator.id), now=now)
        received = now - timedelta(days=rng.randrange(30, 900))
        if kind is CrateKind.AMMO_BOX:
            lot = rng.choice(lots)
            lines = [LineIn(crate_id=crate.id, lot_id=lot.id,
                            quantity=rng.choice([250, 500, 700, 1000, 1440]))]
        else:
            maker, model, wtype, calibre, made_in = rng.choice(WEAPON_MODELS)
            lines = []
            for _ in range(WEAPONS_PER_CRATE):
                serial += rng.randrange(1, 40)
                weapon = inventory.register_weapon(
                    session, country_code=depot.country_code, manufacturer=maker, model=model,
                    serial=f"{rng.choice('ABCDEFGHKLMN')}{serial}", type=wtype,
                    calibre=calibre, country_of_manufacture=made_in,
                    year=rng.randrange(1965, 2015),
                    national_marking={"country": depot.country_code, "agency": "FAN"
                                      if depot.country_code == "NE" else "NA",
                                      "number": f"{serial % 100000:05d}"})
                lines.append(LineIn(weapon_id=weapon.id, to_crate_id=crate.id))
        post_movement(session, depot_id=depot.id, type=MT.RECEIPT, lines=lines,
                      originator_id=originator.id, occurred_at=received, now=now,
                      document_ref=f"BR-{rng.randrange(10**5):05d}",
                      counterparty="Direction du matériel" if depot.country_code == "NE"
                      else "Defence Headquarters")
    session.flush()
    _write_credentials(path, creds)
    return "Demo data loaded.\n" + _describe(creds) + "\n" + season.replay(session, steps)


def _places(session: Session) -> dict[str, Depot]:
    for code, name, commission, tz, languages in COUNTRIES:
        session.add(Country(code=code, name=name, commission=commission, timezone=tz,
                            languages=languages,
                            settings={"loss_report_hours": 24, "ell_policy": "warn",
                                      "destruction_witnesses": 2,
                                      "stock_check_days": {"central_depot": 90,
                                                           "unit_armoury": 14}}))
    session.flush()
    depots = {}
    for country, code, name, dtype, buildings, _a, _w in DEPOTS:
        tz = next(c[3] for c in COUNTRIES if c[0] == country)
        depot = Depot(country_code=country, code=code, name=name, type=dtype, timezone=tz,
                      security_plan_date=date(2025, 3, 1), licence_ref=f"LIC-{code}-2025")
        session.add(depot)
        for b in range(1, buildings + 1):
            building = StorageBuilding(depot=depot, code=f"B{b}",
                                       type="storehouse" if b < 4 else "iso_container",
                                       ell_kg={"1.1": 2000, "1.2": 5000, "1.4": 20000},
                                       lightning_protection=b % 2 == 1, alarm=b != 2,
                                       lock_type="padlock CEN 6")
            session.add(building)
            for s in "ABCDE":
                session.add(Location(building=building, code=f"{s}{b}"))
        depots[code] = depot
    session.flush()
    return depots


def _lots(session: Session, rng: random.Random) -> list:
    lots = []
    for spec in ITEM_TYPES:
        nature, calibre, kind, hd, cg, neq, un = spec
        item = inventory.create_item_type(session, nature=nature, calibre=calibre, type=kind,
                                          hazard_division=hd, compatibility_group=cg,
                                          neq_kg=neq, un_number=un)
        for n in range(6):
            maker, made_in = rng.choice(MAKERS)
            year = rng.randrange(1985, 2022)
            state = LotState.KNOWN if n < 5 else rng.choice([LotState.MIXED, LotState.UNKNOWN])
            lots.append(inventory.create_lot(
                session, item, lot_state=state, manufacturer=maker,
                country_of_manufacture=made_in,
                lot_number=f"{made_in}-{year % 100:02d}-{rng.randrange(1, 999):03d}"
                if state is LotState.KNOWN else None,
                manufacture_date=date(year, rng.randrange(1, 13), 1)))
    return lots


def _write_credentials(path: Path, creds: dict) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(creds, fh, indent=2)


def _describe(creds: dict) -> str:
    lines = ["Logins (username / password / role / country):"]
    for name, u in creds["users"].items():
        lines.append(f"  {name:<13} {u['password']:<14} {u['role']:<10} {u['country']}")
    d = creds["device"]
    lines += [f"Device token for {d['user']} ({d['device_id']}):", f"  {d['token']}",
              f"Try: curl -H 'Authorization: Bearer {d['token']}' "
              "http://127.0.0.1:5000/api/v1/depots",
              f"ODK Collect server URL: http://127.0.0.1:5000/key/{d['token']}"]
    return "\n".join(lines)

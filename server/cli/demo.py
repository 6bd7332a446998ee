"""The demo data set: Niger and Nigeria, three depots, ~600 crates, ~2,000 weapons, users of
every role and an enrolled device, built through the books (setup, catalogues, opening
balances, vouchers, a transfer, a loss). Loaded once; the logins are kept in the instance
folder so a second run prints them again."""

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
from server.cli import demo_programme, demo_register, demo_safety, season
from server.db import utcnow
from server.models import Country, Crate, Depot, User
from server.models.inventory import CrateKind
from server.models.places import DepotType
from sync.access.principal import Principal
from sync.journal.trail import SYSTEM
from sync.people import accounts
from sync.stock import catalogue, imports, inventory, lots, setup, transfers, vouchers
from sync.stock.ledger import LineIn, Voucher

Progress = Callable[[str, Iterable], Iterable]

COUNTRIES = [
    ("NE", "Niger", "Commission Nationale pour la Collecte et le Contrôle des Armes Illicites",
     "Africa/Niamey", ["fr", "en"]),
    ("NG", "Nigeria", "National Centre for the Control of Small Arms and Light Weapons",
     "Africa/Lagos", ["en", "fr"]),
]
AGENCIES = [("NE", "Forces armées nigériennes", "FAN"), ("NE", "Garde nationale du Niger", "GNN"),
            ("NG", "Nigerian Army", "NA"), ("NG", "Nigeria Police Force", "NPF")]
# code, name, type, agency, ammo crates, weapon crates (ZDR unpacks 4 more from NMY)
DEPOTS = [
    ("NE", "NMY", "Dépôt central de munitions de Niamey", DepotType.CENTRAL, "FAN", 200, 100),
    ("NE", "ZDR", "Armurerie de garnison de Zinder", DepotType.UNIT_ARMOURY, "FAN", 56, 40),
    ("NG", "KDN", "Kaduna Central Ordnance Depot", DepotType.CENTRAL, "NA", 140, 60),
]
# building code, type, CGs allowed, ELL kg per HD: small arms ammunition apart from the
# mass-explosion natures, as the IATG mixing rules want; ZDR has only the first two
BUILDINGS = [
    ("B1", "magazine", "S", {"1.4": 8000}),
    ("B2", "magazine", "CS", {"1.2": 1500, "1.4": 4000}),
    ("B3", "igloo", "E", {"1.1": 600}),
    ("B4", "magazine", "FS", {"1.1": 400, "1.2": 800, "1.4": 1000}),
]
ITEM_TYPES = [  # nature, calibre, type, HD, CG, NEQ kg per item, UN number, per box
    ("cartridge", "7.62x39mm", "ball", "1.4", "S", "0.0016", "0012", 1440),
    ("cartridge", "7.62x51mm", "ball", "1.4", "S", "0.0029", "0012", 500),
    ("cartridge", "7.62x54mmR", "ball", "1.4", "S", "0.0031", "0012", 880),
    ("cartridge", "5.56x45mm", "ball", "1.4", "S", "0.0016", "0012", 840),
    ("cartridge", "12.7x108mm", "ball", "1.2", "C", "0.0170", "0328", 80),
    ("rocket", "PG-7V", "HEAT", "1.1", "E", "0.7300", "0181", 4),
    ("grenade, hand", "F1", "HE", "1.1", "F", "0.0600", "0292", 20),
    ("cartridge with bursting charge", "60mm mortar", "HE", "1.2", "F", "0.2200", "0007", 10),
]
MAKERS = [("Arsenal", "BG"), ("Norinco", "CN"), ("Prvi Partizan", "RS"), ("Poongsan", "KR"),
          ("Igman", "BA")]
ALIASES = [("Izhmash", "Kalashnikov Concern"), ("China North Industries", "Norinco"),
           ("FN", "FN Herstal")]
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
    ("cdt_zinder", "commander", "NE", ["ZDR"]),
    ("revue", "reviewer", "NE", []),
    ("admin", "admin", "NE", []),
    ("ng_commander", "commander", "NG", ["KDN"]),
    ("ng_reviewer", "reviewer", "NG", []),
    ("ng_inspector", "inspector", "NG", ["KDN"]),
]
WEAPONS_PER_CRATE = 10


def credentials_path(instance_path: str) -> Path:
    return Path(instance_path) / "demo-credentials.json"


def load(session: Session, instance_path: str, progress: Progress | None = None, *,
         public_url: str = "http://127.0.0.1:5000") -> str:
    """Load the demo set unless it is there; return the logins and device token to print,
    with the URLs phones use (public_url). Everything goes through the books: setup,
    catalogues, NMY's opening balance imported from a register, receipts elsewhere, then a
    season's movements: issues and returns, a transfer NMY -> ZDR received one line short,
    and a loss awaiting its second person."""
    path = credentials_path(instance_path)
    publish_shipped(session, actor=SYSTEM, now=utcnow())
    if session.get(Country, "NE") is not None:
        if path.exists():
            return "Demo data already loaded.\n" + _describe(json.loads(path.read_text()),
                                                         public_url)
        return ("Demo data already loaded; its logins were printed when it was loaded. "
                "Create a user with `flask --app wsgi create-user`.")
    steps = progress or (lambda _label, items: items)
    rng = random.Random(1960)
    now = utcnow()
    creds = {"users": {}, "device": {}}
    depots = _places(session, now)
    for username, role, country, depot_codes in USERS:
        password = secrets.token_urlsafe(9)
        accounts.create_user(session, username, role=role, country_code=country,
                             depot_codes=depot_codes, password=password,
                             full_name=username.replace("_", " ").title(),
                             language="fr" if country == "NE" else "en",
                             actor=SYSTEM, now=now)
        creds["users"][username] = {"password": password, "role": role, "country": country}
    users = {u.username: Principal.of_user(u) for u in session.scalars(select(User))}
    inspector = session.scalar(select(User).where(User.username == "inspecteur"))
    enrolment = accounts.enroll_device(session, inspector, name="Demo phone",
                                       actor=SYSTEM, now=now)
    creds["device"] = {"user": inspector.username, "device_id": enrolment.device_id,
                       "token": enrolment.token}
    lots = _catalogue(session, rng, now)
    rows = _register(rng, lots)
    imports.import_register(session, users["commandant"], depots["NMY"], rows["NMY"],
                            source_document="Registre NMY 2019-2026 (folios 1-212)",
                            now=now - timedelta(days=120), progress=steps)
    for code, who in (("ZDR", "cdt_zinder"), ("KDN", "ng_commander")):
        imports.import_register(session, users[who], depots[code], rows[code],
                                source_document=f"Ledger {code} 2020-2026",
                                now=now - timedelta(days=110), progress=steps)
    demo_safety.add_safety(session, users, depots, now)
    _season(session, rng, users, depots, now)
    demo_register.seed(session, users, creds, now=now)
    session.flush()
    _write_credentials(path, creds)
    return ("Demo data loaded.\n" + _describe(creds, public_url) + "\n"
            + season.replay(session, steps) + demo_programme.load(session, path))


def _places(session: Session, now) -> dict[str, Depot]:
    for code, name, commission, tz, languages in COUNTRIES:
        session.add(Country(code=code, name=name, commission=commission, timezone=tz,
                            languages=languages,
                            settings={"loss_report_hours": 24, "ell_policy": "warn",
                                      "destruction_witnesses": 2,
                                      "stock_check_days": {"central_depot": 90,
                                                           "unit_armoury": 14}}))
    session.flush()
    for country, name, code in AGENCIES:
        setup.create_agency(session, country_code=country, name=name, marking_code=code,
                            actor=SYSTEM, now=now)
    depots = {}
    for country, code, name, dtype, agency, _a, _w in DEPOTS:
        depot = setup.create_depot(session, setup.DepotIn(
            country_code=country, code=code, name=name, type=dtype.value, agency_code=agency,
            licence_ref=f"LIC-{code}-2025", security_plan_date=date(2025, 3, 1),
            risk_assessment_date=date(2025, 2, 10)), actor=SYSTEM, now=now)
        for b, btype, cgs, ell in BUILDINGS[:2 if code == "ZDR" else 4]:
            building = setup.add_building(session, depot, setup.BuildingIn(
                code=b, type=btype, ell_kg=ell, cgs_allowed=cgs, lightning_protection=True,
                lightning_test_date=date(2025, 11, 4), alarm=b != "B2",
                lock_type="cadenas CEN 6"), actor=SYSTEM, now=now)
            for s in "ABCDE":
                setup.add_location(session, building, f"{s}{b[1:]}", actor=SYSTEM, now=now)
        depots[code] = depot
    return depots


def _catalogue(session: Session, rng: random.Random, now) -> dict[str, list]:
    """Makers' aliases, weapon models, item types with their UN numbers, and their lots;
    returns lots by the CG a building must allow."""
    for alias, maker in ALIASES:
        catalogue.add_maker_alias(session, alias, maker, actor=SYSTEM, now=now)
    for maker, model, wtype, calibre, made_in in WEAPON_MODELS:
        catalogue.create_weapon_model(session, manufacturer=maker, country=made_in, type=wtype,
                                      model=model, calibre=calibre, actor=SYSTEM, now=now)
    by_group: dict[str, list] = {}
    for nature, calibre, kind, hd, cg, neq, un, per_box in ITEM_TYPES:
        item = catalogue.add_item_type(session, nature=nature, calibre=calibre, type=kind,
                                       hazard_division=hd, compatibility_group=cg,
                                       neq_kg=neq, un_number=un, actor=SYSTEM, now=now)
        for _ in range(4):
            maker, made_in = rng.choice(MAKERS)
            year = rng.randrange(1985, 2022)
            lot = lots.add_lot(
                session, item.id, manufacturer=maker, country_of_manufacture=made_in,
                lot_number=f"{rng.randrange(1, 99):02d}-{year % 100:02d}-{rng.randrange(999):03d}",
                manufacture_date=date(year, rng.randrange(1, 13), 1),
                expiry_date=date(year + (25 if hd == "1.4" else 15), 1, 1), actor=SYSTEM,
                now=now)
            by_group.setdefault(cg, []).append((lot, item, per_box))
    return by_group


def _register(rng: random.Random, lots: dict[str, list]) -> dict[str, list]:
    """Each depot's existing register, as rows of the opening-balance template."""
    registers = {}
    serial = rng.randrange(100000, 500000)
    for _country, code, _name, _type, _agency, ammo, guns in DEPOTS:
        buildings = BUILDINGS[:2 if code == "ZDR" else 4]
        rows = []
        for _ in range(ammo):
            b, _t, cgs, _ell = rng.choice(buildings)
            lot, item, per_box = rng.choice(lots[rng.choice([g for g in cgs if g in lots])])
            rows.append({"type": "ammo", "building": b, "stack": f"{rng.choice('ABCDE')}{b[1:]}",
                         "calibre": item.calibre, "ammo_type": item.type,
                         "lot_number": lot.lot_number, "maker": lot.manufacturer,
                         "country": lot.country_of_manufacture,
                         "quantity": str(per_box * rng.choice([1, 1, 1, 2]))})
        for c in range(guns):
            maker, model, _wtype, _calibre, made_in = rng.choice(WEAPON_MODELS)
            crate = f"caisse {c + 1}"  # the register's own crate numbers
            for _ in range(WEAPONS_PER_CRATE):
                serial += rng.randrange(1, 40)
                rows.append({"type": "weapon", "building": "B1", "stack": "A1", "crate": crate,
                             "maker": "Izhmash" if maker == "Kalashnikov Concern" and serial % 3
                             else maker, "model": model, "country": made_in,
                             "serial": f"{rng.choice('ABCDEFGHKLMN')}{serial}",
                             "year": str(rng.randrange(1965, 2015))})
        registers[code] = [imports.Row(number=n + 1, values={k: r.get(k, "") for k in
                                                            imports.COLUMNS})
                           for n, r in enumerate(rows, start=1)]
    return registers


def _season(session: Session, rng: random.Random, users: dict, depots: dict, now) -> None:
    """A few months of the books at NMY and ZDR: issues and returns, a transfer, a loss."""
    nmy, zdr = depots["NMY"], depots["ZDR"]
    commandant = users["commandant"]
    boxes = list(session.scalars(select(Crate).where(Crate.depot_id == nmy.id,
                                                     Crate.lot_id.is_not(None))
                                 .order_by(Crate.label_id)))
    for n, crate in enumerate(boxes[:12]):
        when = now - timedelta(days=90 - n * 6)
        out = max(1, crate.quantity // 4)
        vouchers.submit_voucher(session, commandant, nmy, vouchers.VoucherIn(
            type="issue", lines=(LineIn(crate_id=crate.id, quantity=out),), occurred_at=when,
            document_ref=f"BS-2026-{140 + n:04d}", counterparty="2e bataillon d'infanterie",
            voucher=Voucher(issuer="Adjudant Sani Issoufou", issuer_signed_at=when,
                            receiver="Lieutenant Abdou Garba", receiver_signed_at=when)),
            now=now)
        if n % 3 == 0:
            vouchers.submit_voucher(session, commandant, nmy, vouchers.VoucherIn(
                type="return", lines=(LineIn(crate_id=crate.id, quantity=out // 2),),
                occurred_at=when + timedelta(days=3), document_ref=f"BR-2026-{60 + n:04d}",
                counterparty="2e bataillon d'infanterie"), now=now)
    _transfer(session, users, nmy, zdr, boxes, now)
    lost = boxes[-1]
    vouchers.submit_voucher(session, commandant, nmy, vouchers.VoucherIn(
        type="loss", lines=(LineIn(crate_id=lost.id, quantity=min(24, lost.quantity)),),
        occurred_at=now - timedelta(hours=30), document_ref="CR 7/DCM/2026",
        notes="Manquant constaté au déstockage; enquête ouverte (prévôté)"), now=now)


def _transfer(session: Session, users: dict, nmy: Depot, zdr: Depot, boxes: list, now) -> None:
    """Four boxes of small-arms ammunition to Zinder, one received 40 rounds short."""
    commandant = users["commandant"]
    targets = list(session.scalars(select(Crate).where(Crate.depot_id == zdr.id,
                                                       Crate.lot_id.is_(None),
                                                       Crate.kind == CrateKind.AMMO_BOX)))
    sent = [c for c in boxes[12:] if c.lot.item_type.compatibility_group == "S"][:4]
    consignment = transfers.send_transfer(
        session, commandant, nmy, to_depot="ZDR",
        lines=[LineIn(crate_id=c.id, quantity=c.quantity) for c in sent],
        document_ref="Ordre de mouvement 45/EMA/DL/2026", occurred_at=now - timedelta(days=20),
        now=now, voucher=Voucher(issuer="Adjudant Sani Issoufou",
                                 issuer_signed_at=now - timedelta(days=20),
                                 transport={"vehicle": "Renault Kerax 4 567 NE",
                                            "escort": "1 section de la Garde nationale",
                                            "seals": ["NE-0044518", "NE-0044519"]}))
    zinder = users["cdt_zinder"]
    if len(targets) < len(sent):
        targets += [_empty_box(session, zdr, now) for _ in range(len(sent) - len(targets))]
    acks = [transfers.AckIn(line_no=line.line_no, to_crate_id=targets[i].id,
                            received_quantity=line.quantity if i else line.quantity - 40)
            for i, line in enumerate(consignment.lines)]
    transfers.acknowledge(session, zinder, consignment.id, acks, complete=True,
                          document_ref="PV de réception 12/GZ/2026", now=now)


def _empty_box(session: Session, depot: Depot, now):
    label = inventory.allocate_labels(session, depot, 1, now=now)[0]
    return inventory.register_crate(session, depot, label_id=label, kind=CrateKind.AMMO_BOX,
                                    location=depot.buildings[0].locations[0], actor=SYSTEM,
                                    now=now)


def _write_credentials(path: Path, creds: dict) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(creds, fh, indent=2)


def _describe(creds: dict, public_url: str) -> str:
    lines = ["Logins (username / password / role / country or body):"]
    for name, u in creds["users"].items():
        where = u.get("country") or u["body"]
        lines.append(f"  {name:<13} {u['password']:<14} {u['role']:<10} {where}")
    d = creds["device"]
    lines += [f"Device token for {d['user']} ({d['device_id']}):", f"  {d['token']}",
              f"Try: curl -H 'Authorization: Bearer {d['token']}' "
              f"{public_url}/api/v1/depots",
              f"ODK Collect server URL: {public_url}/key/{d['token']}"]
    return "\n".join(lines)

"""Builders for test data, through the same domain functions the app uses."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from server.db import utcnow
from server.models import Country, Depot, Device, Location, StorageBuilding, User
from server.models.inventory import CrateKind
from server.models.ledger import MovementType
from server.models.places import DepotType
from sync.access.principal import Principal
from sync.journal.trail import SYSTEM, Actor
from sync.people import accounts
from sync.stock import inventory
from sync.stock.ledger import LineIn, post_movement

PASSWORD = "correct horse battery staple"


@functools.cache
def password_hash() -> str:
    """Hashed once per run: scrypt costs ~0.1 s, and every test world has seven users."""
    return generate_password_hash(PASSWORD)


@dataclass
class World:
    depots: dict[str, int] = field(default_factory=dict)  # "NE-NMY" -> id
    locations: dict[str, int] = field(default_factory=dict)  # "NE-NMY/B1/A1" -> id
    users: dict[str, int] = field(default_factory=dict)  # username -> id
    tokens: dict[str, str] = field(default_factory=dict)  # username -> device token
    devices: dict[str, str] = field(default_factory=dict)  # username -> device id
    crates: dict[str, str] = field(default_factory=dict)  # name -> label id
    crate_ids: dict[str, str] = field(default_factory=dict)  # name -> crate id
    lots: dict[str, int] = field(default_factory=dict)
    weapons: dict[str, str] = field(default_factory=dict)  # serial -> id


def add_country(session: Session, code: str, name: str) -> Country:
    country = Country(code=code, name=name, timezone="Africa/Niamey" if code == "NE"
                      else "Africa/Lagos", settings={"destruction_witnesses": 2})
    session.add(country)
    session.flush()
    return country


def add_depot(session: Session, world: World, country: str, code: str) -> Depot:
    depot = Depot(country_code=country, code=code, name=f"Depot {code}",
                  type=DepotType.CENTRAL, timezone="Africa/Niamey")
    session.add(depot)
    for b in ("B1", "B2"):
        building = StorageBuilding(depot=depot, code=b)
        session.add(building)
        for s in ("A1", "A2"):
            loc = Location(building=building, code=s)
            session.add(loc)
            session.flush()
            world.locations[f"{country}-{code}/{b}/{s}"] = loc.id
    session.flush()
    world.depots[f"{country}-{code}"] = depot.id
    return depot


def add_user(session: Session, world: World, username: str, role: str, country: str,
             depots: list[str] = (), device: bool = True) -> None:
    user = accounts.create_user(session, username, role=role, country_code=country,
                                depot_codes=depots, actor=SYSTEM, now=utcnow())
    user.password_hash = password_hash()
    world.users[username] = user.id
    if device:
        enrolment = accounts.enroll_device(session, user, actor=SYSTEM, now=utcnow())
        world.tokens[username] = enrolment.token
        world.devices[username] = enrolment.device_id


def add_ammo_crate(session: Session, world: World, name: str, depot: Depot, quantity: int,
                   lot_id: int, location_key: str, originator: str) -> str:
    now = utcnow()
    label = inventory.allocate_labels(session, depot, 1)[0]
    crate = inventory.register_crate(session, depot, label_id=label, kind=CrateKind.AMMO_BOX,
                                     location=session.get(Location, world.locations[location_key]),
                                     actor=Actor(world.users[originator]), now=now)
    post_movement(session, depot_id=depot.id, type=MovementType.RECEIPT,
                  lines=[LineIn(crate_id=crate.id, lot_id=lot_id, quantity=quantity)],
                  originator_id=world.users[originator], occurred_at=now - timedelta(days=3),
                  now=now)
    world.crates[name], world.crate_ids[name] = label, crate.id
    return label


def build_world(session: Session) -> World:
    """Niger (depots NMY and ZDR) and Nigeria (KDN); a user per role; three crates."""
    world = World()
    add_country(session, "NE", "Niger")
    add_country(session, "NG", "Nigeria")
    nmy = add_depot(session, world, "NE", "NMY")
    add_depot(session, world, "NE", "ZDR")
    kdn = add_depot(session, world, "NG", "KDN")
    add_user(session, world, "inspector", "inspector", "NE", ["NMY"])
    add_user(session, world, "commander", "commander", "NE", ["NMY"])
    add_user(session, world, "reviewer", "reviewer", "NE")
    add_user(session, world, "admin", "admin", "NE")
    add_user(session, world, "zdr_inspector", "inspector", "NE", ["ZDR"])
    add_user(session, world, "ng_inspector", "inspector", "NG", ["KDN"])
    add_user(session, world, "ng_commander", "commander", "NG", ["KDN"])

    item = inventory.create_item_type(session, nature="cartridge", calibre="7.62x39mm",
                                      type="ball", hazard_division="1.4",
                                      compatibility_group="S", neq_kg="0.0016")
    lot = inventory.create_lot(session, item, lot_number="BG-98-117", manufacturer="Arsenal",
                               country_of_manufacture="BG")
    world.lots["ball"] = lot.id
    add_ammo_crate(session, world, "ammo", nmy, 1000, lot.id, "NE-NMY/B1/A1", "commander")
    add_ammo_crate(session, world, "ng_ammo", kdn, 500, lot.id, "NG-KDN/B1/A1", "ng_commander")

    now = utcnow()
    label = inventory.allocate_labels(session, nmy, 1)[0]
    crate = inventory.register_crate(session, nmy, label_id=label, kind=CrateKind.WEAPON_CRATE,
                                     location=session.get(Location,
                                                          world.locations["NE-NMY/B1/A2"]),
                                     actor=SYSTEM, now=now)
    lines = []
    for serial in ("AK100001", "AK100002"):
        weapon = inventory.register_weapon(session, country_code="NE",
                                           manufacturer="Kalashnikov Concern", model="AKM",
                                           serial=serial, country_of_manufacture="RU",
                                           calibre="7.62x39mm")
        world.weapons[serial] = weapon.id
        lines.append(LineIn(weapon_id=weapon.id, to_crate_id=crate.id))
    post_movement(session, depot_id=nmy.id, type=MovementType.RECEIPT, lines=lines,
                  originator_id=world.users["commander"], occurred_at=now, now=now)
    world.crates["rifles"], world.crate_ids["rifles"] = label, crate.id
    return world


def principal(session: Session, world: World, username: str = "inspector") -> Principal:
    """A world user as a phone acts for them: through their device, when they have one."""
    device = session.get(Device, world.devices[username]) if username in world.devices else None
    return Principal.of_user(session.get(User, world.users[username]), device)

"""A safety world on top of build_world: NMY's magazine B1 licensed for HD 1.1 and 1.4, a
lot of 82 mm mortar HE (1.1E) and one of fuzes (1.4B), an empty box for each on B1, the
ball lot BG-98-117 also held at ZDR (so a suspension spans two depots of Niger)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from server.db import utcnow
from server.models import Country, Depot, Location, StorageBuilding
from server.models.inventory import CrateKind
from sync.journal.trail import SYSTEM
from sync.stock import inventory
from tests.factories import World, add_ammo_crate

LICENCE = "NE-ELL-2026-014"


@dataclass
class Safety:
    b1: int
    b2: int
    he_lot: int
    fuze_lot: int
    he_box: str  # crate ids: empty, on NMY/B1/A2
    fuze_box: str
    b2_he_box: str  # 40 rounds of HE on NMY/B2/A1 (26 kg NEQ)


def empty_box(session: Session, world: World, depot: Depot, location_key: str) -> str:
    label = inventory.allocate_labels(session, depot, 1)[0]
    crate = inventory.register_crate(
        session, depot, label_id=label, kind=CrateKind.AMMO_BOX,
        location=session.get(Location, world.locations[location_key]), actor=SYSTEM,
        now=utcnow())
    return crate.id


def set_policy(session: Session, policy: str, country: str = "NE", **more) -> None:
    row = session.get(Country, country)
    row.settings = {**(row.settings or {}), "ell_policy": policy, **more}


def build_safety(session: Session, world: World, policy: str = "block") -> Safety:
    set_policy(session, policy)
    nmy = session.get(Depot, world.depots["NE-NMY"])
    b1, b2 = sorted(nmy.buildings, key=lambda b: b.code)
    b1.ell_kg, b1.cgs_allowed, b1.ell_licence_ref = {"1.1": 50.0, "1.4": 2000.0}, "BES", LICENCE
    b2.ell_kg, b2.cgs_allowed = {"1.1": 500.0, "1.4": 500.0}, ""
    he = inventory.create_item_type(session, nature="mortar bomb", calibre="82mm", type="HE",
                                    hazard_division="1.1", compatibility_group="E",
                                    neq_kg="0.650", un_number="0180")
    fuze = inventory.create_item_type(session, nature="fuze", calibre="M-6", type="PD",
                                      hazard_division="1.4", compatibility_group="B",
                                      neq_kg="0.012", un_number="0367")
    he_lot = inventory.create_lot(session, he, lot_number="HE-82-2011-04", manufacturer="Arsenal")
    fuze_lot = inventory.create_lot(session, fuze, lot_number="FZ-M6-1999-12",
                                    manufacturer="Arsenal")
    world.lots.update(he=he_lot.id, fuze=fuze_lot.id)
    he_box = empty_box(session, world, nmy, "NE-NMY/B1/A2")
    fuze_box = empty_box(session, world, nmy, "NE-NMY/B1/A2")
    add_ammo_crate(session, world, "b2_he", nmy, 40, he_lot.id, "NE-NMY/B2/A1", "commander")
    zdr = session.get(Depot, world.depots["NE-ZDR"])
    add_ammo_crate(session, world, "zdr_ball", zdr, 700, world.lots["ball"], "NE-ZDR/B1/A1",
                   "commander")
    session.flush()
    return Safety(b1=b1.id, b2=b2.id, he_lot=he_lot.id, fuze_lot=fuze_lot.id, he_box=he_box,
                  fuze_box=fuze_box, b2_he_box=world.crate_ids["b2_he"])


def building(session: Session, building_id: int) -> StorageBuilding:
    return session.get(StorageBuilding, building_id)

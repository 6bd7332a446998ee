"""The register and tracing world: the test world (tests/factories.py) plus an agency with its
marking code, a maker's alias (Izhmash), the ECOWAS Commission as a regional body that Niger
and Nigeria both chose, its user, a Nigerian reviewer, and a weapon crate at Zinder for counts
elsewhere than Niamey. Made through the domain functions, committed; plain ids out."""

from __future__ import annotations

from dataclasses import dataclass

from server.db import db, utcnow
from server.models import Country, Depot, Location
from server.models.inventory import CrateKind
from sync.journal.trail import SYSTEM
from sync.people import accounts
from sync.stock import catalogue, inventory, setup
from tests.factories import add_user, build_world, password_hash


@dataclass
class RegisterWorld:
    world: object
    zdr_crate: str = ""  # crate id at NE-ZDR


def choose_bodies(session, country: str, bodies: dict[str, str]) -> None:
    row = session.get(Country, country)
    row.settings = {**row.settings, "regional_bodies": bodies,
                    "tracing": {"acknowledge_days": 7, "answer_days": 30}}


def build_register_world(app) -> RegisterWorld:
    with app.app_context():
        session = db.session
        world = build_world(session)
        setup.create_agency(session, country_code="NE", name="Forces armées nigériennes",
                            marking_code="FAN", actor=SYSTEM, now=utcnow())
        catalogue.add_maker_alias(session, "Izhmash", "Kalashnikov Concern", actor=SYSTEM,
                                  now=utcnow())
        accounts.create_body(session, "ECOWAS", "ECOWAS Commission", kind="regional",
                             actor=SYSTEM, now=utcnow())
        accounts.create_body(session, "UNREC", "UNREC", kind="regional", actor=SYSTEM,
                             now=utcnow())
        user = accounts.create_user(session, "ecowas", role="regional", body_code="ECOWAS",
                                    actor=SYSTEM, now=utcnow())
        user.password_hash = password_hash()
        world.users["ecowas"] = user.id
        add_user(session, world, "ng_reviewer", "reviewer", "NG")
        choose_bodies(session, "NE", {"ECOWAS": "member"})
        choose_bodies(session, "NG", {"ECOWAS": "member", "UNREC": "member"})
        zdr = session.get(Depot, world.depots["NE-ZDR"])
        label = inventory.allocate_labels(session, zdr, 1)[0]
        crate = inventory.register_crate(
            session, zdr, label_id=label, kind=CrateKind.WEAPON_CRATE,
            location=session.get(Location, world.locations["NE-ZDR/B1/A1"]), actor=SYSTEM,
            now=utcnow())
        world.crates["zdr_rifles"], world.crate_ids["zdr_rifles"] = label, crate.id
        session.commit()
    return RegisterWorld(world=world, zdr_crate=crate.id)

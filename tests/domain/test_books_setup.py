"""Setting the books up: depots, buildings with their ELL and CGs, stacks, agencies, the
catalogues with makers' aliases, lots and their suspension."""

from datetime import date

import pytest
from sqlalchemy import select

from server.db import utcnow
from server.errors import Conflict, NotFound
from server.models import AuditEvent, Weapon
from sync.journal.trail import SYSTEM, verify_audit
from sync.stock import catalogue, inventory, lots, setup
from sync.stock.hazard import HazardInvalid
from tests.factories import add_country


@pytest.fixture
def niger(session):
    add_country(session, "NE", "Niger")
    session.flush()


def test_a_depot_with_a_building_and_stacks_is_set_up_and_audited(session, niger):
    now = utcnow()
    setup.create_agency(session, country_code="ne", name="Forces armées nigériennes",
                        marking_code="fan", actor=SYSTEM, now=now)
    depot = setup.create_depot(session, setup.DepotIn(
        country_code="NE", code="tlb", name="Dépôt central de Tillabéri", agency_code="FAN"),
        actor=SYSTEM, now=now)
    building = setup.add_building(session, depot, setup.BuildingIn(
        code="m1", type="magazine", ell_kg={"1.1": "500", "1.4": 2000}, cgs_allowed="s, c, d",
        lightning_protection=True, lightning_test_date=date(2026, 3, 1), alarm=True,
        lock_type="padlock cl. 4"), actor=SYSTEM, now=now)
    setup.add_location(session, building, "a1", actor=SYSTEM, now=now)
    session.commit()
    assert (depot.code, depot.status, depot.timezone) == ("TLB", "setup", "Africa/Niamey")
    assert (building.code, building.ell_kg, building.cgs_allowed) == (
        "M1", {"1.1": 500.0, "1.4": 2000.0}, "CDS")
    assert [loc.code for loc in building.locations] == ["A1"]
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["books.agency", "books.depot", "books.building", "books.location"]
    assert verify_audit(session) == []


@pytest.mark.parametrize(("building", "message"), [
    ({"ell_kg": {"1.7": 10}}, "1.7"),
    ({"ell_kg": {"1.1": -1}}, "zero or more"),
    ({"ell_kg": {"1.1": "beaucoup"}}, "not a number"),
    ({"ell_kg": {"1.1": "NaN"}}, "zero or more"),
    ({"cgs_allowed": "SZ"}, "letters among"),
    ({"type": "tent"}, "Unknown building type"),
    ({"lightning_test_date": date(2026, 1, 1)}, "needs lightning protection"),
    ({"code": "B 1"}, "code is 1 to 16"),
], ids=["no such HD", "negative ELL", "ELL not a number", "ELL NaN", "bad CG", "bad type",
        "test without protection", "bad code"])
def test_a_building_is_refused_with_the_reason(session, niger, building, message):
    depot = setup.create_depot(session, setup.DepotIn(country_code="NE", code="NMY",
                                                      name="Niamey"), actor=SYSTEM, now=utcnow())
    with pytest.raises(setup.SetupInvalid, match=message):
        setup.add_building(session, depot, setup.BuildingIn(**{"code": "B1", **building}),
                           actor=SYSTEM, now=utcnow())


def test_depot_codes_must_be_able_to_prefix_labels_and_be_unique(session, niger):
    data = setup.DepotIn(country_code="NE", code="NMY", name="Niamey")
    setup.create_depot(session, data, actor=SYSTEM, now=utcnow())
    with pytest.raises(Conflict):
        setup.create_depot(session, data, actor=SYSTEM, now=utcnow())
    for code in ("NIO", "N1", "ABCDEF", ""):
        with pytest.raises(setup.SetupInvalid):
            setup.create_depot(session, setup.DepotIn(country_code="NE", code=code, name="x"),
                               actor=SYSTEM, now=utcnow())
    with pytest.raises(NotFound):
        setup.create_depot(session, setup.DepotIn(country_code="ZZ", code="ABC", name="x"),
                           actor=SYSTEM, now=utcnow())
    with pytest.raises(setup.SetupInvalid, match="time zone"):
        setup.create_depot(session, setup.DepotIn(country_code="NE", code="ZDR", name="x",
                                                  timezone="Africa/Zinder"),
                           actor=SYSTEM, now=utcnow())


def test_maker_aliases_make_two_names_one_maker(session, niger):
    now = utcnow()
    catalogue.add_maker_alias(session, "Izhmash", "Kalashnikov Concern", actor=SYSTEM, now=now)
    model = catalogue.create_weapon_model(session, manufacturer="IZHMASH", country="ru",
                                          type="assault rifle", model="AKM",
                                          calibre="7.62x39mm", actor=SYSTEM, now=now)
    assert model.manufacturer == "Kalashnikov Concern"
    assert catalogue.find_weapon_model(session, "izhmash", "AKM") is model
    with pytest.raises(Conflict):
        catalogue.create_weapon_model(session, manufacturer="Kalashnikov Concern", country="RU",
                                      type="assault rifle", model="AKM", calibre="7.62x39mm",
                                      actor=SYSTEM, now=now)
    weapon = inventory.register_weapon(session, country_code="NE", manufacturer="Izhmash",
                                       model="AKM", serial="1974123",
                                       country_of_manufacture="RU")
    assert weapon.manufacturer == "Kalashnikov Concern"
    with pytest.raises(Conflict):  # the same weapon, typed with the maker's other name
        inventory.register_weapon(session, country_code="NE", manufacturer="Kalashnikov Concern",
                                  model="AKM", serial="1974123", country_of_manufacture="RU")
    assert session.scalar(select(Weapon.manufacturer)) == "Kalashnikov Concern"
    with pytest.raises(Conflict):
        catalogue.add_maker_alias(session, "izhmash", "Someone", actor=SYSTEM, now=now)
    with pytest.raises(Conflict):  # a maker with aliases is not itself an alias
        catalogue.add_maker_alias(session, "Kalashnikov Concern", "Other", actor=SYSTEM, now=now)


@pytest.mark.parametrize(("hd", "cg", "un", "error", "message"), [
    ("1.4", "S", "UN 0012", None, None),
    ("1.1", "F", "0005", None, None),
    ("1.4", "S", "0005", catalogue.CatalogueInvalid, "classified 1.1F"),
    ("1.4", "S", "12", catalogue.CatalogueInvalid, "four digits"),
    ("1.1", "S", "", HazardInvalid, "not a valid UN classification"),
], ids=["small arms 1.4S", "HE 1.1F", "wrong UN for HD/CG", "malformed UN", "invalid HD/CG"])
def test_item_types_carry_a_valid_classification_and_un_number(session, hd, cg, un, error,
                                                                message):
    def add():
        return catalogue.add_item_type(session, nature="cartridge", calibre="7.62x39mm",
                                       type="ball", hazard_division=hd, compatibility_group=cg,
                                       neq_kg="0.0016", un_number=un, actor=SYSTEM, now=utcnow())
    if error is None:
        assert len(add().un_number) == 4
    else:
        with pytest.raises(error, match=message):
            add()


def test_lots_are_recorded_suspended_with_a_reference_and_released(session, niger):
    now = utcnow()
    catalogue.add_maker_alias(session, "Arsenal Co", "Arsenal", actor=SYSTEM, now=now)
    item = catalogue.add_item_type(session, nature="cartridge", calibre="7.62x39mm", type="ball",
                                   hazard_division="1.4", compatibility_group="S",
                                   neq_kg="0.0016", un_number="0012", actor=SYSTEM, now=now)
    lot = lots.add_lot(session, item.id, lot_number="10-98-117", manufacturer="arsenal co",
                            country_of_manufacture="bg", manufacture_date=date(1998, 5, 1),
                            expiry_date=date(2028, 5, 1), actor=SYSTEM, now=now)
    assert (lot.manufacturer, lot.country_of_manufacture) == ("Arsenal", "BG")
    with pytest.raises(Conflict):
        lots.add_lot(session, item.id, lot_number="10-98-117", manufacturer="Arsenal",
                          actor=SYSTEM, now=now)
    with pytest.raises(catalogue.CatalogueInvalid, match="known lot"):
        lots.add_lot(session, item.id, lot_number=" ", actor=SYSTEM, now=now)
    unknown = lots.add_lot(session, item.id, lot_number=None, lot_state="unknown",
                                actor=SYSTEM, now=now)
    assert unknown.lot_number is None
    with pytest.raises(catalogue.CatalogueInvalid, match="expire before"):
        lots.add_lot(session, item.id, lot_number="X", manufacture_date=date(2000, 1, 1),
                          expiry_date=date(1999, 1, 1), actor=SYSTEM, now=now)
    with pytest.raises(catalogue.CatalogueInvalid, match="reference"):
        lots.set_lot_suspension(session, lot.id, suspended=True, reference="",
                                     actor=SYSTEM, now=now)
    lots.set_lot_suspension(session, lot.id, suspended=True, reference="CNCCI/2026/041",
                                 actor=SYSTEM, now=now)
    assert (lot.suspended, lot.suspension_ref) == (True, "CNCCI/2026/041")
    lots.set_lot_suspension(session, lot.id, suspended=False, reference="test 2026-07",
                                 actor=SYSTEM, now=now)
    assert lot.suspended is False


def test_a_lot_suspended_from_the_books_is_the_safety_notice_with_its_tasks(app, world):
    """One suspension whichever door it comes through: the books' lot page, API and command
    issue the country-wide notice (a task at every depot holding the lot) that the safety
    page issues, and the safety page's lifting clears the lot's own flag."""
    from server.db import db
    from server.models import AmmoLot, Depot, User
    from sync.access.principal import Principal
    from sync.journal.trail import Actor
    from sync.stock import surveillance
    from tests.factories import add_ammo_crate

    with app.app_context():
        s, now = db.session, utcnow()
        item_id = s.get(AmmoLot, world.lots["ball"]).item_type_id
        lot = lots.add_lot(s, item_id, lot_number="NE-26-001", country_code="NE",
                           actor=SYSTEM, now=now)
        for name, code in (("a", "NMY"), ("b", "ZDR")):
            add_ammo_crate(s, world, name, s.get(Depot, world.depots[f"NE-{code}"]), 40,
                           lot.id, f"NE-{code}/B1/A1", "admin")
        lots.set_lot_suspension(s, lot.id, suspended=True, reference="CNCCI/2026/077",
                                actor=Actor(world.users["admin"]), now=now, country_code="NE")
        notice = surveillance.live_notice(s, "NE", lot.id)
        assert notice is not None and notice.reference == "CNCCI/2026/077"
        assert sorted(t.depot_id for t in notice.tasks) == sorted(
            world.depots[k] for k in ("NE-NMY", "NE-ZDR"))
        assert lot.suspended
        with pytest.raises(Conflict):  # already suspended, through the other door
            surveillance.suspend_lot(s, Principal.of_user(s.get(User, world.users["admin"])),
                                     lot.id, reference="again", now=now)
        surveillance.lift_suspension(s, Principal.of_user(s.get(User, world.users["admin"])),
                                     lot.id, now=now)
        assert surveillance.live_notice(s, "NE", lot.id) is None and not lot.suspended
        s.rollback()

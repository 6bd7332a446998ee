"""Setup and catalogues on HQ pages: an administrator adds and edits depots, buildings,
stacks, agencies, weapon models, aliases, item types and lots through the domain functions
the API uses; a refused entry says why and writes nothing; other roles are refused; each
country sees its own entries and the shared defaults, edits its own, and another country's
entry is a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.db import db
from server.models import AmmoItemType, AmmoLot, AuditEvent, StorageBuilding
from sync.stock import inventory
from tests.conftest import fresh_database, make_app
from tests.factories import add_user, build_world
from tests.hq_seed import as_user, post_form

ITEM = {"nature": "cartouche", "calibre": "12.7x108mm", "type": "API", "hazard_division": "1.2",
        "compatibility_group": "E", "neq_kg": "0.0185", "un_number": "UN0321"}


@pytest.fixture(scope="module")
def hq(migrated, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("setup")
    app = make_app(fresh_database(migrated, tmp), tmp)
    with app.app_context():
        world = build_world(db.session)
        add_user(db.session, world, "ng_admin", "admin", "NG", device=False)
        shared = inventory.create_item_type(
            db.session, nature="grenade, hand", calibre="F1", type="HE", hazard_division="1.1",
            compatibility_group="F", neq_kg="0.0600")
        db.session.commit()
        world.item_types = {"shared": shared.id}
    return {"app": app, "world": world}


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_an_administrator_adds_and_edits_a_building_and_its_stacks(hq):
    client = as_user(hq, "admin")
    page = "/hq/setup/depots/NMY"
    r = post_form(client, f"{page}/buildings", {
        "code": "b9", "type": "magazine", "ell_1.1": "1500", "ell_1.4": "250.5",
        "ell_licence_ref": "CNCCI/LIC/2026/014", "cgs_allowed": "c, d, s",
        "lightning_protection": "true",
        "lightning_test_date": "2026-10-02", "alarm": "true", "lock_type": "CEN 6"}, page=page)
    assert r.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "B9" in html and "HD 1.1: 1500.0" in html and "CDS" in html
    r = post_form(client, f"{page}/buildings/B9/stacks", {"code": "a1"}, page=page)
    assert r.status_code == 302
    r = post_form(client, f"{page}/buildings/B9", {
        "code": "B9", "type": "magazine", "ell_1.1": "1200", "cgs_allowed": "CD",
        "ell_licence_ref": "CNCCI/LIC/2026/031", "lock_type": "CEN 6"}, page=f"{page}/buildings/B9")
    assert r.status_code == 302
    with hq["app"].app_context():
        b = db.session.scalar(select(StorageBuilding).where(StorageBuilding.code == "B9"))
        assert (b.ell_kg, b.cgs_allowed, b.lightning_protection, b.alarm) == (
            {"1.1": 1200.0}, "CD", False, False)
        assert [loc.code for loc in b.locations] == ["A1"]
        edit = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "books.building_edit"))
        assert edit.details["changed"]["cgs_allowed"] == ["CDS", "CD"]
        assert edit.details["changed"]["ell_kg"][1] == {"1.1": 1200.0}
        assert edit.details["changed"]["ell_licence_ref"] == ["CNCCI/LIC/2026/014",
                                                              "CNCCI/LIC/2026/031"]


@pytest.mark.parametrize(("fields", "says"), [
    ({"code": "B8", "ell_1.1": "-5"}, "ELL for 1.1 must be zero or more kg"),
    ({"code": "B8", "cgs_allowed": "CZ"}, "Compatibility groups are letters among"),
    ({"code": "B8", "lightning_test_date": "2026-01-01"},
     "A lightning test date needs lightning protection"),
    ({"code": "B1"}, "Building B1 already exists in NMY"),
    ({"code": "B8", "ell_1.1": "lots"}, "ell_kg"),
], ids=["negative ELL", "unknown CG", "test without protection", "same code", "not a number"])
def test_a_refused_building_says_why_on_the_page_and_writes_nothing(hq, fields, says):
    client = as_user(hq, "admin")
    before = count(hq["app"], StorageBuilding)
    page = "/hq/setup/depots/NMY"
    r = post_form(client, f"{page}/buildings", fields, page=page)
    assert r.status_code in (409, 422)
    html = r.get_data(as_text=True)
    assert says in html
    assert count(hq["app"], StorageBuilding) == before


def test_a_depot_and_an_agency_are_created_and_edited(hq):
    client = as_user(hq, "admin")
    r = post_form(client, "/hq/setup/agencies", {"name": "Garde nationale",
                                                 "marking_code": "gn"}, page="/hq/setup")
    assert r.status_code == 302
    r = post_form(client, "/hq/setup/depots", {"code": "tlb", "name": "Tillabéri",
                                               "type": "unit_armoury", "agency": "GN"},
                  page="/hq/setup")
    assert r.status_code == 302 and r.headers["Location"].endswith("/hq/setup/depots/TLB")
    r = post_form(client, "/hq/setup/depots/TLB", {
        "name": "Tillabéri Nord", "type": "unit_armoury", "agency": "GN",
        "commander_name": "Cdt Issoufou", "security_plan_date": "2026-05-01"},
        page="/hq/setup/depots/TLB")
    assert r.status_code == 302
    html = client.get("/hq/setup").get_data(as_text=True)
    assert "TLB — Tillabéri Nord" in html and "Cdt Issoufou" in html and "Garde nationale" in html
    r = post_form(client, "/hq/setup/depots", {"code": "TI", "name": "x"}, page="/hq/setup")
    assert r.status_code == 422 and "2 to 5 letters" in r.get_data(as_text=True)


def test_french_pages(hq):
    client = as_user(hq, "admin")
    post_form(client, "/hq/language", {"language": "fr"}, page="/hq/setup")
    try:
        html = client.get("/hq/setup/depots/NMY").get_data(as_text=True)
        assert "Bâtiments de stockage" in html and "Nouveau bâtiment" in html
        assert "Lots" in client.get("/hq/lots").get_data(as_text=True)
    finally:
        post_form(client, "/hq/language", {"language": "en"}, page="/hq/setup")


@pytest.mark.parametrize("user", ["commander", "reviewer", "inspector"])
def test_only_administrators_set_up(hq, user):
    client = as_user(hq, user)
    for path in ("/hq/setup", "/hq/setup/depots/NMY", "/hq/catalogue/items", "/hq/lots"):
        assert client.get(path).status_code in (403, 404), path
    r = post_form(client, "/hq/catalogue/items", ITEM, page="/hq/inspections")
    assert r.status_code == 403
    assert count(hq["app"], AmmoItemType, AmmoItemType.calibre == "12.7x108mm") == 0


def test_each_country_has_its_own_catalogue(hq):
    ne, ng = as_user(hq, "admin"), as_user(hq, "ng_admin")
    assert post_form(ne, "/hq/catalogue/items", ITEM, page="/hq/catalogue/items"
                     ).status_code == 302
    with hq["app"].app_context():
        own = db.session.scalar(select(AmmoItemType).where(
            AmmoItemType.calibre == "12.7x108mm"))
        assert own.country_code == "NE"
        own_id = own.id
    shared_id = hq["world"].item_types["shared"]
    assert "12.7x108mm" in ne.get("/hq/catalogue/items").get_data(as_text=True)
    ng_list = ng.get("/hq/catalogue/items").get_data(as_text=True)
    assert "12.7x108mm" not in ng_list and "F1" in ng_list  # the shared default is seen
    assert ng.get(f"/hq/catalogue/items/{own_id}").status_code == 404
    r = post_form(ng, f"/hq/catalogue/items/{own_id}", {**ITEM, "neq_kg": "9"},
                  page="/hq/catalogue/items")
    assert r.status_code == 404
    r = post_form(ng, "/hq/lots", {"item_type_id": str(own_id), "lot_number": "X-1"},
                  page="/hq/lots")
    assert r.status_code == 404 and count(hq["app"], AmmoLot, AmmoLot.lot_number == "X-1") == 0
    r = post_form(ne, f"/hq/catalogue/items/{shared_id}", {**ITEM, "calibre": "F1"},
                  page="/hq/catalogue/items")
    assert r.status_code == 403 and "shared default" in r.get_data(as_text=True)
    r = post_form(ne, f"/hq/catalogue/items/{own_id}", {**ITEM, "neq_kg": "0.0190"},
                  page=f"/hq/catalogue/items/{own_id}")
    assert r.status_code == 302
    r = post_form(ne, f"/hq/catalogue/items/{own_id}", {**ITEM, "un_number": "UN0012"},
                  page=f"/hq/catalogue/items/{own_id}")
    assert r.status_code == 422 and "UN0012 is classified 1.4S" in r.get_data(as_text=True)


def test_weapon_models_and_aliases_per_country(hq):
    ne, ng = as_user(hq, "admin"), as_user(hq, "ng_admin")
    page = "/hq/catalogue/weapons"
    assert post_form(ne, "/hq/catalogue/aliases", {"alias": "Izhmash",
                                                   "maker": "Kalashnikov Concern"},
                     page=page).status_code == 302
    assert post_form(ne, page, {"manufacturer": "izhmash", "model": "AKM",
                                "type": "assault rifle", "calibre": "7.62x39mm",
                                "country": "ru"}, page=page).status_code == 302
    html = ne.get(page).get_data(as_text=True)
    assert "<td>Kalashnikov Concern</td>" in html and "AKM" in html
    # Nigeria has no such alias: its own entry keeps the name it was given
    assert post_form(ng, page, {"manufacturer": "Izhmash", "model": "AKM",
                                "type": "assault rifle", "calibre": "7.62x39mm",
                                "country": "RU"}, page=page).status_code == 302
    html = ng.get(page).get_data(as_text=True)
    assert "<td>Kalashnikov Concern</td>" not in html and "<td>Izhmash</td>" in html
    r = post_form(ne, page, {"manufacturer": "Kalashnikov Concern", "model": "AKM",
                             "type": "assault rifle", "calibre": "7.62x39mm", "country": "RU"},
                  page=page)
    assert r.status_code == 409


def test_a_lot_is_added_edited_and_suspended(hq):
    client = as_user(hq, "admin")
    shared_id = hq["world"].item_types["shared"]
    r = post_form(client, "/hq/lots", {
        "item_type_id": str(shared_id), "lot_number": "RS-19-044", "manufacturer": "Krusik",
        "country_of_manufacture": "rs", "manufacture_date": "2019-03-01",
        "expiry_date": "2034-03-01"}, page="/hq/lots")
    assert r.status_code == 302
    lot_page = r.headers["Location"]
    r = post_form(client, lot_page, {"lot_number": "RS-19-045", "lot_state": "known",
                                     "manufacturer": "Krusik", "manufacture_date": "2019-03-01",
                                     "expiry_date": "2018-01-01"}, page=lot_page)
    assert r.status_code == 422 and "cannot expire before it was made" in r.get_data(
        as_text=True)
    r = post_form(client, lot_page, {"lot_number": "RS-19-045", "lot_state": "known",
                                     "manufacturer": "Krusik", "expiry_date": "2030-01-01"},
                  page=lot_page)
    assert r.status_code == 302
    r = post_form(client, f"{lot_page}/suspension", {"suspended": "true",
                                                     "reference": "CNCCI 2026/041"},
                  page=lot_page)
    assert r.status_code == 302
    html = client.get("/hq/lots?suspended=1").get_data(as_text=True)
    assert "RS-19-045" in html and "CNCCI 2026/041" in html
    assert as_user(hq, "ng_admin").get(lot_page).status_code == 404

"""Setting the books up through the API: administrators only, bad input refused with a
stable code and nothing written."""

import pytest

from tests.http.sync_helpers import bearer


def post(client, world, path, body, user="admin"):
    return client.post(f"/api/v1{path}", json=body, headers=bearer(world, user))


def test_an_administrator_sets_a_depot_up(client, world):
    r = post(client, world, "/books/agencies", {"name": "Garde nationale", "marking_code": "GN"})
    assert r.status_code == 201, r.json
    r = post(client, world, "/books/depots", {"code": "agz", "name": "Dépôt d'Agadez",
                                              "type": "unit_armoury", "agency": "gn"})
    assert r.status_code == 201 and r.json["status"] == "setup", r.json
    r = post(client, world, "/books/depots/AGZ/buildings", {
        "code": "C1", "type": "iso_container", "ell_kg": {"1.4": "250.5"}, "cgs_allowed": "S",
        "ell_licence_ref": "NE/ELL/2026/12", "lock_type": "cadenas haute sécurité"})
    assert r.status_code == 201 and r.json["ell_kg"] == {"1.4": 250.5}, r.json
    assert r.json["ell_licence_ref"] == "NE/ELL/2026/12"
    r = post(client, world, "/books/depots/AGZ/buildings/C1/locations", {"code": "R1"})
    assert r.status_code == 201
    shown = client.get("/api/v1/books/depots/AGZ", headers=bearer(world, "admin")).json
    assert shown["buildings"][0]["locations"] == ["R1"]


@pytest.mark.parametrize(("user", "status"), [("inspector", 403), ("commander", 403),
                                              ("reviewer", 403), ("ng_commander", 404)],
                         ids=["inspector", "commander", "reviewer", "other country"])
def test_only_administrators_set_up(client, world, user, status):
    r = post(client, world, "/books/depots/NMY/buildings", {"code": "B9"}, user=user)
    assert r.status_code == status


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/books/depots", {"code": "NMY", "name": "again"}, 409, "conflict"),
    ("/books/depots", {"code": "N\u0130MY", "name": "x"}, 422, "books.setup_invalid"),
    ("/books/depots", {"code": "ABC"}, 422, "invalid_payload"),
    ("/books/depots/NMY/buildings", {"code": "B3", "ell_kg": {"1.1": "1e400000"}}, 422,
     "books.setup_invalid"),
    ("/books/depots/NMY/buildings", {"code": "B3", "ell_kg": {"9.9": 1}}, 422,
     "books.setup_invalid"),
    ("/books/depots/NMY/buildings/ZZ/locations", {"code": "A9"}, 404, "not_found"),
    ("/catalogue/item-types", {"nature": "cartridge", "calibre": "9x19mm", "type": "ball",
                               "hazard_division": "1.4", "compatibility_group": "S",
                               "neq_kg": "0.0004", "un_number": "0005"}, 422,
     "books.catalogue_invalid"),
    ("/lots", {"item_type_id": 999999, "lot_number": "A"}, 404, "not_found"),
], ids=["duplicate depot", "unicode-odd code", "missing name", "huge ELL", "no such HD",
        "no such building", "UN number of another class", "no such item type"])
def test_bad_setup_input_is_refused_clearly(client, world, path, body, status, code):
    r = post(client, world, path, body)
    assert r.status_code == status, r.json
    assert r.json["error"]["code"] == code


def test_catalogue_and_lots_through_the_api(client, world):
    assert post(client, world, "/catalogue/maker-aliases",
                {"alias": "Izhmash", "maker": "Kalashnikov Concern"}).status_code == 201
    r = post(client, world, "/catalogue/weapon-models", {
        "manufacturer": "Izhmash", "country": "RU", "type": "assault rifle", "model": "AK-74",
        "calibre": "5.45x39mm"})
    assert r.status_code == 201 and r.json["manufacturer"] == "Kalashnikov Concern"
    r = post(client, world, "/catalogue/item-types", {
        "nature": "cartridge", "calibre": "5.45x39mm", "type": "ball", "hazard_division": "1.4",
        "compatibility_group": "s", "neq_kg": "0.0014", "un_number": "UN0012"})
    assert r.status_code == 201 and r.json["hazard_code"] == "1.4S", r.json
    r = post(client, world, "/lots", {"item_type_id": r.json["id"], "lot_number": "539-84",
                                      "manufacturer": "Tula", "manufacture_date": "1984-06-01",
                                      "expiry_date": "2029-06-01"})
    assert r.status_code == 201
    lot_id = r.json["id"]
    r = post(client, world, f"/lots/{lot_id}/suspension",
             {"suspended": True, "reference": "CNCCI 2026/12"})
    assert r.status_code == 200 and r.json["suspended"] is True
    listed = client.get("/api/v1/lots?suspended=1", headers=bearer(world, "inspector")).json
    assert [lot["id"] for lot in listed["items"]] == [lot_id]
    models = client.get("/api/v1/catalogue/weapon-models", headers=bearer(world)).json["items"]
    assert [m["model"] for m in models] == ["AK-74"]


def test_each_country_keeps_its_own_catalogue_through_the_api(app, client, world):
    from server.db import db
    from tests.factories import add_user

    with app.app_context():
        add_user(db.session, world, "ng_admin", "admin", "NG")
        db.session.commit()
    item = {"nature": "cartouche", "calibre": "12.7x108mm", "type": "API",
            "hazard_division": "1.2", "compatibility_group": "E", "neq_kg": "0.0185",
            "un_number": "UN0321"}
    own = post(client, world, "/catalogue/item-types", item)
    assert own.status_code == 201
    listed = client.get("/api/v1/catalogue/item-types", headers=bearer(world, "ng_admin")).json
    assert "12.7x108mm" not in {i["calibre"] for i in listed["items"]}
    assert "7.62x39mm" in {i["calibre"] for i in listed["items"]}  # the shared default
    r = post(client, world, "/lots", {"item_type_id": own.json["id"], "lot_number": "L-1"},
             user="ng_admin")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    lot = post(client, world, "/lots", {"item_type_id": own.json["id"], "lot_number": "L-1"})
    assert lot.status_code == 201
    r = post(client, world, f"/lots/{lot.json['id']}/suspension",
             {"suspended": True, "reference": "X"}, user="ng_admin")
    assert r.status_code == 404
    assert lot.json["id"] not in {row["id"] for row in client.get(
        "/api/v1/lots", headers=bearer(world, "ng_admin")).json["items"]}

"""The weapon register through its doors: search by any mark (HQ page, API, CLI) finds a
serial typed with confusable characters first and says why; registration checks the national
marking against the country's format and writes nothing when it is wrong; a stolen weapon
counted later in another depot raises the alert HQ sees and closes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.db import db, utcnow
from server.models import WeaponAlert
from server.models.ledger import MovementType
from sync.stock.ledger import LineIn, post_movement
from tests.hq_seed import as_user, post_form
from tests.http.sync_helpers import Phone, bearer
from tests.register_seed import build_register_world


@pytest.fixture
def reg(app):
    built = build_register_world(app)
    return {"app": app, "world": built.world, "built": built}


def hits(html: str) -> list[str]:
    import re

    return re.findall(r'class="mono" href="/hq/register/weapons/[^"]+">([^<]+)</a>', html)


def test_a_serial_typed_with_two_confusions_comes_first_with_why(reg):
    page = as_user(reg, "reviewer").get("/hq/register/search?q=AKI00OO2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert hits(html) == ["AK100002"]  # not its neighbour AK100001
    assert "the serial, reading I→1, O→0" in html
    partial = as_user(reg, "reviewer").get("/hq/register/search?q=ak-1OOO").get_data(
        as_text=True)
    assert hits(partial) == ["AK100001", "AK100002"]
    assert partial.count("the beginning of the serial") == 2


def test_another_countrys_register_is_not_searched(reg):
    html = as_user(reg, "ng_reviewer").get("/hq/register/search?q=AK100002").get_data(
        as_text=True)
    assert hits(html) == [] and 'id="register-none"' in html


def test_the_search_page_speaks_french(reg):
    client = as_user(reg, "reviewer")
    with reg["app"].app_context():
        from server.models import User
        db.session.get(User, reg["world"].users["reviewer"]).language = "fr"
        db.session.commit()
    html = client.get("/hq/register/search?q=AK1OOOO1").get_data(as_text=True)
    assert "le numéro de série tel que marqué" in html or "le numéro de série, en lisant" in html


def test_only_roles_that_read_serial_lists_search_and_each_search_is_audited(reg, client):
    from server.models import AuditEvent

    assert as_user(reg, "inspector").get("/hq/register/search?q=AK1").status_code == 403
    r = client.get("/api/v1/register/search?q=AK1", headers=bearer(reg["world"], "inspector"))
    assert r.status_code == 403 and r.json["error"]["code"] == "auth.forbidden"
    assert as_user(reg, "commander").get("/hq/register/search?q=AK1").status_code == 200
    with reg["app"].app_context():
        read = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "restricted.read", AuditEvent.entity == "register_search"))
        assert read.entity_id == "AK1" and read.user_id == reg["world"].users["commander"]


def test_search_refuses_control_characters(reg):
    r = as_user(reg, "reviewer").get("/hq/register/search?q=AK%0010")
    assert r.status_code in (400, 422)


def test_the_api_registers_with_a_checked_marking_and_finds_it_by_the_marking(reg, client):
    world = reg["world"]
    body = {"manufacturer": "Izhmash", "model": "AK-74", "country_of_manufacture": "RU",
            "serial": "KK 0815", "calibre": "5.45x39mm", "year": 1987, "import_country": "LY",
            "import_year": 2011, "marking_text": "ne-fan-2024-000123",
            "marking_positions": ["receiver"], "acquisition": "seizure"}
    wrong = client.post("/api/v1/register/weapons", headers=bearer(world, "admin"),
                        json={**body, "marking_text": "NE-XYZ-2024-000123"})
    assert wrong.status_code == 422
    assert wrong.json["error"]["code"] == "register.marking_invalid"
    assert wrong.json["error"]["details"]["part"] == "agency"
    none = client.get("/api/v1/register/search?q=KK0815", headers=bearer(world, "admin"))
    assert none.json["matches"] == []  # nothing half-written

    made = client.post("/api/v1/register/weapons", headers=bearer(world, "admin"), json=body)
    assert made.status_code == 201, made.json
    assert made.json["national_marking"] == {"country": "NE", "agency": "FAN", "year": 2024,
                                             "number": "000123"}
    found = client.get("/api/v1/register/search", query_string={"q": "NE FAN 2024 000123"},
                       headers=bearer(world, "admin")).json["matches"]
    assert found[0]["weapon"]["id"] == made.json["id"]
    assert found[0]["reasons"][0]["code"] == "marking"
    by_typing = client.get("/api/v1/register/search?q=kk-815",
                           headers=bearer(world, "admin")).json["matches"]
    assert by_typing[0]["weapon"]["serial"] == "KK 0815"
    assert by_typing[0]["reasons"][0]["code"] == "serial_zeros"


def test_an_inspector_may_not_register(reg, client):
    r = client.post("/api/v1/register/weapons", headers=bearer(reg["world"], "inspector"),
                    json={"manufacturer": "FN Herstal", "model": "FAL", "serial": "1",
                          "country_of_manufacture": "BE"})
    assert r.status_code == 403 and r.json["error"]["code"] == "auth.forbidden"


def test_the_cli_searches_as_a_user(reg):
    out = reg["app"].test_cli_runner().invoke(args=["register", "search", "AKIOOOO1",
                                                    "--as", "reviewer"])
    assert out.exit_code == 0, out.output
    first = out.output.splitlines()[0].split()
    assert first[1] == "AK100001" and "serial_confusable" in out.output


def steal(app, world, serial: str) -> None:
    with app.app_context():
        now = utcnow()
        post_movement(db.session, depot_id=world.depots["NE-NMY"], type=MovementType.THEFT,
                      lines=[LineIn(weapon_id=world.weapons[serial])],
                      originator_id=world.users["commander"],
                      approver_id=world.users["reviewer"], occurred_at=now, now=now)
        db.session.commit()


def test_a_stolen_weapon_counted_later_in_another_depot_raises_the_alert(reg, client):
    app, world = reg["app"], reg["world"]
    steal(app, world, "AK100001")
    phone = Phone(client, world, "zdr_inspector")
    count = phone.op(reg["built"].zdr_crate, "count", {"serials": ["AK1OOOO1"]})
    out = phone.push([count])
    assert out["results"][0]["status"] == "applied"
    phone.push([count], batch_id=None)  # the same count again raises nothing more
    with app.app_context():
        alerts = db.session.scalars(select(WeaponAlert)).all()
        assert [(a.weapon_id, a.source, a.seen_as) for a in alerts] == [
            (world.weapons["AK100001"], "count", "AK1OOOO1")]
        assert alerts[0].depot.code == "ZDR"
    html = as_user(reg, "reviewer").get("/hq/register/alerts").get_data(as_text=True)
    assert "AK100001" in html and "ZDR" in html
    assert as_user(reg, "ng_reviewer").get("/hq/register/alerts").get_data(
        as_text=True).count("AK100001") == 0
    assert as_user(reg, "inspector").get("/hq/register/alerts").status_code == 403


def test_a_stolen_weapon_reported_found_in_another_depot_raises_the_alert(reg):
    app, world = reg["app"], reg["world"]
    steal(app, world, "AK100002")
    with app.app_context():
        now = utcnow()
        post_movement(db.session, depot_id=world.depots["NE-ZDR"], type=MovementType.FOUND,
                      lines=[LineIn(weapon_id=world.weapons["AK100002"],
                                    to_location_id=world.locations["NE-ZDR/B1/A1"])],
                      originator_id=world.users["reviewer"], approver_id=world.users["admin"],
                      occurred_at=now, now=now, document_ref="PV 2026/118 gendarmerie")
        db.session.commit()
        alert = db.session.scalar(select(WeaponAlert))
        assert (alert.weapon_id, alert.source, alert.depot.code, alert.reference) == (
            world.weapons["AK100002"], "found", "ZDR", "PV 2026/118 gendarmerie")
        assert alert.weapon.status.value == "recovered"


def test_hq_closes_an_alert_and_a_search_hit_raises_one(reg):
    app, world = reg["app"], reg["world"]
    steal(app, world, "AK100002")
    client = as_user(reg, "reviewer")
    client.get("/hq/register/search?q=AK100002")
    with app.app_context():
        alert = db.session.scalar(select(WeaponAlert))
        assert (alert.source, alert.status) == ("search", "open")
        alert_id = alert.id
    r = post_form(client, f"/hq/register/alerts/{alert_id}/close",
                  {"note": "Seen on the register search; the investigation has it."},
                  page="/hq/register/alerts")
    assert r.status_code == 302
    again = post_form(client, f"/hq/register/alerts/{alert_id}/close", {"note": "x"},
                      page="/hq/register/alerts")
    assert again.status_code == 409
    with app.app_context():
        assert db.session.get(WeaponAlert, alert_id).status == "closed"


def test_f5_answers_are_compared_with_the_register_on_arrival(reg, client):
    app, world = reg["app"], reg["world"]
    f5 = {"instance_id": "uuid:5f5f5f5f-0000-4000-8000-000000000005", "form_id": "marking_check",
          "form_version": "2026120102", "depot": "NMY", "answers": {"weapons": [
              {"serial": "AK100001", "manufacturer": "Izhmash", "model": "akm",
               "marks_match": "yes"},
              {"serial": "AK-100002", "manufacturer": "Kalashnikov Concern", "model": "AK-47",
               "marks_match": "no"},
              {"serial_typed": "ZX 999", "manufacturer": "Norinco", "model": "Type 56"}]}}
    r = client.post("/api/v1/submissions", json=f5, headers=bearer(world, "inspector"))
    assert r.status_code == 201, r.json
    with app.app_context():
        from server.models import Finding, Weapon
        found = {f.item: f for f in db.session.scalars(select(Finding))}
        # AK100001: Izhmash is the maker's alias, "akm" the model: no finding
        assert len(db.session.scalars(select(Finding)).all()) == 2
        assert set(found) == {"register_marks_differ", "register_unknown_serial"}
        assert "AK-47" in found["register_marks_differ"].text
        assert found["register_marks_differ"].severity == "critical"
        assert "ZX 999" in found["register_unknown_serial"].text
        seen = {w.serial: w.last_seen_at for w in db.session.scalars(select(Weapon))}
        assert seen["AK100001"] is not None and seen["AK100002"] is not None
    html = as_user(reg, "reviewer").get("/hq/register/reconciliation").get_data(as_text=True)
    assert "ZX 999" in html.split('id="recon-unknown"')[1].split("</table>")[0]
    assert "AK100001" in html.split('id="recon-unmarked"')[1].split("</table>")[0]
    assert 'id="recon-not-seen"' not in html  # both weapons of the depot were just seen
    client.post("/api/v1/register/weapons", headers=bearer(world, "admin"), json={
        "manufacturer": "Norinco", "model": "Type 56", "country_of_manufacture": "CN",
        "serial": "ZX999"})
    html = as_user(reg, "reviewer").get("/hq/register/reconciliation").get_data(as_text=True)
    assert 'id="recon-unknown"' not in html  # the registration settled it
    assert as_user(reg, "commander").get("/hq/register/reconciliation").status_code == 403


def test_weapons_registered_from_the_odk_form(reg, client, published):
    from server.models import Submission, Weapon
    from tests.collect import Collect

    world = reg["world"]
    phone = Collect(client, world.tokens["commander"])
    weapons = [
        {"manufacturer": "Norinco", "model": "Type 56", "type": "assault rifle",
         "calibre": "7.62x39mm", "serial": "56-1234567", "country_of_manufacture": "CN",
         "year": "1979", "import_country": "SD", "import_year": "2009",
         "marking_agency": "FAN", "marking_year": "2025", "marking_number": "004217",
         "marking_positions": "receiver barrel", "acquisition": "seizure"},
        {"manufacturer": "FN Herstal", "model": "FAL", "serial": "FN-77", "year": "1975",
         "country_of_manufacture": "BE", "marking_agency": "XYZ", "marking_year": "2025",
         "marking_number": "004218"},
    ]
    answers = {"start": "2026-11-25T09:00:00.000+01:00", "depot": "NMY", "weapons": weapons}
    r = phone.send(phone.fill("weapon_registration", answers))
    assert r.status_code == 201, r.data
    with reg["app"].app_context():
        sub = db.session.scalar(select(Submission).where(
            Submission.form_id == "weapon_registration"))
        assert [p["code"] for p in sub.problems] == ["register.marking_invalid"]
        made = db.session.scalar(select(Weapon).where(Weapon.serial == "56-1234567"))
        assert made.national_marking == {"country": "NE", "agency": "FAN", "year": 2025,
                                         "number": "004217"}
        assert (made.import_country, made.import_year, made.acquisition) == ("SD", 2009,
                                                                             "seizure")
        assert made.marking_positions == ["receiver", "barrel"]
        assert db.session.scalar(select(Weapon).where(Weapon.serial == "FN-77")) is None

    inspector = Collect(client, world.tokens["inspector"])
    r = inspector.send(inspector.fill("weapon_registration", {**answers, "weapons": [
        {**weapons[0], "serial": "56-7654321"}]}))
    assert r.status_code == 201
    with reg["app"].app_context():
        assert db.session.scalar(select(Weapon).where(Weapon.serial == "56-7654321")) is None


def test_a_marking_voucher_over_the_api_is_checked_and_found_by_its_marking(reg, client):
    world = reg["world"]

    def mark(marking):
        return client.post("/api/v1/depots/NMY/vouchers", headers=bearer(world, "commander"),
                           json={"type": "marking", "occurred_at": "2026-11-30T10:00:00Z",
                                 "document_ref": "ORD-MARK-7", "lines": [{
                                     "weapon_id": world.weapons["AK100002"],
                                     "details": {"marking": marking}}]})
    for bad in ("NE-FAN-26-000417", {"country": "NE", "agency": "ABC", "year": 2026,
                                     "number": "000417"}, ["NE", "FAN"], {}):
        r = mark(bad)
        assert r.status_code == 422, (bad, r.json)
        assert r.json["error"]["code"] in ("register.marking_invalid", "invalid_input")
    assert mark("NE-FAN-26-000417").json["error"]["code"] == "register.marking_invalid"
    assert mark({"country": "NE", "agency": "FAN", "year": 2026, "number": "000417"}
                ).status_code == 201
    found = client.get("/api/v1/register/search?q=NE-FAN-2026-000417",
                       headers=bearer(world, "reviewer")).json["matches"]
    assert found[0]["weapon"]["serial"] == "AK100002"
    assert found[0]["weapon"]["national_marking"]["number"] == "000417"


def test_marks_read_by_f5_or_applied_by_the_books_that_no_entry_carries_are_listed(
        reg, client, published):
    from server.models import Finding
    from tests.collect import Collect
    from tests.visit_forms import F5_ITEMS

    app, world = reg["app"], reg["world"]
    with app.app_context():
        now = utcnow()
        for serial, mark in (("AK100001", "NE-FAN-2026-000417"),
                             ("AK100002", "NE-FAN-2026-000500"),
                             ("AK100002", "NE-FAN-2026-000501")):  # re-marked: 500 is gone
            post_movement(db.session, depot_id=world.depots["NE-NMY"], type=MovementType.MARKING,
                          lines=[LineIn(weapon_id=world.weapons[serial],
                                        details={"marking": mark})],
                          originator_id=world.users["commander"], occurred_at=now, now=now)
        db.session.commit()
    yes = {name: "yes" for name, *_ in F5_ITEMS}
    phone = Collect(client, world.tokens["inspector"])
    r = phone.send(phone.fill("marking_check", {
        "start": "2026-11-25T09:00:00.000+01:00", "depot": "NMY", "weapons": [
            {"serial_typed": "AK100001", "manufacturer": "Kalashnikov Concern", "model": "AKM",
             "marking_read": "ne fan 2026 000417", **yes},
            {"serial_typed": "AK100002", "manufacturer": "Kalashnikov Concern", "model": "AKM",
             "marking_read": "NE-FAN-2026-000999", **yes},
            {"serial_typed": "AK100002", "manufacturer": "Kalashnikov Concern", "model": "AKM",
             **yes}]}))
    assert r.status_code == 201, r.data
    with app.app_context():
        (finding,) = db.session.scalars(select(Finding).where(
            Finding.item == "register_unknown_marking")).all()
        assert "NE-FAN-2026-000999" in finding.text and finding.severity == "major"
    html = as_user(reg, "reviewer").get("/hq/register/reconciliation").get_data(as_text=True)
    listed = html.split('id="recon-marked-unregistered"')[1].split("</table>")[0]
    assert "NE-FAN-2026-000999" in listed and "NE-FAN-2026-000500" in listed
    assert "000417" not in listed and "000501" not in listed
    assert listed.count("<tr>") == 3  # the header and the two marks


@pytest.mark.parametrize("path", [
    "/hq/register/weapons/" + "9" * 100, "/hq/register/search?q=" + "Ω" * 150,
    "/hq/register/search?q=%F0%9F%94%AB%E2%80%AE1", "/hq/register/reconciliation?months=0",
    "/hq/tracing/" + "x" * 80, "/hq/tracing/report.xlsx?year=1800",
], ids=["long weapon id", "greek query", "emoji and bidi", "zero months", "long request id",
        "old year"])
def test_odd_addresses_are_4xx_or_empty_never_5xx(reg, path):
    r = as_user(reg, "reviewer").get(path)
    assert r.status_code in (200, 404, 422), (path, r.status_code)


def test_a_huge_alert_id_is_not_found(reg):
    client = as_user(reg, "reviewer")
    r = post_form(client, "/hq/register/alerts/99999999999999999999/close", {"note": "x"},
                  page="/hq/register/alerts")
    assert r.status_code == 404

"""The HQ safety pages: a building's gauge, the country report (over/near, incompatible mixes,
suspended lots and their boxes, lots due, stock awaiting disposal, unsegregated stacks), its
CSV/XLSX export, and the safety item queue; French and English; another country's building
is a 404."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from server.db import db, utcnow
from server.models import AmmoLot, Crate
from server.models.inventory import Condition, StockCategory
from sync.access.principal import Principal
from sync.stock import surveillance
from sync.stock.ledger import LineIn, post_movement
from tests.hq_seed import login_as, post_form
from tests.safety_seed import LICENCE, build_safety


@pytest.fixture
def report_world(app, world):
    """B1 of NMY near its 1.1 limit (70 bombs + ball), a fuze lot suspect on B2's stack A1
    next to serviceable bombs, the ball lot suspended over NMY and ZDR, a lot due for test,
    and a box awaiting disposal."""
    from server.models import User

    with app.app_context():
        s = build_safety(db.session, world, "warn")
        commander = world.users["commander"]
        now = utcnow()
        post_movement(db.session, depot_id=world.depots["NE-NMY"], type="receipt",
                      lines=[LineIn(crate_id=s.he_box, quantity=70, lot_id=s.he_lot)],
                      originator_id=commander, occurred_at=now, now=now)
        db.session.get(AmmoLot, s.he_lot).next_test_due = date.today()
        fuze = db.session.get(AmmoLot, s.fuze_lot)
        fuze.condition = Condition.UNSERVICEABLE_FOR_DISPOSAL
        crate = db.session.get(Crate, s.fuze_box)
        crate.location_id = world.locations["NE-NMY/B2/A1"]
        post_movement(db.session, depot_id=world.depots["NE-NMY"], type="receipt",
                      lines=[LineIn(crate_id=s.fuze_box, quantity=200, lot_id=s.fuze_lot)],
                      originator_id=commander, occurred_at=now, now=now)
        crate.category = StockCategory.AWAITING_DISPOSAL
        reviewer = Principal.of_user(db.session.get(User, world.users["reviewer"]))
        surveillance.suspend_lot(db.session, reviewer, world.lots["ball"],
                                 reference="CNLPAL/SUSP/2026/07", now=now)
        db.session.commit()
    return s


def test_the_building_gauge_shows_neq_against_the_licence(client, world, report_world):
    login_as(client, "reviewer")
    page = client.get(f"/hq/safety/buildings/{report_world.b1}").get_data(as_text=True)
    assert 'id="gauge-status">near its limit' in page and LICENCE in page
    assert "47.1 / 50.0 kg · 94%" in page and "HD 1.1 (1.1 + 1.4)" in page
    assert client.get("/hq/safety/buildings/999999").status_code == 404
    login_as(client, "ng_commander")
    assert client.get(f"/hq/safety/buildings/{report_world.b1}").status_code == 404


def test_the_country_report_lists_every_safety_matter_in_french(client, world, report_world):
    login_as(client, "reviewer")
    post_form(client, "/hq/language", {"language": "fr"})
    page = client.get("/hq/safety").get_data(as_text=True)
    assert 'data-building="NMY/B1"' in page and "près de sa limite" in page
    assert "B (FZ-M6-1999-12) + E (HE-82-2011-04)" in page
    assert "NMY/B2/A1" in page  # unsegregated: unserviceable fuzes next to the bombs
    assert "CNLPAL/SUSP/2026/07" in page and world.crates["zdr_ball"] in page
    assert "HE-82-2011-04" in page.split('id="due"')[1].split("</section>")[0]
    assert "FZ-M6-1999-12" in page.split('id="disposal"')[1].split("</section>")[0]
    assert "Sécurité pyrotechnique" in page


def test_the_report_exports_as_csv_and_xlsx(client, world, report_world):
    login_as(client, "reviewer")
    r = client.get("/hq/exports/safety.csv")
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    b1 = next(row for row in rows if row["section"] == "building" and row["building"] == "B1")
    assert (b1["status"], b1["hazard_division"], b1["neq_kg"], b1["limit_kg"]) == (
        "near", "1.1+1.4", "47.1", "50.0")
    boxes = [row for row in rows if row["section"] == "suspended_box"]
    assert sorted(row["depot"] for row in boxes) == ["NMY", "ZDR"]
    assert {row["section"] for row in rows} >= {"due_for_test", "awaiting_disposal",
                                                "unsegregated"}
    r = client.get("/hq/exports/safety.xlsx")
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:3] == ["Section", "Depot",
                                                                        "Building"]
    login_as(client, "commander")  # may read the report, not export it
    assert client.get("/hq/exports/safety.csv").status_code == 403


def test_a_suspension_from_the_lot_page_and_a_decided_item(client, world, report_world):
    login_as(client, "reviewer")
    lot = report_world.he_lot
    page = f"/hq/safety/lots/{lot}"
    r = post_form(client, f"{page}/suspend", {"reference": "SUSP-HE-01"}, page=page)
    assert r.status_code == 302
    text = client.get(page).get_data(as_text=True)
    assert "SUSP-HE-01" in text and "boxes to find" in text
    r = post_form(client, f"{page}/suspend", {"reference": "again"}, page=page)
    assert r.status_code == 409
    queue = client.get("/hq/safety/items").get_data(as_text=True)
    assert "explosive limit exceeded" not in queue  # near is not over: nothing queued
    login_as(client, "commander")
    voucher = {"type": "issue", "occurred_at": datetime.now(UTC).isoformat(),
               "document_ref": "BS-1", "lines": [{"crate_id": report_world.he_box,
                                                  "quantity": 1}]}
    from tests.http.sync_helpers import bearer

    r = client.post("/api/v1/depots/NMY/vouchers", json=voucher,
                    headers=bearer(world, "commander"))
    assert r.status_code == 409 and r.json["error"]["code"] == "safety.lot_suspended"


def test_a_test_result_from_the_lot_page_sets_the_condition_and_shelf_life(
        client, world, report_world):
    """A reviewer types a laboratory's result on the lot page: the national code maps to a
    condition, a serviceable result with its next test extends the shelf life; a bad date or an
    unknown code is a 422 page with nothing written; a commander sees no form and is refused."""
    from server.models import Country, LotTest

    with client.application.app_context():
        niger = db.session.get(Country, "NE")
        niger.settings = {**(niger.settings or {}), "condition_codes": {"A": "SERVICEABLE"}}
        db.session.commit()
    login_as(client, "reviewer")
    lot = report_world.he_lot
    page = f"/hq/safety/lots/{lot}"
    assert 'id="test-form"' in client.get(page).get_data(as_text=True)
    due = date(date.today().year + 3, 6, 30)
    r = post_form(client, f"{page}/tests", {
        "tested_on": date.today().isoformat(), "laboratory": "Laboratoire national, Niamey",
        "test": "stabilité chimique", "code": "a", "next_test_due": due.isoformat(),
        "notes": ""}, page=page)
    assert r.status_code == 302
    text = client.get(page).get_data(as_text=True)
    assert 'id="lot-condition">serviceable' in text and "Laboratoire national, Niamey" in text
    assert due.isoformat() in text
    for bad in ({"code": "ZZ"}, {"tested_on": "2999-01-01"}, {"tested_on": "hier"},
                {"laboratory": ""}):
        form = {"tested_on": date.today().isoformat(), "laboratory": "LN", "test": "visuel",
                "code": "A", **bad}
        assert post_form(client, f"{page}/tests", form, page=page).status_code == 422, bad
    with client.application.app_context():
        assert db.session.query(LotTest).filter_by(lot_id=lot).count() == 1
    login_as(client, "commander")
    assert 'id="test-form"' not in client.get(page).get_data(as_text=True)
    r = post_form(client, f"{page}/tests", {"tested_on": date.today().isoformat(),
                                            "laboratory": "LN", "test": "v", "code": "A"},
                  page=page)
    assert r.status_code == 403

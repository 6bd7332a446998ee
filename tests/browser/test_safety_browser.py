"""Explosive safety in Chromium: a building's gauge reached from the country report, the
report in French with a suspended lot found in two depots, and its CSV export."""

import csv
import io

import pytest
from playwright.sync_api import expect

from server.db import db, utcnow
from server.models import User
from sync.access.principal import Principal
from sync.stock import surveillance
from sync.stock.ledger import LineIn, post_movement
from tests.browser.conftest import shot
from tests.safety_seed import LICENCE, build_safety


@pytest.fixture(scope="module")
def safe(live):
    """B1 of NMY near its HD 1.1 limit, the ball lot suspended over NMY and ZDR."""
    with live.app.app_context():
        s = build_safety(db.session, live.world, "warn")
        now = utcnow()
        post_movement(db.session, depot_id=live.world.depots["NE-NMY"], type="receipt",
                      lines=[LineIn(crate_id=s.he_box, quantity=70, lot_id=s.he_lot)],
                      originator_id=live.world.users["commander"], occurred_at=now, now=now)
        reviewer = Principal.of_user(db.session.get(User, live.world.users["reviewer"]))
        surveillance.suspend_lot(db.session, reviewer, live.world.lots["ball"],
                                 reference="CNLPAL/SUSP/2026/07", now=now)
        db.session.commit()
    return s


def test_the_building_gauge_from_the_report(open_page, live, safe):
    page = open_page("reviewer")
    page.goto(f"{live.url}/hq/safety")
    row = page.locator('#limits tr[data-building="NMY/B1"]')
    expect(row).to_contain_text("near its limit")
    row.get_by_role("link", name="NMY/B1").click()
    expect(page.locator("#gauge-status")).to_have_text("near its limit")
    expect(page.locator("#licence")).to_have_text(LICENCE)
    meter = page.locator('#gauge .gauge[data-division="1.1"] meter')
    assert float(meter.get_attribute("value")) == pytest.approx(47.1)
    assert float(meter.get_attribute("max")) == 50.0
    # the browser's own reading of the meter: past "high", so it is drawn as a warning
    assert meter.evaluate("m => m.value / m.max") == pytest.approx(0.942, abs=0.001)
    expect(page.locator("#gauge")).to_contain_text("47.1 / 50.0 kg · 94%")
    expect(page.locator("#divisions")).to_contain_text("45.500")
    shot(page, "safety-gauge")


def test_the_country_report_in_french_and_its_export(open_page, live, safe):
    page = open_page("reviewer")
    page.goto(f"{live.url}/hq/safety")
    page.click("button[name=language][value=fr]")
    expect(page.locator("h1")).to_have_text("Sécurité pyrotechnique")
    suspended = page.locator("#suspended")
    expect(suspended).to_contain_text("CNLPAL/SUSP/2026/07")
    expect(suspended).to_contain_text("NMY: caisses à retrouver")
    expect(suspended.locator("tbody tr")).to_have_count(2)
    expect(suspended).to_contain_text(live.world.crates["ammo"])
    shot(page, "safety-report-fr")
    with page.expect_download() as download:
        page.click("#export-safety-csv")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(
        encoding="utf-8"))))
    assert sorted(r["depot"] for r in rows if r["section"] == "suspended_box") == [
        "NMY", "ZDR"]
    suspended.get_by_role("link", name="BG-98-117").click()
    expect(page.locator("#boxes tbody tr")).to_have_count(2)
    expect(page.locator("#suspension")).to_contain_text("CNLPAL/SUSP/2026/07")

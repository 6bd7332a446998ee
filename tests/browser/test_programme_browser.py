"""The programme in Chromium, on the hand-built data set of tests/programme_seed.py: the
reviewer follows the training cascade from the regional trainers' course down to depot staff,
reads the indicator dashboard quarter by quarter with its charts; the administrator releases
a quarter to UNREC with the form and UNREC's officer reads it."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from server.db import db, utcnow
from sync.journal.trail import SYSTEM
from sync.people import accounts
from tests.browser.conftest import Live, shot
from tests.factories import password_hash
from tests.hq_seed import seeded_app
from tests.programme_seed import build_programme


@pytest.fixture(scope="module")
def live(migrated, tmp_path_factory):
    """The browser tests' live server, with the programme's data and UNREC's officer."""
    app, world, seeded = seeded_app(migrated, tmp_path_factory.mktemp("programme-live"))
    with app.app_context():
        build_programme(db.session, world)
        accounts.create_body(db.session, "UNREC", "UNREC", kind="partner", actor=SYSTEM,
                             now=utcnow())
        user = accounts.create_user(db.session, "unrec_officer", role="partner",
                                    body_code="UNREC", actor=SYSTEM, now=utcnow())
        user.password_hash = password_hash()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", app, world, seeded)
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


def test_the_training_cascade(open_page, live):
    page = open_page("reviewer")
    page.click("#programme-link")
    page.click("#cascade-link")
    expect(page.locator("h1")).to_have_text("Training cascade")
    roots = page.locator("#cascade > li.course")
    expect(roots).to_have_count(2)  # the regional trainers' course, the outside expert's
    regional = roots.filter(has_text="Formation de formateurs PSSM")
    expect(regional.locator("> .trainers")).to_have_text("UNREC expert")
    expect(regional.locator("> .trainees")).to_contain_text("Cne Issa Moussa")
    national = regional.locator("ul > li.course")
    expect(national).to_have_count(1)
    expect(national).to_contain_text("Gestion des stocks")
    expect(national.locator("> .trainers")).to_have_text("Cne Issa Moussa")
    trainees = national.locator("> .trainees")
    expect(trainees).to_contain_text("Adj Aïcha Boubacar (NMY)")
    expect(trainees).to_contain_text("MdL Ousmane Hamani (ZDR)")
    expect(trainees).not_to_contain_text("Fatouma")  # attended, failed: not trained
    expect(regional).to_contain_text("people reached through this course: 3")
    shot(page, "programme-cascade")


def test_the_indicator_dashboard(open_page, live):
    page = open_page("reviewer")
    page.goto(f"{live.url}/hq/programme/")
    page.fill("#period-form input[name=period]", "2026q3")
    page.click("#period-form button")
    head = page.locator("#indicators thead th")
    expect(head).to_have_text(["Indicator", "2025Q4", "2026Q1", "2026Q2", "2026Q3"])
    row = page.locator("#indicators tr[data-key=plans_share] td")
    expect(row.last).to_have_text("50.0 %")
    expect(page.locator("#indicators tr[data-key=on_time_share] td").last).to_have_text("33.3 %")
    expect(page.locator("#indicators tr[data-key='trained.supervisor'] td").last).to_have_text("2")
    values = page.locator("#shares-chart rect.bar").evaluate_all(
        "bars => bars.map(b => [b.getAttribute('data-value'), +b.getAttribute('height')])")
    heights = {v: h for v, h in values}
    assert heights["100.0"] == pytest.approx(2 * heights["50.0"], rel=0.02)  # to scale
    expect(page.locator("#agencies thead")).to_contain_text("Gendarmerie nationale")
    expect(page.locator("#depots tbody tr")).to_have_count(2)
    expect(page.locator("#depots")).to_contain_text("fence (2026-08-30)")
    shot(page, "programme-dashboard")
    with page.expect_download() as download:
        page.click("#national-pdf")
    assert download.value.suggested_filename == "progress-NE-2026Q3-en.pdf"


def test_a_release_reaches_the_partner(open_page, live):
    page = open_page("admin")
    page.goto(f"{live.url}/hq/programme/releases")
    page.fill("#release-form input[name=body]", "unrec")
    page.select_option("#release-form select[name=period]", "2026Q3")
    page.fill("#release-form textarea", "<script>alert(1)</script> Saison des pluies")
    page.click("#release-form button")
    expect(page.locator("#releases tbody")).to_contain_text("2026Q3")
    partner = open_page("unrec_officer")
    partner.click("#released-link")
    expect(partner.locator("#released thead")).to_contain_text("NE")
    expect(partner.locator("#released tr[data-key=depots] td").last).to_have_text("2")
    expect(partner.locator("main")).not_to_contain_text("NMY")
    assert partner.dialogs == [] and page.dialogs == []
    shot(partner, "programme-released")

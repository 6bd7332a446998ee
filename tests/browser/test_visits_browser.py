"""Visits in a real browser (Debian's Chromium): one visit with all its parts and its score,
the findings queue and a finding taken to closure by two people, the depot's RRPL chart.
Two visits of NMY filled through ODK Collect's door; screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from forms.registry import publish_shipped
from server.db import db, utcnow
from sync.journal.trail import SYSTEM
from tests.browser.conftest import Live, shot
from tests.collect import Collect
from tests.conftest import fresh_database, make_app
from tests.factories import build_world
from tests.visit_forms import send_visit


@pytest.fixture(scope="module")
def live(migrated, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("visits")
    app = make_app(fresh_database(migrated, tmp), tmp)
    with app.app_context():
        world = build_world(db.session)
        publish_shipped(db.session, actor=SYSTEM, now=utcnow())
        db.session.commit()
    collect = Collect(app.test_client(), world.tokens["inspector"])
    first, _ = send_visit(collect, world, f1_no={"gates_locked": "Gate left open"})
    second, _ = send_visit(collect, world, visit_type="follow_up",
                           start="2026-12-20T09:00:00.000+01:00")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live = Live(f"http://127.0.0.1:{server.server_port}", app, world, None)
    live.visits = (first, second)
    yield live
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


def test_the_visit_page_shows_every_part_and_the_score(open_page, live):
    page = open_page("reviewer")
    page.goto(f"{live.url}/hq/visits/{live.visits[0]}")
    expect(page.locator("#visit-type")).to_have_text("routine internal inspection")
    expect(page.locator("#visit-inspectors")).to_contain_text("inspector")
    expect(page.locator("#visit-parts tbody tr")).to_have_count(6)
    expect(page.locator("#rrpl-level")).to_have_text("0")
    expect(page.locator("#rrpl-blocking")).to_contain_text("gates_locked")
    expect(page.locator("#ack-commander")).to_contain_text("commander")
    shot(page, "visit")
    page.locator("#visit-parts a", has_text="security_check").click()
    expect(page.locator("#visit-link")).to_be_visible()


def test_a_finding_is_closed_by_two_people_from_the_queue(open_page, live):
    commander = open_page("commander")
    commander.goto(f"{live.url}/hq/findings?status=planned&depot=NMY")
    rows = commander.locator("#finding-queue tbody tr")
    expect(rows).to_have_count(2)
    shot(commander, "findings-queue")
    rows.first.locator("a").click()
    commander.fill("#done-form textarea[name=note]", "Fence mended with new mesh")
    commander.click("#done-form button[type=submit]")
    expect(commander.locator("#finding-status")).to_have_text("done")
    finding_url = commander.url
    commander.click("#verify-form button[type=submit]")  # the owner tries to verify
    expect(commander.locator("body")).to_contain_text("other than the finding's owner")

    reviewer = open_page("reviewer")
    reviewer.goto(finding_url)
    reviewer.select_option("#verify-form select[name=visit_id]", live.visits[1])
    reviewer.click("#verify-form button[type=submit]")
    expect(reviewer.locator("#finding-status")).to_have_text("verified")
    reviewer.click("#close-form button[type=submit]")
    expect(reviewer.locator("#finding-status")).to_have_text("closed")
    expect(reviewer.locator("#finding-history li")).to_have_count(3)
    shot(reviewer, "finding-closed")


def test_the_depot_page_charts_rrpl_over_its_visits(open_page, live):
    page = open_page("reviewer")
    page.goto(f"{live.url}/hq/depots/NMY")
    points = page.locator("#rrpl-chart circle.rrpl-point")
    expect(points).to_have_count(2)
    assert [points.nth(i).get_attribute("data-level") for i in range(2)] == ["0", "3"]
    expect(page.locator("#rrpl-chart path.rrpl-line")).to_have_attribute(
        "d", re.compile(r"^M\S+ \S+ H\S+ V\S+$"))
    shot(page, "depot-rrpl")
    points.first.click()
    expect(page).to_have_url(f"{live.url}/hq/visits/{live.visits[0]}")


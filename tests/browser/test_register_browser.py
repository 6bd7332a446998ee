"""The register and tracing in Chromium: a serial typed with confusable characters is found
first with why (in French too), and a tracing request lives its whole life in the browser:
Nigeria sends it with two photos through the ECOWAS Commission, which sees them and passes
it on; Niger acknowledges and
answers from the candidate match, releasing only the model; Nigeria reads the answer."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from server.db import db
from tests.browser.conftest import Live, shot
from tests.conftest import fresh_database, make_app
from tests.imaging import CRATE_JPG, ROTATED_JPG
from tests.register_seed import build_register_world


@pytest.fixture(scope="module")
def live(migrated, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live_register")
    app = make_app(fresh_database(migrated, tmp), tmp)
    built = build_register_world(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", app, built.world, None)
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


def test_the_search_page_finds_a_mistyped_serial_first(open_page, live):
    page = open_page("reviewer")
    page.click("#nav-register")
    page.fill("#register-search input[name=q]", "akIOOOO2")
    page.click("#register-search button[type=submit]")
    first = page.locator("#register-hits tbody tr").first
    expect(first.locator("td").first).to_have_text("AK100002")
    expect(first.locator("td.why")).to_contain_text("reading I→1, O→0")
    shot(page, "register-search")
    page.click("button[name=language][value=fr]")
    expect(page.locator("#register-hits td.why").first).to_contain_text(
        "le numéro de série, en lisant")
    first.locator("a").click()
    expect(page.locator("h1")).to_contain_text("AK100002")


def test_a_tracing_request_from_sending_to_answer(open_page, live):
    ng = open_page("ng_reviewer")
    ng.click("#nav-tracing")
    ng.click("#tracing-new")
    ng.select_option("select[name=requested_country]", "NE")
    ng.select_option("select[name=body]", "ECOWAS")
    for name, value in (("requester_contact", "CNCAL Abuja"), ("manufacturer", "Izhmash"),
                        ("model", "AKM"), ("serial", "AK-1OOOO2"),
                        ("seizure_place", "Maiduguri")):
        ng.fill(f"#tracing-form [name={name}]", value)
    ng.set_input_files("#tracing-photos", [str(CRATE_JPG), str(ROTATED_JPG)])
    ng.click("#tracing-send")
    expect(ng.locator("#tracing-status")).to_have_text("with the regional body")
    expect(ng.locator("#tracing-photos img")).to_have_count(2)
    reference = ng.locator("h1 .mono").inner_text()

    body = open_page("ecowas")
    body.click("#nav-tracing")
    body.get_by_role("link", name=reference).click()
    body.click("#tracing-route")
    expect(body.locator("#tracing-status")).to_have_text("received")
    thumbs = body.locator("#tracing-photos img")
    expect(thumbs).to_have_count(2)
    # the thumbnails load (the body sees the request's photos) and stand upright
    sizes = thumbs.evaluate_all("imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])")
    assert [w > h for w, h in sizes] == [True, False], sizes

    ne = open_page("reviewer")
    ne.click("#nav-tracing")
    ne.get_by_role("link", name=reference).click()
    expect(ne.locator("#tracing-candidates tbody tr").first).to_contain_text("AK100002")
    expect(ne.locator("#tracing-photos img")).to_have_count(2)
    ne.fill("input[name=contact]", "CNCCAI Niamey")
    ne.click("#tracing-acknowledge")
    # the reviewer reads French since the search test: the badge's class is the status
    expect(ne.locator("#tracing-status")).to_have_class(re.compile(r"\backnowledged\b"))
    ne.check("input[name=release][value=model]")
    ne.fill("textarea[name=text]", "On the register of Niger; issued in 2019.")
    ne.click("#tracing-send-answer")
    expect(ne.locator("#tracing-status")).to_have_class(re.compile(r"\banswered\b"))
    shot(ne, "tracing-answered")

    ng.reload()
    answer = ng.locator("#tracing-answer")
    expect(answer).to_contain_text("On the register of Niger; issued in 2019.")
    expect(answer).to_contain_text("AKM")
    expect(answer).not_to_contain_text("Kalashnikov")  # the maker was not released
    assert re.search(r"CNCCAI Niamey", ng.content())

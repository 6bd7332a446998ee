"""HQ after `flask demo`, in Chromium: the season the demo replays through the doors gives the
log, a dashboard, a conflict and a discrepancy content; the search box opens a weapon's crate
from its serial and explains a wrong check character; the crate list filters by HD; English
pages write dates day first; a 390 px screen never scrolls the whole page sideways; the
inspection report PDF, rasterised with pdftoppm, shows its title and answers."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from types import SimpleNamespace

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from server.cli.demo import credentials_path
from server.db import db
from server.models import Crate, Depot, Submission, Weapon
from tests.browser.conftest import ARTIFACTS, shot
from tests.pdfcodes import pdf_text

DAY_FIRST = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


@pytest.fixture(scope="module")
def demo(demo_loaded):
    app = demo_loaded.app
    creds = json.loads(credentials_path(app.instance_path).read_text())
    with app.app_context():
        crate, weapon = db.session.execute(
            select(Crate, Weapon).join(Weapon, Weapon.crate_id == Crate.id).join(Depot)
            .where(Depot.code == "NMY").order_by(Weapon.serial).limit(1)).one()
        sub_id = db.session.scalar(select(Submission.id).join(Depot).where(
            Depot.code == "NMY", Submission.form_id == "security_check").limit(1))
        facts = SimpleNamespace(serial=weapon.serial, weapon_crate=crate.label_id,
                                submission=sub_id)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app,
                          creds=creds, facts=facts)
    server.shutdown()
    thread.join(5)


@pytest.fixture
def reviewer(browser, demo):
    """The demo's reviewer (whose own language is French), logged in after picking English
    on the login page: the pick is kept."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{demo.url}/")  # the bare address leads to the login page of /hq/
    expect(page).to_have_url(re.compile(r"/hq/login"))
    page.click("button[name=language][value=en]")
    page.fill("input[name=username]", "revue")
    page.fill("input[name=password]", demo.creds["users"]["revue"]["password"])
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/hq/login" not in u)
    yield page
    context.close()


def test_after_the_demo_the_log_dashboard_conflicts_and_discrepancies_have_content(
        reviewer, demo):
    page = reviewer
    page.goto(f"{demo.url}/hq/inspections")
    expect(page.locator("h1")).to_have_text("Inspection log")  # English was kept
    assert page.locator("table.log tbody tr").count() >= 10
    first_date = page.locator("table.log tbody tr time").first.inner_text()
    assert DAY_FIRST.match(first_date), first_date  # e.g. 01/12/2026 08:33
    shot(page, "demo-log")
    page.goto(f"{demo.url}/hq/depots/NMY")
    heights = [float(h) for h in page.locator("#trend-chart rect.bar").evaluate_all(
        "bars => bars.map(b => b.getAttribute('height'))")]
    assert sum(heights) > 0
    assert page.locator("#compliance tbody tr").count() >= 5
    shot(page, "demo-dashboard")
    page.goto(f"{demo.url}/hq/conflicts")
    page.locator("main table a, main ul.items a").first.click()
    expect(page.locator("main h1")).to_contain_text(re.compile("onflict"))
    expect(page.locator("main")).to_contain_text("location")
    expect(page.locator("main")).to_contain_text("changed on the server")
    shot(page, "demo-conflict")
    page.goto(f"{demo.url}/hq/discrepancies?status=all")
    page.locator("main table a, main ul.items a").first.click()
    expect(page.locator("main dl").first).to_contain_text(re.compile(r"\d"))
    shot(page, "demo-discrepancy")


def test_a_serial_typed_in_the_search_box_opens_its_weapons_crate(reviewer, demo):
    page = reviewer
    page.goto(f"{demo.url}/hq/inspections")
    page.fill("#search input[name=q]", demo.facts.serial.lower())
    page.press("#search input[name=q]", "Enter")
    expect(page).to_have_url(f"{demo.url}/hq/crates/{demo.facts.weapon_crate}")
    expect(page.locator("#crate-weapons")).to_contain_text(demo.facts.serial)
    expect(page.locator("#crate-state")).not_to_contain_text("Book quantity")


def test_a_wrong_check_character_is_explained(reviewer, demo):
    page = reviewer
    label = demo.facts.weapon_crate
    wrong = label[:-1] + ("2" if label[-1] != "2" else "3")
    page.goto(f"{demo.url}/hq/depots")
    page.fill("#search input[name=q]", wrong)
    page.press("#search input[name=q]", "Enter")
    problem = page.locator("#search-problem")
    expect(problem).to_contain_text("check character")
    expect(problem).to_contain_text(f"the label is {label}")
    problem.get_by_role("link").click()
    expect(page).to_have_url(f"{demo.url}/hq/crates/{label}")


def test_the_crate_list_filtered_by_hd(reviewer, demo):
    page = reviewer
    page.goto(f"{demo.url}/hq/depots/NMY")
    page.click("#stock-links a >> nth=0")
    page.select_option("#crate-filters select[name=hd]", "1.1")
    page.click("#crate-filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"hd=1\.1"))
    cells = page.locator("#crate-list tbody tr td:nth-child(5)").all_inner_texts()
    assert cells and all(c.startswith("1.1") for c in cells)
    shot(page, "demo-crates-hd")


def test_a_phone_screen_never_scrolls_the_whole_page(browser, demo, reviewer):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  storage_state=reviewer.context.storage_state())
    page = context.new_page()
    paths = ["/hq/inspections", "/hq/depots/NMY", "/hq/depots/NMY/crates",
             f"/hq/crates/{demo.facts.weapon_crate}", f"/hq/inspections/{demo.facts.submission}",
             "/hq/discrepancies", "/hq/devices"]
    for path in paths:
        page.goto(demo.url + path)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, (path, wide)
    shot(page, "demo-390px")
    context.close()


def test_the_inspection_report_pdf_shows_its_title_and_answers(reviewer, demo):
    page = reviewer
    page.goto(f"{demo.url}/hq/inspections/{demo.facts.submission}")
    with page.expect_download() as download:
        page.click("#report-en")
    pdf = ARTIFACTS / "inspection-report.pdf"
    download.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(ARTIFACTS / "inspection-report")], check=True)
    raster = Image.open(ARTIFACTS / "inspection-report-1.png").convert("L")
    title_band = raster.crop((0, 0, raster.width, raster.height // 8))
    assert title_band.getextrema()[0] < 80  # the title is drawn
    text = " ".join(pdf_text(pdf.read_bytes()))
    assert "Inspection report" in text and "Answers" in text
    assert "The fence is intact" in text and "yes" in text
    assert "Depot commander" in text


def test_the_regional_report_of_the_demo_in_french(browser, demo):
    """UNREC's officer (French) opens what Niger released and downloads the regional
    evaluation report: every page rasterised with pdftoppm is drawn, the charts are there,
    the text is French, and nothing of Nigeria (which released nothing) is in it."""
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{demo.url}/hq/login")
    page.fill("input[name=username]", "unrec")
    page.fill("input[name=password]", demo.creds["users"]["unrec"]["password"])
    page.click("button[type=submit]")
    page.click("#released-link")
    expect(page.locator("h1")).to_have_text("Indicateurs communiqués")
    expect(page.locator("#released thead")).to_contain_text("NE")
    assert page.locator("#trained-chart rect.bar").count() >= 1
    with page.expect_download() as download:
        page.click("#regional-pdf")
    pdf = ARTIFACTS / "regional-report.pdf"
    download.value.save_as(pdf)
    context.close()
    for old in ARTIFACTS.glob("regional-report-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(ARTIFACTS / "regional-report")],
                   check=True)
    rasters = sorted(ARTIFACTS.glob("regional-report-*.png"))
    texts = pdf_text(pdf.read_bytes())
    assert len(rasters) == len(texts) >= 3  # balance sheet, charts, one page per country
    for raster in rasters:  # no blank page
        assert Image.open(raster).convert("L").getextrema()[0] < 80, raster.name
    coloured = Image.open(rasters[1]).convert("RGB").getcolors(maxcolors=1 << 16)
    assert any(r != g or g != b for _n, (r, g, b) in coloured)  # the charts' bars
    text = " ".join(texts)
    for french in ("Rapport d’évaluation régionale", "Bilan", "Personnels formés par compétence",
                   "Réhabilités", "Adoptées", "Difficultés relevées", "PON-GSM-NE", "Niger",
                   "clôture", "armurerie en conteneur"):
        assert french in text, french
    assert "Nigeria" not in text and "Balance sheet" not in text

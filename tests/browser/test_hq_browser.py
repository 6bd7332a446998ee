"""The HQ pages in a real browser (Debian's Chromium, headless): log in, filter the log, open
an inspection with photos, resolve a conflict, close a discrepancy with a second approver,
export CSV and XLSX and open them, switch to French, log in in Arabic (right to left), enrol a
phone and read the ODK Collect QR code off the screen. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import csv
import io
import re

import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import expect

from server.collect import read_payload
from tests.browser.conftest import shot
from tests.hq_seed import SCRIPT


def test_log_in_and_filter_the_log(open_page, live):
    page = open_page(None)
    page.goto(f"{live.url}/hq/inspections")
    expect(page).to_have_url(re.compile(r"/hq/login\?next="))
    shot(page, "login")
    page.fill("input[name=username]", "reviewer")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live.url}/hq/inspections")
    expect(page.locator("table.log tbody tr")).to_have_count(2)

    page.select_option("select[name=depot]", "NMY")
    page.select_option("select[name=status]", "discrepancies")
    page.click("#log-filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"depot=NMY.*status=discrepancies"))
    expect(page.locator("table.log tbody tr")).to_have_count(1)
    expect(page.locator("table.log tbody tr td").nth(1)).to_have_text("NMY")
    page.get_by_role("link", name="Depot", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=depot"))
    expect(page.locator("select[name=status]")).to_have_value("discrepancies")
    shot(page, "inspection-log")

    page.goto(f"{live.url}/hq/depots")
    shot(page, "depots")
    page.get_by_role("link", name=re.compile("^NMY")).click()
    expect(page.locator("#trend-chart rect.bar")).to_have_count(24)
    shot(page, "dashboard")


def test_open_an_inspection_with_photos(open_page, live):
    page = open_page("reviewer")
    page.goto(f"{live.url}/hq/inspections?depot=NMY")
    page.locator("table.log tbody tr a").first.click()
    expect(page.locator("h1")).to_contain_text("pssm_inspection")
    thumbs = page.locator(f"img[src='/hq/photos/{live.seeded.photo_id}/thumb']")
    expect(thumbs).to_have_count(2)  # beside its answer, and in the gallery
    thumb = thumbs.first.element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb)
    assert thumb.evaluate("img => img.naturalWidth") == 320
    expect(page.locator("#missing-photos")).to_contain_text("seal.jpg")
    expect(page.get_by_role("cell", name=f"Fence repaired {SCRIPT}", exact=True)).to_be_visible()
    shot(page, "inspection-detail")

    thumbs.first.click()
    expect(page).to_have_url(f"{live.url}/hq/photos/{live.seeded.photo_id}")
    page.wait_for_function("document.images[0] && document.images[0].naturalWidth > 0")
    assert page.evaluate("document.images[0].naturalWidth") == 640  # full size
    assert page.dialogs == []


def test_a_script_from_a_phone_never_runs(open_page, live):
    page = open_page("commander")
    for path in (f"/hq/inspections/{live.seeded.submission_id}", "/hq/depots/NMY"):
        page.goto(f"{live.url}{path}")
        expect(page.get_by_text(SCRIPT, exact=False).first).to_be_visible()
        assert page.locator("script").count() == 0
    assert page.dialogs == []


def test_resolve_a_conflict(open_page, live):
    page = open_page("commander")
    page.goto(f"{live.url}/hq/conflicts")
    page.locator(f"a[href='/hq/conflicts/{live.seeded.conflict_ids[0]}']").click()
    values = page.locator("#conflict-values tbody td")
    expect(values).to_have_count(4)
    phone_value = values.nth(2).inner_text()
    shot(page, "conflict")
    page.check("input[name=choose][value=phone]")
    page.fill("textarea[name=reason]", "Checked on site: the crate is in the phone's stack")
    page.click("#resolve-form button[type=submit]")
    expect(page.locator(".flash")).to_have_text("Conflict resolved.")
    expect(page.locator(".decision")).to_contain_text(phone_value)

    page.locator("h1 a").click()
    expect(page.locator("#crate-state")).to_contain_text(phone_value)
    expect(page.locator("#crate-audit")).to_contain_text("conflict.resolve")
    expect(page.locator("#crate-conflicts")).to_contain_text("Checked on site")
    shot(page, "crate")


def test_close_a_discrepancy_with_a_second_approver(open_page, live):
    url = f"{live.url}/hq/discrepancies/{live.seeded.discrepancy_id}"
    commander = open_page("commander")
    commander.goto(url)
    commander.fill("#note-form textarea", "Storekeeper says 60 rounds went to the range")
    commander.click("#note-form button")
    expect(commander.locator("#investigation-notes")).to_contain_text("went to the range")
    commander.check("input[name=outcome][value=adjust]")
    commander.fill("input[name=adjustment]", "-60")
    commander.fill("textarea[name=cause]", "Issued for range practice without a voucher")
    commander.click("#close-form button[type=submit]")
    expect(commander.locator("#discrepancy-status")).to_have_text("awaiting approval")
    shot(commander, "discrepancy-proposed")
    commander.click("#approve-form button")
    expect(commander.locator(".error .message")).to_contain_text(
        "someone other than the person who proposed it")
    shot(commander, "self-approval-refused")

    reviewer = open_page("reviewer")
    reviewer.goto(url)
    reviewer.click("#approve-form button")
    expect(reviewer.locator(".flash")).to_contain_text("approved and posted to the ledger")
    expect(reviewer.locator("#discrepancy-status")).to_have_text("closed")
    shot(reviewer, "discrepancy-approved")
    reviewer.goto(f"{live.url}/hq/crates/{live.world.crates['ammo']}")
    expect(reviewer.locator("#crate-state")).to_contain_text("940")
    expect(reviewer.locator("#crate-ledger")).to_contain_text("adjustment")
    expect(reviewer.locator("#crate-audit")).to_contain_text("discrepancy.approve")


def test_export_csv_and_xlsx_and_open_them(open_page, live):
    page = open_page("reviewer")
    page.goto(f"{live.url}/hq/inspections?depot=NMY")
    with page.expect_download() as csv_download:
        page.click("#export-csv")
    with open(csv_download.value.path(), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["depot"], r["form_id"]) for r in rows] == [("NMY", "pssm_inspection")]
    assert rows[0]["instance_id"] == live.seeded.instance_id
    assert csv_download.value.suggested_filename.endswith(".csv")

    with page.expect_download() as xlsx_download:
        page.click("#export-xlsx")
    with open(xlsx_download.value.path(), "rb") as fh:
        values = list(load_workbook(fh).active.values)
    assert values[0][0] == "Instance ID" and values[1][0] == live.seeded.instance_id

    page.goto(f"{live.url}/hq/discrepancies?status=all&depot=NMY")
    with page.expect_download() as discrepancies:
        page.click("#export-discrepancies-xlsx")
    with open(discrepancies.value.path(), "rb") as fh:
        kinds = [row[3] for row in load_workbook(fh).active.values]
    assert kinds[0] == "Kind" and "shortage" in kinds


def test_switch_to_french(open_page, live):
    page = open_page("admin")
    page.goto(f"{live.url}/hq/inspections")
    page.click("button[name=language][value=fr]")
    expect(page.locator("h1")).to_have_text("Journal des inspections")
    expect(page).to_have_url(f"{live.url}/hq/inspections")
    expect(page.get_by_role("navigation", name="Principal")).to_contain_text("Écarts")
    page.goto(f"{live.url}/hq/depots/NMY")
    expect(page.locator("#trend-chart")).to_contain_text("nov.")
    expect(page.locator("body")).to_contain_text("Conformité à la liste de contrôle")
    shot(page, "dashboard-fr")
    page.goto(f"{live.url}/hq/inspections/{live.seeded.submission_id}")
    expect(page.locator("h2").first).to_have_text("Réponses")
    shot(page, "inspection-detail-fr")
    page.click("#logout")
    expect(page.locator("h1")).to_have_text("Se connecter")  # the choice stays with the user


def test_log_in_in_arabic_and_the_page_mirrors(open_page, live):
    from tests.browser.conftest import log_in

    page = open_page(None)
    page.goto(f"{live.url}/hq/login")
    page.click("button[name=language][value=ar]")  # chosen before logging in
    expect(page.locator("h1")).to_have_text("تسجيل الدخول")
    log_in(page, live.url, "admin")
    page.goto(f"{live.url}/hq/inspections")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.locator("h1")).to_have_text("سجل عمليات التفتيش")
    nav = page.get_by_role("navigation", name="الرئيسي")
    expect(nav).to_contain_text("الفوارق")
    # mirrored: the brand starts at the right edge, the nav runs leftwards from its right
    # edge (however many rows an administrator's links take), and the language switch and
    # log-out sit at the left
    brand, box = page.locator(".brand").bounding_box(), nav.bounding_box()
    first, second = (nav.locator("a").nth(i).bounding_box() for i in (0, 1))
    me = page.locator(".me").bounding_box()
    assert brand["x"] + brand["width"] > 1280 - 60
    assert first["x"] + first["width"] > box["x"] + box["width"] - 20
    assert second["x"] < first["x"]
    assert me["x"] < 60
    # a crate's label id stays left to right inside the Arabic heading
    label = live.world.crates["ammo"]
    page.goto(f"{live.url}/hq/crates/{label}")
    ident = page.locator("h1 .mono")
    expect(ident).to_have_text(label)
    assert ident.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.locator("h1").evaluate("e => getComputedStyle(e).direction") == "rtl"
    shot(page, "crate-ar")
    page.goto(f"{live.url}/hq/depots/NMY")
    expect(page.locator("body")).to_contain_text("الامتثال لقائمة التحقق")
    cell = page.locator("td.mono").first  # left to right inside, on the right like the rest
    assert cell.evaluate("e => getComputedStyle(e).direction") == "ltr"
    gaps = cell.evaluate("""e => { const r = document.createRange(); r.selectNodeContents(e);
        const t = r.getBoundingClientRect(), c = e.getBoundingClientRect();
        return [t.left - c.left, c.right - t.right]; }""")
    assert gaps[1] < 20 < gaps[0]
    shot(page, "dashboard-ar")


def test_enrol_a_phone(open_page, live):
    page = open_page("commander")
    page.goto(f"{live.url}/hq/devices")
    page.select_option("select[name=user_id]", label="inspector (inspector)")
    page.fill("input[name=name]", "Tecno Spark spare")
    page.click("#enrol-form button[type=submit]")
    token = page.locator("#device-token").inner_text()
    assert len(token) > 30
    shot(page, "device-enrolled")
    # what ODK Collect will read when it scans the code on the screen
    image = Image.open(io.BytesIO(page.locator("#collect-qr svg").screenshot()))
    (code,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    settings = read_payload(code.text)
    assert settings["general"]["server_url"] == \
        f"{live.app.config['PUBLIC_URL']}/key/{token}"
    assert settings["project"]["name"] == "depotsync Tecno Spark spare"
    page.goto(f"{live.url}/hq/devices")
    expect(page.locator("#devices")).to_contain_text("Tecno Spark spare")
    assert token not in page.content()
    shot(page, "devices")

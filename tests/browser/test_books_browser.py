"""The books in Chromium: the voucher book filtered by type with a voucher's PDF (French),
and a loss approved from the approval queue by a second person."""

import re
from datetime import timedelta

import pypdfium2 as pdfium
from playwright.sync_api import expect

from server.db import db, utcnow
from server.models import Depot, User
from sync.access.principal import Principal
from sync.stock import vouchers
from sync.stock.ledger import LineIn
from tests.browser.conftest import shot


def pdf_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def test_the_voucher_book_filters_and_prints_a_voucher(open_page, live):
    page = open_page("admin")
    page.goto(f"{live.url}/hq/depots/NMY")
    page.click("button[name=language][value=fr]")
    page.click("#voucher-book-link")
    expect(page.locator("h1")).to_contain_text("Registre des bons")
    rows = page.locator("#vouchers tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("select[name=type]")).to_contain_text("sortie")
    page.select_option("select[name=type]", "receipt")
    page.click("#voucher-filter button[type=submit]")
    expect(page).to_have_url(re.compile(r"type=receipt"))
    number = rows.first.locator("td.mono").inner_text()
    shot(page, "voucher-book")
    href = rows.first.get_by_role("link", name="PDF").get_attribute("href")
    response = page.request.get(f"{live.url}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert f"Bon de mouvement {number}" in text and "Signatures" in text
    assert "Reçu par" in text and "réception" in text


def test_a_loss_is_approved_from_the_queue_by_a_second_person(open_page, live):
    with live.app.app_context():
        user = db.session.get(User, live.world.users["commander"])
        depot = db.session.get(Depot, live.world.depots["NE-NMY"])
        vouchers.submit_voucher(db.session, Principal.of_user(user), depot, vouchers.VoucherIn(
            type="loss", lines=(LineIn(crate_id=live.world.crate_ids["ammo"], quantity=3),),
            occurred_at=utcnow() - timedelta(hours=2), document_ref="CR 7/2026"), now=utcnow())
        db.session.commit()
    own = open_page("commander")
    own.goto(f"{live.url}/hq/approvals")
    own.locator("#approvals tbody tr").filter(has_text="CR 7/2026").get_by_role(
        "button", name="Approve").click()
    expect(own.locator("main")).to_contain_text("someone other than the person")
    page = open_page("reviewer")
    page.goto(f"{live.url}/hq/approvals")
    row = page.locator("#approvals tbody tr").filter(has_text="CR 7/2026")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved and posted to the ledger.")
    page.goto(f"{live.url}/hq/approvals?status=approved")
    expect(page.locator("#approvals tbody tr").filter(has_text="CR 7/2026")).to_have_count(1)
    shot(page, "approvals")


def test_a_transfer_is_acknowledged_line_by_line(open_page, live):
    from server.models.inventory import CrateKind
    from sync.journal.trail import SYSTEM
    from sync.people import accounts
    from sync.stock import inventory, transfers
    from tests.factories import password_hash

    w = live.world
    with live.app.app_context():
        zdr = db.session.get(Depot, w.depots["NE-ZDR"])
        cdt = accounts.create_user(db.session, "cdt_zinder", role="commander",
                                   country_code="NE", depot_codes=["ZDR"], actor=SYSTEM,
                                   now=utcnow())
        cdt.password_hash = password_hash()
        where = zdr.buildings[0].locations[0]
        for _ in range(2):
            label = inventory.allocate_labels(db.session, zdr, 1)[0]
            inventory.register_crate(db.session, zdr, label_id=label, kind=CrateKind.AMMO_BOX,
                                     location=where, actor=SYSTEM, now=utcnow())
        sender = Principal.of_user(db.session.get(User, w.users["commander"]))
        sent = transfers.send_transfer(
            db.session, sender, db.session.get(Depot, w.depots["NE-NMY"]), to_depot="ZDR",
            lines=[LineIn(crate_id=w.crate_ids["ammo"], quantity=100)] * 2,
            document_ref="OM 47/2026", occurred_at=utcnow(), now=utcnow())
        db.session.commit()
        consignment_id = sent.id
    page = open_page("cdt_zinder")
    page.goto(f"{live.url}/hq/in-transit")
    page.locator("#in-transit tbody tr a").first.click()
    expect(page).to_have_url(re.compile(consignment_id))
    page.fill("input[name=received_1]", "100")
    page.fill("input[name=document_ref]", "PV de réception 13/2026")
    page.check("input[name=complete]")
    shot(page, "consignment-acknowledge")
    page.click("#acknowledge-form button[type=submit]")
    expect(page.get_by_role("status")).to_contain_text("Receipt recorded.")
    expect(page.locator(".badge")).to_contain_text("received short")
    line2 = page.locator("#consignment-lines tr[data-line='2']")
    expect(line2.get_by_role("link")).to_contain_text("short on receipt")
    page.goto(f"{live.url}/hq/in-transit")
    expect(page.locator("#in-transit tbody tr")).to_have_count(1)


def test_the_import_preview_names_bad_rows_then_books_a_good_register(open_page, live,
                                                                    tmp_path):
    import csv

    from sync.stock.imports import COLUMNS

    def register(rows, name):
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        return str(path)

    good = {"type": "ammo", "building": "B2", "stack": "A1", "calibre": "7.62x39mm",
            "ammo_type": "ball", "lot_number": "BG-01-222", "maker": "Arsenal",
            "country": "BG", "quantity": "1440"}
    rows = [dict(good) for _ in range(6)]
    rows[1]["stack"] = "Z9"
    rows[3]["quantity"] = "-5"
    rows[4]["calibre"] = "9x19mm"
    page = open_page("commander")
    page.goto(f"{live.url}/hq/depots/NMY")
    page.click("#import-link")
    with page.expect_download() as download:
        page.click("#template-xlsx")
    assert download.value.suggested_filename == "opening-balance.xlsx"
    page.set_input_files("input[name=register]", register(rows, "bad.csv"))
    page.fill("input[name=source]", "Registre NMY, folios 1-3")
    page.click("#import-form button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("3 row(s) are wrong")
    expect(page.locator("#preview-errors tbody td.num")).to_have_text(["3", "5", "6"])
    expect(page.locator("#book-form")).to_have_count(0)
    shot(page, "import-preview-errors")
    page.goto(f"{live.url}/hq/depots/NMY/import")
    page.set_input_files("input[name=register]", register([good, good], "good.csv"))
    page.fill("input[name=source]", "Registre NMY, folio 4")
    page.click("#import-form button[type=submit]")
    expect(page.locator("#preview-summary")).to_contain_text("2 rows: 2 ammunition")
    page.click("#book-form button[type=submit]")
    expect(page.get_by_role("status")).to_contain_text("Opening balance booked: 2 rows.")
    expect(page.locator("#vouchers tbody tr").first).to_contain_text("Registre NMY, folio 4")

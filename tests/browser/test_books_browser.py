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

"""What HQ prints: the inspection report (PDF, French, English or Arabic, answers and findings
escaped, a signature block) and label sheets from the crate list and the depot page; and the
bare server address leading to the HQ pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.db import db
from server.models import User
from server.models.labels import LabelPrint
from sync.labels.sheets import get_layout
from tests.hq_seed import SCRIPT, as_user, csrf_from, seeded_app
from tests.pdfcodes import decode_pdf, pdf_text


@pytest.fixture(scope="module")
def hq(migrated, tmp_path_factory):
    app, world, seeded = seeded_app(migrated, tmp_path_factory.mktemp("print"))
    yield {"app": app, "world": world, "s": seeded}
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["Inspection report", "Answers", "Findings", "Depot commander", "Signature",
            "Gate B unlocked"]),
    ("fr", ["Rapport d'inspection", "Réponses", "Constats", "Commandant du dépôt",
            "Signature", "Gate B unlocked"]),
    ("ar", ["تقرير التفتيش", "الإجابات", "الملاحظات", "آمر المستودع", "التوقيعات",
            "التوقيع:", "Gate B unlocked"]),
], ids=["English", "French", "Arabic"])
def test_the_inspection_report_is_a_pdf_in_the_chosen_language(hq, lang, words):
    r = as_user(hq, "commander").get(
        f"/hq/inspections/{hq['s'].submission_id}/report.pdf?lang={lang}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = " ".join(pdf_text(r.get_data()))  # pdfium reads Arabic back in reading order
    for expected in words:
        assert expected in text
    assert SCRIPT in text  # a phone's text is printed as text, never read as markup
    assert "940" in text  # the count the phone sent


def test_a_voucher_prints_in_arabic_for_a_user_who_reads_arabic(hq):
    import re
    import subprocess

    client = as_user(hq, "admin")
    html = client.get("/hq/depots/NMY/vouchers").get_data(as_text=True)
    href = re.search(r'href="(/hq/depots/NMY/vouchers/\d+\.pdf)"', html).group(1)
    r = client.post("/hq/language", data={"csrf_token": csrf_from(html), "language": "ar",
                                          "next": "/hq/"})
    assert r.status_code == 302
    try:
        assert 'dir="rtl"' in client.get("/hq/depots/NMY").get_data(as_text=True)
        pdf = client.get(href).get_data()
        text = " ".join(pdf_text(pdf))
        assert "NE-NMY-" in text and "حركة" in text and "التوقيعات" in text
        assert "النوع: استلام" in text and "المنشئ: commander" in text
        fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True,
                               check=True).stdout.decode()
        assert "Amiri-Regular" in fonts and "Amiri-Bold" in fonts
    finally:
        with hq["app"].app_context():  # the module's other tests read English
            db.session.get(User, hq["world"].users["admin"]).language = "en"
            db.session.commit()


def test_the_report_follows_inspection_scope(hq):
    path = f"/hq/inspections/{hq['s'].ng_submission_id}/report.pdf"
    assert as_user(hq, "reviewer").get(path).status_code == 404
    assert as_user(hq, "reviewer").get(
        f"/hq/inspections/{hq['s'].submission_id}/report.pdf?lang=de").status_code == 422


def test_label_sheets_from_the_crate_list_and_the_depot_page(hq):
    client, w = as_user(hq, "commander"), hq["world"]
    html = client.get("/hq/depots/NMY/crates").get_data(as_text=True)
    assert 'form="label-sheet"' in html
    token = csrf_from(html)
    r = client.post("/hq/depots/NMY/labels.pdf", data={
        "csrf_token": token, "crate": [w.crates["ammo"], w.crates["rifles"]],
        "layout": "a4-3x8", "lang": "fr"})
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    codes = decode_pdf(r.get_data(), get_layout("a4-3x8"))
    assert sorted(v.split(".")[0] for v in codes[0].values()) == sorted(
        [w.crates["ammo"], w.crates["rifles"]])
    assert "cartouche" in " ".join(pdf_text(r.get_data()))  # item names in French
    page = client.get("/hq/depots/NMY").get_data(as_text=True)
    assert 'id="label-sheet"' in page and 'value="B1"' in page
    r = client.post("/hq/depots/NMY/labels.pdf", data={
        "csrf_token": token, "building": "B1", "layout": "a4-2x7"})
    assert r.status_code == 200
    with hq["app"].app_context():
        assert db.session.scalar(select(func.count(LabelPrint.id))) >= 3


@pytest.mark.parametrize(("user", "data", "status"), [
    ("commander", {"layout": "letter"}, 422),
    ("commander", {"layout": "a4-3x8", "crate": "x" * 65}, 422),
    ("commander", {"layout": "a4-3x8"}, 422),  # neither crates nor a building
    ("reviewer", {"layout": "a4-3x8", "building": "B1"}, 403),
], ids=["bad layout", "long label", "nothing chosen", "reviewer may not print"])
def test_bad_label_sheet_orders_get_a_clear_4xx(hq, user, data, status):
    client = as_user(hq, user)
    token = csrf_from(client.get("/hq/depots/NMY").get_data(as_text=True))
    r = client.post("/hq/depots/NMY/labels.pdf", data={"csrf_token": token, **data})
    assert r.status_code == status


def test_pages_hide_what_the_reader_may_not_do(hq):
    inspector = as_user(hq, "inspector").get("/hq/depots/NMY/crates").get_data(as_text=True)
    assert 'id="label-sheet"' not in inspector and 'form="label-sheet"' not in inspector
    assert "/hq/depots/NMY\"" not in inspector  # the dashboard would answer 403
    client = as_user(hq, "inspector")
    own = client.get(f"/hq/inspections/{hq['s'].submission_id}").get_data(as_text=True)
    assert "Discrepancy" in own and 'href="/hq/discrepancies/' not in own
    assert client.get(f"/hq/discrepancies/{hq['s'].discrepancy_id}").status_code == 403
    reviewer = as_user(hq, "reviewer").get(f"/hq/inspections/{hq['s'].submission_id}")
    assert 'href="/hq/discrepancies/' in reviewer.get_data(as_text=True)


def test_the_server_root_leads_to_hq(hq):
    r = hq["app"].test_client().get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/hq/")


def test_discrepancy_details_read_in_the_readers_language(hq):
    client = as_user(hq, "reviewer")
    page = client.get(f"/hq/discrepancies/{hq['s'].discrepancy_id}").get_data(as_text=True)
    assert "<dt>missing</dt>" in page  # the shortage's detail key, as a word
    token = csrf_from(page)
    client.post("/hq/language", data={"language": "fr", "csrf_token": token,
                                       "next": f"/hq/discrepancies/{hq['s'].discrepancy_id}"})
    page = client.get(f"/hq/discrepancies/{hq['s'].discrepancy_id}").get_data(as_text=True)
    assert "<dt>manquant</dt>" in page
    client.post("/hq/language", data={"language": "en", "csrf_token": csrf_from(page)})

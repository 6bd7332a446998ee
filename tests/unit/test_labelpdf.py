"""PDF sheets drawn from faces, read back as a phone would: every code on every page decodes
to exactly its label's QR text, in the slot where that label belongs."""

import io
from datetime import date

import pytest

from sync.labels.ids import make_label, qr_text, read_scan
from sync.labels.pdf import qr_matrix, render_pdf
from sync.labels.sheets import LAYOUTS, CrateFacts, blank_face, crate_face, sign_face
from tests.pdfcodes import decode_pdf, expected_pages, image_objects, pdf_text

KEY = b"unit test key"


def faces(n, depot="NMY", key=KEY):
    out = []
    for seq in range(1, n + 1):
        label = make_label("NE", depot, 999_000 + seq)
        qr = qr_text(label, key)
        if seq % 3 == 0:
            out.append(blank_face(label, depot, lang="fr", qr=qr, print_no=1 + seq % 2))
        else:
            facts = CrateFacts(label_id=label, depot=depot, building="B12", stack="A7",
                               kind="ammo_box", nature="cartridge", calibre="12.7x108mm",
                               ammo_type="api", lot_number=f"LOT-{seq:05d}", lot_state="known",
                               quantity=seq * 10, hazard="1.2C")
            out.append(crate_face(facts, lang="en", qr=qr, day=date(2026, 11, 25),
                                  print_no=1 + seq % 2))
    return out


def render(sheet, layout, skip=0, **kw):
    out = io.BytesIO()
    pages = render_pdf(sheet, layout, out, skip=skip, **kw)
    return out.getvalue(), pages


@pytest.mark.parametrize(("name", "count", "skip", "pages"), [
    ("a4-3x8", 30, 0, 2), ("a4-3x8", 30, 21, 3), ("a4-2x7", 30, 0, 3), ("a4-2x7", 14, 13, 2),
    ("thermal-100x50", 4, 0, 4),
], ids=["3x8", "3x8 skip 21", "2x7", "2x7 skip 13", "thermal"])
def test_every_code_decodes_to_its_label_in_its_slot(name, count, skip, pages):
    layout = LAYOUTS[name]
    sheet = faces(count, depot="ABCDE")  # the longest depot code makes the longest ID
    pdf, n = render(sheet, layout, skip)
    assert n == pages
    decoded = decode_pdf(pdf, layout)
    assert decoded == expected_pages([f.qr for f in sheet], layout, skip)
    printed = "".join(pdf_text(pdf))
    assert all(f.title in printed for f in sheet)  # the ID is shrunk to fit, never cut
    for page in decoded:
        for text in page.values():
            assert read_scan(text, KEY).signature == "valid"


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_unsigned_codes_hold_exactly_the_label_id(name):
    layout = LAYOUTS[name]
    sheet = faces(3, key=None)
    pdf, _ = render(sheet, layout)
    assert decode_pdf(pdf, layout) == expected_pages(
        [f.title for f in sheet], layout)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_stack_signs_decode_to_their_place(name):
    layout = LAYOUTS[name]
    sheet = [sign_face("NE", "NMY", f"B{b}", f"STACK-{s}", lang="fr")
             for b in range(1, 3) for s in range(1, 3)]
    pdf, _ = render(sheet, layout)
    assert decode_pdf(pdf, layout) == expected_pages([f.qr for f in sheet], layout)


def test_codes_are_vectors_and_the_text_is_real_text():
    sheet = faces(6)
    pdf, _ = render(sheet, LAYOUTS["a4-2x7"])
    assert image_objects(pdf) == 0
    text = pdf_text(pdf)[0]
    for face in sheet:
        assert face.title in text
    assert "RÉIMPRESSION 1" in text and "REPRINT 1" in text and "1.2C" in text


def test_text_too_long_is_cut_and_unprintable_characters_show():
    facts = CrateFacts(label_id=make_label("NE", "NMY", 5), depot="NMY", building="B1",
                       stack="A1", kind="ammo_box", nature="cartouche " * 10,
                       calibre="7,62×39 Ж", lot_number="Ж-1", lot_state="known", quantity=1)
    face = crate_face(facts, lang="fr", qr=qr_text(facts.label_id, KEY),
                      day=date(2026, 1, 1), print_no=1)
    pdf, _ = render([face], LAYOUTS["a4-3x8"])
    text = pdf_text(pdf)[0]
    assert "…" in text and "Lot ?-1" in text
    assert decode_pdf(pdf, LAYOUTS["a4-3x8"]) == [{0: face.qr}]


def test_a_signed_label_id_is_a_version_2_code():
    assert len(qr_matrix(qr_text(make_label("NE", "ABCDE", 999_999), KEY))) == 25


def test_floor_without_codes_draws_text_only():
    pdf, _ = render(faces(3), LAYOUTS["a4-3x8"], draw_qr=False)
    assert decode_pdf(pdf, LAYOUTS["a4-3x8"]) == [{}]

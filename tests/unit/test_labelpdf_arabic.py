"""Arabic label sheets (Mauritania, Chad), checked as printed: rasterised with pdftoppm, every
QR code still decodes (zxing-cpp) in its slot, the text is real joined Arabic in the vendored
Amiri font (embedded, every glyph in the font: no tofu), set right-aligned, with label ids,
lots and dates left to right as written."""

import io
import subprocess
import unicodedata
from datetime import date

import pytest
import zxingcpp
from PIL import Image, ImageOps
from reportlab.pdfbase.pdfmetrics import getFont

from sync.labels.ids import make_label, qr_text
from sync.labels.pdf import render_pdf
from sync.labels.script import CONTROLS, fonts, visual
from sync.labels.sheets import LAYOUTS, CrateFacts, blank_face, crate_face
from tests.pdfcodes import slot_at

KEY = b"unit test key"
DPI = 150
LAYOUT = LAYOUTS["a4-3x8"]


def arabic_sheet(n: int, lang: str = "ar"):
    out = []
    for seq in range(1, n + 1):
        label = make_label("MR", "NKC", 4_000 + seq)
        qr = qr_text(label, KEY)
        if seq % 4 == 0:
            out.append(blank_face(label, "NKC", lang=lang, qr=qr, print_no=1))
        else:
            facts = CrateFacts(label_id=label, depot="NKC", building="B3", stack="C12",
                               kind="ammo_box", nature="cartridge", calibre="7.62x39mm",
                               ammo_type="ball", lot_number=f"LOT-{seq:05d}", lot_state="known",
                               quantity=seq * 440, hazard="1.4S")
            out.append(crate_face(facts, lang=lang, qr=qr, day=date(2026, 12, 1),
                                  print_no=1 + seq % 2))
    return out


def pdf_of(faces) -> bytes:
    out = io.BytesIO()
    render_pdf(faces, LAYOUT, out)
    return out.getvalue()


def rasterise(pdf: bytes, tmp_path) -> Image.Image:
    (tmp_path / "sheet.pdf").write_bytes(pdf)  # one sheet per folder
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-f", "1", "-l", "1",
                    str(tmp_path / "sheet.pdf"), str(tmp_path / "page")], check=True)
    return Image.open(next(tmp_path.glob("page*.png"))).convert("L")


@pytest.fixture(scope="module")
def sheet():
    faces = arabic_sheet(LAYOUT.per_page)
    return faces, pdf_of(faces)


@pytest.mark.parametrize(("logical", "drawn"), [
    ("الدفعة LOT-00001", "LOT-00001 ﺔﻌﻓﺪﻟﺍ"),
    ("تاريخ الوسم 2026-12-01", "2026-12-01 ﻢﺳﻮﻟﺍ ﺦﻳﺭﺎﺗ"),
    ("NKC · مبنى B3 · كومة C12", "C12 ﺔﻣﻮﻛ · B3 ﻰﻨﺒﻣ · NKC"),
    ("MR-NKC-004001-7", "MR-NKC-004001-7"),
    ("من 20/11/2026 12:30 → 20/11/2026 13:00", "13:00 20/11/2026 – 12:30 20/11/2026 ﻦﻣ"),
], ids=["lot stays as written", "an ISO date is not reversed", "words right to left",
        "a label id alone", "a range: no arrow the font lacks"])
def test_arabic_is_joined_and_put_in_display_order(logical, drawn):
    assert visual(logical, rtl=True) == drawn
    assert visual(logical, rtl=False) == logical


def test_every_code_of_an_arabic_sheet_decodes_in_its_slot(sheet, tmp_path):
    faces, pdf = sheet
    image = rasterise(pdf, tmp_path)
    found = {}
    for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        p = code.position
        x = (p.top_left.x + p.bottom_right.x) / 2 * 25.4 / DPI
        y = LAYOUT.page_h - (p.top_left.y + p.bottom_right.y) / 2 * 25.4 / DPI
        found[slot_at(LAYOUT, x, y)] = code.text
    assert found == {slot: face.qr for slot, face in enumerate(faces)}


def test_the_arabic_font_is_embedded_and_has_every_glyph(sheet):
    faces, pdf = sheet
    listing = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True,
                             check=True).stdout.decode()
    embedded = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:]
                if line.split()[-5:-3] == ["yes", "yes"]}
    assert {"Amiri-Regular", "Amiri-Bold"} <= embedded
    regular, bold = fonts("ar")
    for face in faces:
        for font, text in ((bold, face.title), (bold, face.flag), *((regular, t)
                                                                    for t in face.lines)):
            cmap = getFont(font).face.charToGlyph
            assert [c for c in visual(text, rtl=True) if ord(c) not in cmap] == []


def test_the_text_reads_back_as_arabic(sheet):
    _faces, pdf = sheet
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    lines = [unicodedata.normalize("NFKC", CONTROLS.sub("", line)) for line in
             text.splitlines()]
    assert any("الدفعة" in line and "LOT-00001" in line for line in lines)
    assert any("تاريخ الوسم" in line and "2026-12-01" in line for line in lines)
    assert any("خرطوشة" in line and "7.62x39mm" in line for line in lines)


def ink_centre(image: Image.Image, slot: int) -> float:
    """Where the ink of a slot's text lines lies across its text box: 0 left edge, 1 right
    edge (the bottom quarter, with the hazard code and reprint flag, left out)."""
    cx, cy = LAYOUT.cell(slot)
    tx, ty, tw, th = LAYOUT.text_box()
    px = DPI / 25.4
    box = (round((cx + tx) * px), round((LAYOUT.page_h - cy - ty - th) * px),
           round((cx + tx + tw) * px), round((LAYOUT.page_h - cy - ty - th / 4) * px))
    region = ImageOps.invert(image.crop(box)).point(lambda v: 1 if v > 96 else 0)
    width, height = region.size
    pixels = region.load()
    columns = [sum(pixels[x, y] for y in range(height)) for x in range(width)]
    assert sum(columns) > width * height * 0.04, "the text box is (nearly) empty"
    return sum(x * n for x, n in enumerate(columns)) / sum(columns) / width


def test_arabic_text_is_set_against_the_right_edge(sheet, tmp_path):
    (tmp_path / "ar").mkdir(), (tmp_path / "en").mkdir()
    arabic = rasterise(sheet[1], tmp_path / "ar")
    english = rasterise(pdf_of(arabic_sheet(3, lang="en")), tmp_path / "en")
    for slot in range(3):  # the same label in both languages, mirrored
        assert ink_centre(arabic, slot) > 0.5 > ink_centre(english, slot)
        assert ink_centre(arabic, slot) - ink_centre(english, slot) > 0.1

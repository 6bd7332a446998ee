"""Read printed labels back the way a phone would: rasterise every PDF page at 150 dpi
(pypdfium2) and decode every QR code on it (zxing-cpp), noting which label slot it sits in."""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import zxingcpp

from sync.labels.sheets import Layout, slots

DPI = 150


def decode_pdf(pdf: bytes, layout: Layout) -> list[dict[int, str]]:
    """Per page: {slot: decoded text}. Fails if two codes land in one slot or a code lies
    outside every label."""
    pages = []
    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            image = page.render(scale=DPI / 72).to_pil().convert("L")
            found: dict[int, str] = {}
            for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
                p = code.position
                x = (p.top_left.x + p.bottom_right.x) / 2 * 25.4 / DPI
                y = layout.page_h - (p.top_left.y + p.bottom_right.y) / 2 * 25.4 / DPI
                slot = slot_at(layout, x, y)
                assert slot is not None, f"a code at ({x:.1f}, {y:.1f}) mm is outside the labels"
                assert slot not in found, f"two codes in slot {slot}"
                found[slot] = code.text
            pages.append(found)
    finally:
        doc.close()
    return pages


def slot_at(layout: Layout, x: float, y: float) -> int | None:
    for slot in range(layout.per_page):
        cx, cy = layout.cell(slot)
        if cx <= x <= cx + layout.label_w and cy <= y <= cy + layout.label_h:
            return slot
    return None


def expected_pages(texts: list[str], layout: Layout, skip: int = 0) -> list[dict[int, str]]:
    pages: list[dict[int, str]] = []
    for (page, slot), text in zip(slots(layout, len(texts), skip), texts, strict=True):
        while len(pages) <= page:
            pages.append({})
        pages[page][slot] = text
    return pages


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page, as a PDF reader extracts it."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in doc]
    finally:
        doc.close()


def image_objects(pdf: bytes) -> int:
    """How many raster images the PDF holds (vector labels hold none)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return sum(1 for page in doc for obj in page.get_objects()
                   if obj.type == pdfium_raw.FPDF_PAGEOBJ_IMAGE)
    finally:
        doc.close()

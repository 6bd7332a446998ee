"""Label sheets as PDF (reportlab): faces in, PDF bytes out. No database, no Flask.

The QR code is drawn as vector rectangles from qrcode's module matrix (one filled path per
code, one rectangle per horizontal run of dark modules, in module units), so it stays sharp
on any printer, and its 4-module quiet zone is kept clear of text. Where things go is decided in
sync/labels/sheets.py; this module only draws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import BinaryIO

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from sync.labels.script import RTL, fonts, visual, width_of
from sync.labels.sheets import Face, Layout, qr_geometry, slots

LEADING = 1.22
SMALLEST = 0.72  # text shrinks to this share of its size before it is cut short


def qr_matrix(text: str) -> list[list[bool]]:
    """Modules of the QR code for text, without the quiet zone. Level Q (25 % of the
    symbol may be lost to dirt or wear); a signed label ID fits version 2 (25 x 25)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0, box_size=1)
    code.add_data(text)
    code.make(fit=True)
    return code.modules


def render_pdf(faces: Iterable[Face], layout: Layout, out: BinaryIO, *, skip: int = 0,
               title: str = "Labels", draw_qr: bool = True,
               progress: Callable[[int], None] | None = None) -> int:
    """Draw faces in order on sheets of `layout`, the first `skip` slots left unused; write
    the PDF to out and return the number of pages. draw_qr=False draws only the text (the
    floor the benchmark compares against)."""
    canvas = Canvas(out, pagesize=(layout.page_w * mm, layout.page_h * mm), pageCompression=1,
                    invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor("depotsync")
    canvas.setCreator("depotsync")
    page = None
    for (on_page, slot), face in zip(slots(layout, 1 << 62, skip), faces, strict=False):
        if on_page != page:
            if page is not None:
                canvas.showPage()
            page = on_page
        x, y = layout.cell(slot)
        draw_face(canvas, layout, face, x, y, draw_qr=draw_qr)
        if progress is not None:
            progress(1)
    if page is not None:
        canvas.showPage()
    canvas.save()
    return 0 if page is None else page + 1


def draw_face(canvas: Canvas, layout: Layout, face: Face, x: float, y: float, *,
              draw_qr: bool = True) -> None:
    """One label whose bottom-left corner is at (x, y) mm. Arabic text is set right-aligned
    in its own font; the QR code, the hazard code and the reprint flag keep their places."""
    if draw_qr:
        draw_qr_code(canvas, layout, face.qr, x, y)
    font, bold = fonts(face.lang)
    rtl = face.lang in RTL
    tx, ty, tw, th = layout.text_box()
    left, bottom, width, top = (x + tx) * mm, (y + ty) * mm, tw * mm, (y + ty + th) * mm
    size = layout.title_pt * (1.6 if face.big_title else 1)
    baseline = top - size * 0.78
    fit_string(canvas, left, baseline, face.title, bold, size, width, rtl=rtl)
    baseline -= size * 0.45 + layout.text_pt * LEADING
    for line in face.lines:
        fit_string(canvas, left, baseline, line, font, layout.text_pt, width, rtl=rtl)
        baseline -= layout.text_pt * LEADING
    if face.badge:  # the hazard code, large, bottom right
        badge_size = size * 1.3
        badge_w = stringWidth(face.badge, bold, badge_size)
        canvas.setFont(bold, badge_size)
        canvas.drawString(left + width - badge_w, bottom + size * 0.15, face.badge)
        width -= badge_w + 2 * mm
    if face.flag:  # a reprint: white on black, bottom left
        flag_size = layout.text_pt
        flag_w = min(width_of(face.flag, bold, flag_size, rtl) + flag_size * 0.8, width)
        canvas.rect(left, bottom, flag_w, flag_size * 1.45, stroke=0, fill=1)
        canvas.setFillGray(1)
        fit_string(canvas, left + flag_size * 0.4, bottom + flag_size * 0.4, face.flag, bold,
                   flag_size, flag_w - flag_size * 0.8, rtl=rtl)
        canvas.setFillGray(0)


def draw_qr_code(canvas: Canvas, layout: Layout, text: str, x: float, y: float) -> None:
    """One filled path in module units (scaled once), a rectangle per run of dark modules:
    whole numbers only, so the stream is small and every module is exactly one size."""
    modules = qr_matrix(text)
    n = len(modules)
    qx, qy, module = qr_geometry(layout, n)
    ops = []
    for r, row in enumerate(modules):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{start} {n - 1 - r} {c - start} 1 re")
            else:
                c += 1
    canvas.saveState()
    canvas.transform(module * mm, 0, 0, module * mm, (x + qx) * mm, (y + qy) * mm)
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def fit_string(canvas: Canvas, x: float, y: float, text: str, font: str, size: float,
               width: float, *, rtl: bool = False) -> None:
    """Draw text within width (points) from x, or right-aligned to x + width if rtl: shrunk
    a little if needed, then cut at its end with an ellipsis. Characters the standard fonts
    lack print as "?" rather than vanish."""
    if not rtl:
        text = text.encode("cp1252", "replace").decode("cp1252")
    fitted = size
    while fitted > size * SMALLEST and width_of(text, font, fitted, rtl) > width:
        fitted -= 0.25
    if width_of(text, font, fitted, rtl) > width:
        while text and width_of(text + "…", font, fitted, rtl) > width:
            text = text[:-1]
        text += "…"
    canvas.setFont(font, fitted)
    if rtl:
        canvas.drawRightString(x + width, y, visual(text, rtl))
    else:
        canvas.drawString(x, y, text)

"""Arabic on reportlab pages. reportlab draws the characters it is given one after the other,
left to right, so Arabic text is first joined into its contextual letter forms
(arabic-reshaper) and put in display order (python-bidi), and drawn with the vendored Amiri
font (fonts/, SIL OFL 1.1; it has Latin letters and digits too). A label id, a date or any
other word with digits inside Arabic text is isolated and stays exactly as written, left to
right: by the bidi rules alone, 2026-12-01 after an Arabic word would read 01-12-2026.
Other languages keep the standard PDF fonts."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from reportlab.pdfbase.pdfmetrics import registerFont, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable

FONTS = Path(__file__).resolve().parent / "fonts"
RTL = frozenset({"ar"})  # languages written right to left
LATIN = ("Helvetica", "Helvetica-Bold")
ARABIC = ("Amiri", "Amiri-Bold")
# a word with a digit and no Arabic letter: ids, lots, dates, quantities, calibres
LTR_WORD = re.compile(r"[^\s\u0600-\u06ff]*\d[^\s\u0600-\u06ff]*")
LRI, PDI = "\u2066", "\u2069"
CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Amiri has no arrows: a range ("from → to") is joined by a dash, as Arabic writes it
ARROWS = str.maketrans({"→": "–", "←": "–"})


@cache
def _registered() -> tuple[str, str]:
    for name, file in zip(ARABIC, ("Amiri-Regular.ttf", "Amiri-Bold.ttf"), strict=True):
        registerFont(TTFont(name, str(FONTS / file)))
    return ARABIC


def fonts(lang: str) -> tuple[str, str]:
    """(regular, bold) font names for text in `lang`, registered with reportlab."""
    return _registered() if lang in RTL else LATIN


def visual(text: str, rtl: bool) -> str:
    """The characters of `text` in the order reportlab must draw them."""
    if not rtl:
        return text
    isolated = LTR_WORD.sub(lambda m: f"{LRI}{m.group()}{PDI}", text.translate(ARROWS))
    return CONTROLS.sub("", get_display(arabic_reshaper.reshape(isolated), base_dir="R"))


def width_of(text: str, font: str, size: float, rtl: bool) -> float:
    """How wide `text` is drawn, in points."""
    return stringWidth(visual(text, rtl), font, size)


def wrap_lines(text: str, font: str, size: float, limit: float, rtl: bool) -> list[str]:
    """Lines of at most `limit` points, broken between words in reading order (so that a
    right-to-left paragraph's first line is its first words), each ready to draw."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and width_of(candidate, font, size, rtl) > limit:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return [visual(line, rtl) for line in lines]


class RightToLeft(Flowable):
    """A paragraph of Arabic (or mixed) text for platypus pages and table cells: wrapped to
    the width it is given, in reading order, each line set against the right edge."""

    def __init__(self, text: object, font: str, size: float, leading: float | None = None):
        super().__init__()
        self.text, self.font, self.size = str(text), font, size
        self.leading = leading or size * 1.25
        self.lines: list[str] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.lines = wrap_lines(self.text, self.font, self.size, avail_width, rtl=True)
        self.height = self.leading * len(self.lines) + self.size * 0.3
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setFont(self.font, self.size)
        y = self.height - self.size
        for line in self.lines:
            self.canv.drawRightString(self.width, y, line)
            y -= self.leading

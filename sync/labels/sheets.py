"""Label sheets without drawing: the millimetre layouts, where each label and its QR code go,
and the text printed on a label (French, English or Arabic). sync/labels/pdf.py draws what
this says.

Only what domain.md allows is printed: label ID, depot/building/stack, nature and calibre, lot,
quantity, hazard code, date, and for weapon crates type/model and number. Never serials or
coordinates. Dates are ISO (2026-11-25), unambiguous in every language.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from server.errors import InvalidInput

QUIET_MODULES = 4  # the quiet zone the QR standard asks for on every side


@dataclass(frozen=True)
class Layout:
    """A sheet of labels, in millimetres. Rows count from the top of the page."""

    name: str
    page_w: float
    page_h: float
    cols: int
    rows: int
    label_w: float
    label_h: float
    left: float  # page edge to the first label
    top: float
    pitch_x: float  # from one label's edge to the next one's
    pitch_y: float
    pad: float  # blank border around the QR box (whose quiet zone adds more)
    pad_right: float  # blank border right of the text (sheets cut to the page edge need more)
    title_pt: float  # label ID
    text_pt: float
    dot: float | None = None  # printer dot pitch to snap QR modules to (203 dpi thermal)

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def cell(self, slot: int) -> tuple[float, float]:
        """Bottom-left corner (PDF coordinates, mm) of a slot, 0 = top left, row by row."""
        row, col = divmod(slot, self.cols)
        return (self.left + col * self.pitch_x,
                self.page_h - self.top - row * self.pitch_y - self.label_h)

    def qr_box(self) -> tuple[float, float, float]:
        """The square (x, y, side) inside a label, relative to it, that holds the QR code
        with its quiet zone. Nothing else is drawn there."""
        side = self.label_h - 2 * self.pad
        return self.pad, self.pad, side

    def text_box(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) inside a label, relative to it, for the printed text."""
        _x, _y, side = self.qr_box()
        x = self.pad + side + 1.0
        return x, self.pad, self.label_w - x - self.pad_right, self.label_h - 2 * self.pad


LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    # 70 x 37 mm, 3 x 8 on A4, no gaps, no side margins (e.g. Herma 4453, Avery 3475)
    Layout("a4-3x8", 210, 297, 3, 8, 70, 37, left=0, top=0.5, pitch_x=70, pitch_y=37,
           pad=2, pad_right=4, title_pt=10, text_pt=7),
    # 99.1 x 38.1 mm, 2 x 7 on A4 (Avery L7163): 2.5 mm gap between the columns
    Layout("a4-2x7", 210, 297, 2, 7, 99.1, 38.1, left=4.65, top=15.15, pitch_x=101.6,
           pitch_y=38.1, pad=2, pad_right=2.5, title_pt=13, text_pt=8.5),
    # one 100 x 50 mm label per page, for roll printers at 203 dpi (8 dots per mm)
    Layout("thermal-100x50", 100, 50, 1, 1, 100, 50, left=0, top=0, pitch_x=100, pitch_y=50,
           pad=2.5, pad_right=3, title_pt=15, text_pt=10, dot=0.125),
)}


def get_layout(name: str) -> Layout:
    try:
        return LAYOUTS[name]
    except KeyError:
        raise InvalidInput(f"Unknown layout {name!r}.", layouts=sorted(LAYOUTS)) from None


def check_skip(layout: Layout, skip: int) -> None:
    if not 0 <= skip < layout.per_page:
        raise InvalidInput(f"A {layout.name} sheet has {layout.per_page} labels: skip 0 to "
                           f"{layout.per_page - 1} of them.", skip=skip)


def slots(layout: Layout, count: int, skip: int = 0) -> Iterator[tuple[int, int]]:
    """(page, slot) for each of `count` labels, the first `skip` slots of page 0 left
    unused (a partly used sheet)."""
    check_skip(layout, skip)
    for n in range(skip, skip + count):
        yield divmod(n, layout.per_page)


def qr_geometry(layout: Layout, modules: int) -> tuple[float, float, float]:
    """(x, y, module) of the symbol's bottom-left corner relative to the label, in mm, for a
    QR code of `modules` x `modules` with its quiet zone, centred in the QR box. On thermal
    printers a module is a whole number of dots, so every module prints the same width."""
    bx, by, side = layout.qr_box()
    module = side / (modules + 2 * QUIET_MODULES)
    if layout.dot:
        module = max(layout.dot, module // layout.dot * layout.dot)
    offset = (side - module * modules) / 2
    x, y = bx + offset, by + offset
    if layout.dot:
        x, y = round(x / layout.dot) * layout.dot, round(y / layout.dot) * layout.dot
    return x, y, module


# ---- what a label says ----------------------------------------------------------------------

TEXTS: dict[str, dict[str, str]] = {
    "en": {"depot": "Depot", "building": "Bldg", "building_long": "Building", "stack": "Stack",
           "contents": "Contents", "lot": "Lot", "qty": "Qty", "hazard": "HD/CG",
           "labelled": "Labelled", "date": "Date", "reprint": "REPRINT {n}",
           "weapons": "{n} weapons", "weapon": "1 weapon", "mixed": "MIXED",
           "unknown": "UNKNOWN", "none": "NONE", "fraction": "FRACTION",
           "location": "Location"},
    "fr": {"depot": "Dépôt", "building": "Bât.", "building_long": "Bâtiment", "stack": "Pile",
           "contents": "Contenu", "lot": "Lot", "qty": "Qté", "hazard": "Classe",
           "labelled": "Étiqueté le", "date": "Date", "reprint": "RÉIMPRESSION {n}",
           "weapons": "{n} armes", "weapon": "1 arme", "mixed": "MIXTE",
           "unknown": "INCONNU", "none": "AUCUN", "fraction": "FRACTION",
           "location": "Emplacement"},
    "ar": {"depot": "المستودع", "building": "مبنى", "building_long": "المبنى",
           "stack": "كومة", "contents": "المحتوى", "lot": "الدفعة", "qty": "الكمية",
           "hazard": "فئة الخطر", "labelled": "تاريخ الوسم", "date": "التاريخ",
           "reprint": "إعادة طبع {n}", "weapons": "الأسلحة: {n}", "weapon": "سلاح واحد",
           "mixed": "مختلط", "unknown": "غير معروف", "none": "لا شيء", "fraction": "جزئي",
           "location": "الموقع"},
}
LANGUAGES = tuple(TEXTS)
BLANK = "______"
# item names as stored (English, IATG usage) in the other languages; a name not listed is
# printed as stored
NAMES: dict[str, dict[str, str]] = {"fr": {
    "cartridge": "cartouche", "grenade, hand": "grenade à main", "grenade": "grenade",
    "mortar bomb": "obus de mortier", "rocket": "roquette", "shell": "obus",
    "projectile": "projectile", "fuze": "fusée", "mine": "mine", "bomb": "bombe",
    "charge, propelling": "charge propulsive", "charge, demolition": "charge de démolition",
    "ball": "ordinaire", "tracer": "traçante", "blank": "à blanc", "smoke": "fumigène",
    "illuminating": "éclairante",
    "assault rifle": "fusil d'assaut", "battle rifle": "fusil de combat", "rifle": "fusil",
    "machine gun": "mitrailleuse", "pistol": "pistolet", "submachine gun": "pistolet-mitrailleur",
    "sniper rifle": "fusil de précision", "rocket launcher": "lance-roquettes",
}, "ar": {
    "cartridge": "خرطوشة", "grenade, hand": "قنبلة يدوية", "grenade": "قنبلة",
    "mortar bomb": "قذيفة هاون", "rocket": "صاروخ", "shell": "قذيفة", "projectile": "مقذوف",
    "fuze": "صمامة", "mine": "لغم", "bomb": "قنبلة جوية", "charge, propelling": "حشوة دافعة",
    "charge, demolition": "حشوة تدمير", "ball": "عادية", "tracer": "خطّاطة", "blank": "خُلَّبية",
    "smoke": "دخانية", "illuminating": "مضيئة",
    "assault rifle": "بندقية هجومية", "battle rifle": "بندقية قتال", "rifle": "بندقية",
    "machine gun": "رشاش", "pistol": "مسدس", "submachine gun": "رشاش قصير",
    "sniper rifle": "بندقية قنص", "rocket launcher": "قاذفة صواريخ",
}}


def named(lang: str, text: str) -> str:
    return NAMES.get(lang, {}).get(text, text)


def default_lang(languages) -> str:
    """A country's first language that labels are printed in."""
    return next((lang for lang in languages or () if lang in TEXTS), "en")


def check_lang(lang: str) -> str:
    if lang not in TEXTS:
        raise InvalidInput(f"Labels are printed in {' or '.join(LANGUAGES)}.", lang=lang)
    return lang


@dataclass(frozen=True)
class Face:
    """One label as printed: the QR text, a large title, text lines, the hazard code (large)
    and a flag (a reprint), drawn white on black so that it cannot be missed."""

    qr: str
    title: str
    lines: tuple[str, ...]
    badge: str = ""
    flag: str = ""
    big_title: bool = False  # signs: read from across the aisle
    lang: str = "en"  # the face's language: Arabic is drawn right to left in its own font


@dataclass(frozen=True)
class CrateFacts:
    """What may be printed about one crate; filled from the database by sync/labelprint.py."""

    label_id: str
    depot: str
    building: str | None
    stack: str | None
    kind: str
    nature: str = ""
    calibre: str = ""
    ammo_type: str = ""
    lot_number: str | None = None
    lot_state: str | None = None
    quantity: int = 0
    hazard: str = ""
    weapons: tuple[tuple[str, str, int], ...] = ()  # (model, type, how many)


def place_line(t: dict[str, str], depot: str, building: str | None, stack: str | None) -> str:
    """Depot, building and stack; the depot needs no caption (its code is in the label ID)."""
    return f"{depot} · {t['building']} {building or BLANK} · {t['stack']} {stack or BLANK}"


def reprint_flag(t: dict[str, str], print_no: int) -> str:
    return t["reprint"].format(n=print_no - 1) if print_no > 1 else ""


def crate_face(facts: CrateFacts, *, lang: str, qr: str, day: date, print_no: int) -> Face:
    t = TEXTS[lang]
    lines = [place_line(t, facts.depot, facts.building, facts.stack)]
    if facts.weapons:
        lines += [weapons_line(facts.weapons, lang), weapon_count(t, facts.weapons)]
    elif facts.kind == "weapon_crate":
        lines += [weapon_count(t, ())]
    else:
        what = " ".join(part for part in (named(lang, facts.nature), facts.calibre,
                                          named(lang, facts.ammo_type).upper()) if part)
        lot = facts.lot_number if facts.lot_state in (None, "known") else t[facts.lot_state]
        lines += [what or f"{t['contents']} {BLANK}", f"{t['lot']} {lot or BLANK}",
                  f"{t['qty']} {facts.quantity}"]
    if facts.kind == "fraction_package":
        lines[-1] += f" · {t['fraction']}"
    lines.append(f"{t['labelled']} {day.isoformat()}")
    return Face(qr=qr, title=facts.label_id, lines=tuple(lines), badge=facts.hazard,
                flag=reprint_flag(t, print_no), lang=lang)


def weapons_line(weapons: tuple[tuple[str, str, int], ...], lang: str = "en") -> str:
    if len(weapons) == 1:
        model, kind, _n = weapons[0]
        return f"{model} {named(lang, kind)}".strip()
    return " · ".join(f"{model} ×{n}" for model, _kind, n in weapons)


def weapon_count(t: dict[str, str], weapons: tuple[tuple[str, str, int], ...]) -> str:
    n = sum(count for _m, _k, count in weapons)
    return t["weapon"] if n == 1 else t["weapons"].format(n=n)


def blank_face(label_id: str, depot: str, *, lang: str, qr: str, print_no: int) -> Face:
    """A reserved label with no crate yet: the fields are left to be written by hand."""
    t = TEXTS[lang]
    return Face(qr=qr, title=label_id, flag=reprint_flag(t, print_no), lang=lang, lines=(
        f"{t['depot']} {depot}", f"{t['building']} {BLANK}   {t['stack']} {BLANK}",
        f"{t['contents']} {BLANK}{BLANK}", f"{t['lot']} {BLANK}",
        f"{t['qty']} {BLANK}   {t['hazard']} {BLANK}", f"{t['date']} {BLANK}"))


def sign_text(country: str, depot: str, building: str, stack: str) -> str:
    """What a stack sign's QR code holds: the place, never what is stored there."""
    return f"{country}-{depot}/{building}/{stack}"


def read_sign(value: str) -> tuple[str, str, str, str] | None:
    """(country, depot, building, stack) from a scanned stack sign, or None."""
    parts = (value or "").strip().split("/")
    if len(parts) != 3 or not all(parts):
        return None
    country, dash, depot = parts[0].upper().partition("-")
    if not dash or len(country) != 2 or not depot:
        return None
    return country, depot, parts[1], parts[2]


def sign_face(country: str, depot: str, building: str, stack: str, *, lang: str) -> Face:
    t = TEXTS[lang]
    return Face(qr=sign_text(country, depot, building, stack), title=f"{building} / {stack}",
                big_title=True, lang=lang, lines=(t["location"], f"{t['depot']} {depot}",
                       f"{t['building_long']} {building}", f"{t['stack']} {stack}"))

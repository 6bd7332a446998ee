"""Sheet geometry to the millimetre, and what a label says in French and English."""

from datetime import date

import pytest

from server.errors import InvalidInput
from sync.labels.sheets import (
    LAYOUTS,
    QUIET_MODULES,
    CrateFacts,
    blank_face,
    crate_face,
    default_lang,
    get_layout,
    qr_geometry,
    read_sign,
    sign_face,
    sign_text,
    slots,
)

EPS = 1e-9


@pytest.mark.parametrize(("name", "first", "last", "size", "per_page"), [
    ("a4-3x8", (0, 297 - 0.5 - 37), (140, 0.5), (70, 37), 24),
    ("a4-2x7", (4.65, 297 - 15.15 - 38.1), (4.65 + 101.6, 15.15), (99.1, 38.1), 14),
    ("thermal-100x50", (0, 0), (0, 0), (100, 50), 1),
], ids=["A4 3x8", "A4 2x7", "thermal"])
def test_label_positions_to_the_millimetre(name, first, last, size, per_page):
    layout = LAYOUTS[name]
    assert layout.per_page == per_page
    assert (layout.label_w, layout.label_h) == size
    assert layout.cell(0) == pytest.approx(first)
    assert layout.cell(per_page - 1) == pytest.approx(last)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_labels_lie_on_the_page_and_never_overlap(name):
    layout = LAYOUTS[name]
    boxes = []
    for slot in range(layout.per_page):
        x, y = layout.cell(slot)
        assert -EPS <= x and x + layout.label_w <= layout.page_w + EPS
        assert -EPS <= y and y + layout.label_h <= layout.page_h + EPS
        boxes.append((x, y, x + layout.label_w, y + layout.label_h))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] + EPS or b[2] <= a[0] + EPS or a[3] <= b[1] + EPS \
                or b[3] <= a[1] + EPS


@pytest.mark.parametrize("modules", [21, 25, 29, 33])
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_qr_code_keeps_its_quiet_zone_clear_of_text(name, modules):
    layout = LAYOUTS[name]
    bx, by, side = layout.qr_box()
    x, y, module = qr_geometry(layout, modules)
    quiet = QUIET_MODULES * module - EPS
    assert x - bx >= quiet and y - by >= quiet
    assert bx + side - (x + modules * module) >= quiet
    assert by + side - (y + modules * module) >= quiet
    tx, ty, tw, th = layout.text_box()
    assert tx >= bx + side and tx + tw <= layout.label_w and tw > 20
    assert module >= 0.75  # about 4.5 pixels at 150 dpi; phones read it in poor light
    if layout.dot:  # thermal: whole printer dots, so every module prints the same width
        for value in (module, x, y):
            assert value / layout.dot == pytest.approx(round(value / layout.dot))


def test_skip_starts_on_a_partly_used_sheet():
    layout = LAYOUTS["a4-3x8"]
    assert list(slots(layout, 3, skip=22)) == [(0, 22), (0, 23), (1, 0)]
    assert list(slots(LAYOUTS["thermal-100x50"], 2)) == [(0, 0), (1, 0)]
    for bad in (-1, 24):
        with pytest.raises(InvalidInput):
            list(slots(layout, 1, skip=bad))
    with pytest.raises(InvalidInput):
        get_layout("letter-5x2")


AMMO = CrateFacts(label_id="NE-NMY-000123-7", depot="NMY", building="B1", stack="A2",
                  kind="ammo_box", nature="cartridge", calibre="7.62x39mm", ammo_type="ball",
                  lot_number="BG-98-117", lot_state="known", quantity=1000, hazard="1.4S")
RIFLES = CrateFacts(label_id="NE-NMY-000124-9", depot="NMY", building="B1", stack="A2",
                    kind="weapon_crate", weapons=(("AKM", "assault rifle", 8),
                                                  ("Type 56-1", "assault rifle", 2)))


@pytest.mark.parametrize(("lang", "lines"), [
    ("fr", ("NMY · Bât. B1 · Pile A2", "cartouche 7.62x39mm ORDINAIRE", "Lot BG-98-117",
            "Qté 1000", "Étiqueté le 2026-11-25")),
    ("en", ("NMY · Bldg B1 · Stack A2", "cartridge 7.62x39mm BALL", "Lot BG-98-117",
            "Qty 1000", "Labelled 2026-11-25")),
], ids=["French", "English"])
def test_ammunition_label_text(lang, lines):
    face = crate_face(AMMO, lang=lang, qr="QR", day=date(2026, 11, 25), print_no=1)
    assert (face.title, face.lines, face.badge, face.flag) == (
        "NE-NMY-000123-7", lines, "1.4S", "")


def test_weapon_crate_shows_models_and_number_never_serials():
    face = crate_face(RIFLES, lang="en", qr="QR", day=date(2026, 11, 25), print_no=1)
    assert face.lines[1:3] == ("AKM ×8 · Type 56-1 ×2", "10 weapons")
    one = crate_face(CrateFacts(**{**RIFLES.__dict__, "weapons": (("AKM", "assault rifle", 1),)}),
                     lang="fr", qr="QR", day=date(2026, 11, 25), print_no=1)
    assert one.lines[1:3] == ("AKM fusil d'assaut", "1 arme") and one.badge == ""


@pytest.mark.parametrize(("state", "number", "fr", "en"), [
    ("mixed", None, "Lot MIXTE", "Lot MIXED"),
    ("unknown", None, "Lot INCONNU", "Lot UNKNOWN"),
    ("none", None, "Lot AUCUN", "Lot NONE"),
    (None, None, "Lot ______", "Lot ______"),
], ids=["mixed", "unknown", "none", "empty crate"])
def test_lots_that_are_not_known_say_so(state, number, fr, en):
    facts = CrateFacts(**{**AMMO.__dict__, "lot_state": state, "lot_number": number})
    for lang, line in (("fr", fr), ("en", en)):
        assert crate_face(facts, lang=lang, qr="QR", day=date(2026, 1, 1),
                          print_no=1).lines[2] == line


def test_reprints_and_fractions_are_marked():
    facts = CrateFacts(**{**AMMO.__dict__, "kind": "fraction_package", "quantity": 37})
    face = crate_face(facts, lang="fr", qr="QR", day=date(2026, 1, 1), print_no=3)
    assert face.flag == "RÉIMPRESSION 2" and face.lines[3] == "Qté 37 · FRACTION"
    blank = blank_face("NE-NMY-000200-2", "NMY", lang="en", qr="QR", print_no=2)
    assert blank.flag == "REPRINT 1" and blank.lines[0] == "Depot NMY"
    assert crate_face(AMMO, lang="en", qr="QR", day=date(2026, 1, 1), print_no=1).flag == ""


def test_stack_signs_hold_the_place_only():
    face = sign_face("NE", "NMY", "B1", "A2", lang="fr")
    assert face.qr == "NE-NMY/B1/A2" == sign_text("NE", "NMY", "B1", "A2")
    assert face.title == "B1 / A2" and face.big_title
    assert read_sign("ne-nmy/B1/A2") == ("NE", "NMY", "B1", "A2")
    for junk in ("NE-NMY/B1", "NENMY/B1/A2", "NE-NMY//A2", "NE-NMY/B1/A2/x"):
        assert read_sign(junk) is None


def test_default_language_is_the_countrys_first_printable_one():
    assert default_lang(["fr", "en"]) == "fr"
    assert default_lang(["ar", "fr"]) == "ar"
    assert default_lang(["ha", "en"]) == "en"
    assert default_lang([]) == "en"

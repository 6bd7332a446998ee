"""``flask labels …`` as an operator runs it; every PDF it writes is read back."""

import pytest
from sqlalchemy import func, select

from server.db import db
from server.models import Crate, Label, LabelPrint, LabelStatus
from server.wiring import label_key
from sync.labels.ids import make_label, qr_text
from sync.labels.sheets import LAYOUTS
from tests.pdfcodes import decode_pdf, expected_pages, pdf_text


def run(app, *args):
    return app.test_cli_runner().invoke(args=["labels", *args])


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize(("choice", "lang"), [
    (["--all"], "fr"), (["--building", "B1"], "en"), (["--crate", "{rifles}"], None),
    (["--blank", "2"], "en"), (["--signs"], "fr"),
], ids=["all", "building", "crate", "blank", "signs"])
def test_print_writes_a_sheet_that_decodes(app, world, tmp_path, layout, choice, lang):
    out = tmp_path / "sheet.pdf"
    skip = ["--skip", "2"] if LAYOUTS[layout].per_page > 1 else []
    args = ["print", "--depot", "NMY", *[c.format(**world.crates) for c in choice],
            "--layout", layout, "--out", str(out), *skip, *(["--lang", lang] if lang else [])]
    r = run(app, *args)
    assert r.exit_code == 0, r.output
    key = label_key(app.config)
    ammo, rifles = world.crates["ammo"], world.crates["rifles"]
    expected = {"--all": [ammo, rifles], "--building": [ammo, rifles], "--crate": [rifles],
                "--blank": [make_label("NE", "NMY", 3), make_label("NE", "NMY", 4)],
                "--signs": [f"NE-NMY/B{b}/A{s}" for b in (1, 2) for s in (1, 2)]}[choice[0]]
    texts = expected if choice[0] == "--signs" else [qr_text(i, key) for i in expected]
    pdf = out.read_bytes()
    assert decode_pdf(pdf, LAYOUTS[layout]) == expected_pages(texts, LAYOUTS[layout],
                                                              2 if skip else 0)
    words = pdf_text(pdf)[0]
    if choice[0] in ("--all", "--crate"):  # Niger prints in French unless told otherwise
        assert ("Étiqueté le" in words) == (lang != "en")
    assert f"{len(expected)} labels on" in r.output


def test_reserve_then_print_the_range_again(app, world, tmp_path):
    r = run(app, "reserve", "--depot", "NE-NMY", "--count", "30")
    first, last = make_label("NE", "NMY", 3), make_label("NE", "NMY", 32)
    assert r.exit_code == 0 and f"{first} .. {last}" in r.output
    out = tmp_path / "range.pdf"
    r = run(app, "print", "--depot", "NMY", "--range", first, last, "--layout", "a4-3x8",
            "--unsigned", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "30 labels on 2 page(s), 0 reprint(s)" in r.output
    ids = [make_label("NE", "NMY", s) for s in range(3, 33)]
    assert decode_pdf(out.read_bytes(), LAYOUTS["a4-3x8"]) == expected_pages(
        ids, LAYOUTS["a4-3x8"])


def test_big_sheets_show_progress(app, world, tmp_path):
    r = run(app, "print", "--depot", "NMY", "--blank", "120", "--layout", "a4-3x8",
            "--out", str(tmp_path / "big.pdf"))
    assert r.exit_code == 0 and "drawing labels" in r.output
    assert "120 labels on 5 page(s)" in r.output


def test_relabel_and_retire(app, world):
    r = run(app, "relabel", world.crates["ammo"], "--depot", "NMY", "--reason", "torn")
    new = make_label("NE", "NMY", 3)
    assert r.exit_code == 0 and f"-> {new}" in r.output
    r = run(app, "retire", world.crates["rifles"], "--depot", "NMY", "--reason", "emptied")
    assert r.exit_code != 0 and "labels.crate_not_empty" in r.output
    r = run(app, "reserve", "--depot", "NMY", "--count", "1")
    r = run(app, "retire", make_label("NE", "NMY", 4), "--depot", "NMY", "--reason", "lost")
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert db.session.get(Label, make_label("NE", "NMY", 4)).status is LabelStatus.RETIRED
        assert db.session.get(Crate, world.crate_ids["ammo"]).label_id == new


@pytest.mark.parametrize(("args", "message"), [
    (["print", "--depot", "XYZ", "--all", "--layout", "a4-3x8", "--out", "{out}"],
     "No depot XYZ"),
    (["print", "--depot", "NMY", "--all", "--building", "B1", "--layout", "a4-3x8",
      "--out", "{out}"], "Choose one of"),
    (["print", "--depot", "NMY", "--all", "--layout", "a4-3x8", "--skip", "24",
      "--out", "{out}"], "skip 0 to 23"),
    (["print", "--depot", "NMY", "--crate", "{ng_ammo}", "--layout", "a4-3x8",
      "--out", "{out}"], "No crate"),
    (["print", "--depot", "NMY", "--all", "--layout", "a5", "--out", "{out}"], "a5"),
    (["reserve", "--depot", "NMY", "--count", "0"], "0"),
], ids=["unknown depot", "two choices", "skip a whole sheet", "another country's crate",
        "unknown layout", "reserve nothing"])
def test_refusals_are_clear_and_write_nothing(app, world, tmp_path, args, message):
    folder = tmp_path / "out"
    folder.mkdir()
    r = run(app, *[a.format(out=folder / "never.pdf", **world.crates) for a in args])
    assert r.exit_code != 0 and message in r.output
    assert list(folder.iterdir()) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(LabelPrint.id))) == 0


def test_an_ambiguous_depot_code_asks_for_the_country(app, world):
    with app.app_context():
        from server.models import Depot
        from server.models.places import DepotType

        db.session.add(Depot(country_code="NG", code="NMY", name="x", type=DepotType.CENTRAL))
        db.session.commit()
    r = run(app, "reserve", "--depot", "NMY", "--count", "1")
    assert r.exit_code != 0 and "write NE-NMY" in r.output
    assert run(app, "reserve", "--depot", "ng-nmy", "--count", "1").exit_code == 0

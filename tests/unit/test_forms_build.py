"""Every shipped form is an XLSForm pyxform converts, in English, French and Arabic, with the
meaning the server reads from it."""

from xml.etree.ElementTree import fromstring

import openpyxl
import pytest

from forms.sources import SHIPPED
from forms.spec import parse_definition, spec_from_xform
from forms.xlsform import FormInvalid, build_xlsx, convert_xlsx

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
IDS = [s.form_id for s in SHIPPED]


@pytest.fixture(scope="module")
def converted():
    return {s.form_id: convert_xlsx(build_xlsx(s)).xml for s in SHIPPED}


@pytest.mark.parametrize("source", SHIPPED, ids=IDS)
def test_each_form_converts_with_pyxform_without_warnings(source):
    result = convert_xlsx(build_xlsx(source))
    assert result.warnings == ()
    doc = fromstring(result.xml)
    data = doc.find(f"{H}head/{XF}model/{XF}instance")[0]
    assert (data.get("id"), data.get("version")) == (source.form_id, source.version)
    binds = {b.get("nodeset"): b for b in doc.iter(f"{XF}bind")}
    assert binds["/data/meta/instanceID"].get("{http://openrosa.org/javarosa}preload") == "uid"


def test_the_workbook_is_the_same_bytes_each_build():
    assert all(build_xlsx(s) == build_xlsx(s) for s in SHIPPED)
    count = next(s for s in SHIPPED if s.form_id == "crate_count")
    sheets = openpyxl.load_workbook(__import__("io").BytesIO(build_xlsx(count))).sheetnames
    assert sheets == ["survey", "choices", "settings", "entities"]


@pytest.mark.parametrize("form_id", IDS)
def test_every_label_hint_and_choice_is_in_english_french_and_arabic(converted, form_id):
    """Mauritania and Chad fill the forms in Arabic: a form, question or choice added later
    without its Arabic (or French) text fails here."""
    doc = fromstring(converted[form_id])
    translations = {t.get("lang"): {x.get("id") for x in t.iter(f"{XF}text")}
                    for t in doc.iter(f"{XF}translation")}
    assert set(translations) == {"English (en)", "Français (fr)", "العربية (ar)"}
    assert translations["English (en)"] == translations["Français (fr)"] \
        == translations["العربية (ar)"]
    assert any(i.endswith(":label") and "/" in i for i in translations["العربية (ar)"])
    for t in doc.iter(f"{XF}translation"):
        for text in t.iter(f"{XF}text"):
            values = [(v.text or "").strip() for v in text.iter(f"{XF}value")
                      if v.get("form") is None]
            # pyxform writes "-" for a translation a row does not have
            assert values and all(v and v != "-" for v in values), (t.get("lang"), text.get("id"))
    arabic = next(t for t in doc.iter(f"{XF}translation") if t.get("lang") == "العربية (ar)")
    assert any("\u0600" <= ch <= "\u06ff" for v in arabic.iter(f"{XF}value") for ch in v.text)


def spec(converted, form_id):
    return parse_definition(spec_from_xform(converted[form_id]))


def test_the_checklist_makes_every_no_a_finding_with_comment_and_photo(converted):
    from forms.sources.visit import F1_ITEMS

    s = spec(converted, "security_check")
    items = {f.name: f for f in s.tagged("finding")}
    assert set(items) == {name for _g, name, *_ in F1_ITEMS}
    for name, f in items.items():
        comment, photo = s.field(f"{name}_comment"), s.field(f"{name}_photo")
        assert f.choices == ("yes", "no", "na") and f.required is True
        assert comment.required is True and comment.relevant == (f" /data/{f.path}  = 'no'",)
        assert photo.type == "binary" and photo.relevant == comment.relevant
    assert items["gates_locked"].ds["finding"] == "critical"
    assert items["gates_locked"].group == "perimeter"


def test_count_forms_look_crates_up_and_only_the_open_one_shows_the_book(converted):
    open_, blind = spec(converted, "crate_count"), spec(converted, "crate_count_blind")
    assert open_.media == ("crate_book.csv", "crates.csv", "depots.csv", "visits.csv")
    assert blind.media == ("crates.csv", "depots.csv", "visits.csv")
    assert "instance('crate_book')" not in converted["crate_count_blind"]
    roles = {f.ds["count"] for f in blind.tagged("count")}
    assert roles == {"crate", "base_version", "blind", "lot_number", "quantity", "serial",
                     "condition", "seal_intact", "seal_number", "photo"}
    for s in (open_, blind):
        (entity,) = s.entities
        assert (entity.dataset, entity.container, entity.create, entity.update) == (
            "crates", "lines", False, True)
        assert {f.saveto for f in s.fields if f.saveto} == {"location", "seal_number"}
        assert {f.ds["base"] for f in s.tagged("base")} == {"location", "seal_number"}
    label_key = open_.field("label_key")
    assert label_key.calculate and "translate(" in converted["crate_count"]


def test_registration_creates_crate_entities_labelled_by_the_scan(converted):
    s = spec(converted, "crate_registration")
    (entity,) = s.entities
    assert (entity.dataset, entity.container, entity.create, entity.update) == (
        "crates", "new_crates", True, False)
    assert {f.saveto for f in s.fields if f.saveto} == {"label_key", "kind", "location",
                                                         "seal_number", "condition"}
    assert 'event="odk-new-repeat" value="uuid()"' in converted["crate_registration"]


VISIT_PARTS = {"security_check": True, "records_audit": True, "close_out": True,
               "crate_count": False, "crate_count_blind": False, "marking_check": False,
               "storage_safety": True, "ammo_condition": True}


def test_every_form_names_its_depot_and_times_and_the_parts_their_visit(converted):
    for form_id in IDS:
        s = spec(converted, form_id)
        expected = {"depot": "depot", "started_at": "start", "ended_at": "end"}
        if form_id == "visit_header":
            expected.update({k: k for k in ("visit_type", "inspectors", "people_present",
                                            "position", "depot_scan")})
        elif form_id in VISIT_PARTS:
            expected["visit_id"] = "visit"
            assert s.field("visit").required is VISIT_PARTS[form_id]
        assert {f.ds["visit"]: f.name for f in s.tagged("visit")} == expected, form_id


def test_the_visit_header_opens_a_visit_entity_the_parts_pick(converted):
    header = spec(converted, "visit_header")
    (entity,) = header.entities
    assert (entity.dataset, entity.container, entity.create) == ("visits", None, True)
    assert header.media == ("depots.csv", "users.csv")
    for form_id in VISIT_PARTS:
        assert "visits.csv" in spec(converted, form_id).media


def test_the_close_out_lists_findings_and_both_acknowledgements(converted):
    s = spec(converted, "close_out")
    assert {f.ds["closeout"] for f in s.tagged("closeout")} == {
        "item", "text", "severity", "action", "owner", "due_date"}
    assert all(f.repeat == "findings" for f in s.tagged("closeout"))
    assert {f.ds["ack"]: f.name for f in s.tagged("ack")} == {
        "commander": "commander", "commander_at": "commander_at",
        "inspector": "inspector", "inspector_at": "inspector_at"}
    assert s.field("commander_signature").type == "binary"
    assert 'appearance="signature"' in converted["close_out"]


def test_duplicate_names_and_bad_workbooks_are_refused():
    from forms.sources.common import Source, row

    dup = Source("dup", "Dup", "1", survey=(
        row("begin group", "a", "A", "A"), row("text", "x", "X", "X"), row("end group"),
        row("begin group", "b", "B", "B"), row("text", "x", "X", "X"), row("end group")))
    with pytest.raises(FormInvalid) as exc:
        spec_from_xform(convert_xlsx(build_xlsx(dup)).xml)
    assert exc.value.details["names"] == ["x"]
    with pytest.raises(FormInvalid):
        convert_xlsx(b"not a workbook")

"""The XPath subset, answer checks and the fields read out of answers."""

import pytest

from forms.answers import check_answers
from forms.derived import answers_to_fields
from forms.sources import SHIPPED
from forms.spec import parse_definition, spec_from_xform
from forms.xlsform import build_xlsx, convert_xlsx
from forms.xpath import Unknown, evaluate

VALUES = {"fence": "no", "kind": "weapon_crate", "scan": "", "n": "12", "moved": "yes"}


def resolve(path):
    if path.strip() == ".":
        return VALUES["n"]
    name = path.rsplit("/", 1)[-1]
    if name in VALUES:
        return VALUES[name]
    raise Unknown(path)


@pytest.mark.parametrize(("expr", "result"), [
    (" /data/fence  = 'no'", True),
    (" ../kind  != 'weapon_crate'", False),
    (" current()/../scan  = ''", True),
    (". >= 0 and . <= 10", False),
    (". > 3 or /data/fence = 'yes'", True),
    ("not( /data/fence = 'no')", False),
    ("selected(/data/kind, 'weapon_crate')", True),
    ("regex(., '^[0-9]+$')", True),
    ("string-length(/data/fence) = 2", True),
    ("(. + 3) * 2 = 30", True),
    ("coalesce(/data/scan, /data/fence)", "no"),
], ids=["equals", "not equals", "current()", "range", "or", "not", "selected", "regex",
        "string-length", "arithmetic", "coalesce"])
def test_the_subset_evaluates(expr, result):
    assert evaluate(expr, resolve) == result


@pytest.mark.parametrize("expr", [
    "instance('crates')/root/item[name = 'x']/label", "/data/unknown = 'x'", "pulldata('a')",
    "1 = ", "'unterminated",
], ids=["instance lookup", "unknown field", "unknown function", "truncated", "bad string"])
def test_what_the_subset_cannot_read_is_unknown(expr):
    with pytest.raises(Unknown):
        evaluate(expr, resolve)


@pytest.fixture(scope="module")
def specs():
    return {s.form_id: parse_definition(spec_from_xform(convert_xlsx(build_xlsx(s)).xml))
            for s in SHIPPED}


BASE = {"start": "2026-11-25T09:00:00.000+01:00", "end": "2026-11-25T09:30:00.000+01:00",
        "depot": "NMY"}


@pytest.mark.parametrize(("answers", "problems"), [
    ({"visit_type": "routine_internal", "inspectors": "A"}, set()),
    ({"inspectors": "A"}, {("visit_type", "required")}),
    ({"visit_type": "picnic", "inspectors": "A"}, {("visit_type", "not one of the choices")}),
    ({"visit_type": "follow_up", "inspectors": "A", "position": "95 2"},
     {("position", "not a valid geopoint")}),
    ({"visit_type": "follow_up", "inspectors": "A", "start": "yesterday"},
     {("start", "not a valid dateTime")}),
    ({"visit_type": "follow_up", "inspectors": "A", "rogue": "1"},
     {("rogue", "not a question of this form")}),
], ids=["clean", "required", "not a choice", "bad geopoint", "bad time", "unknown field"])
def test_check_answers_of_the_visit_header(specs, answers, problems):
    found = check_answers(specs["visit_header"], {**BASE, **answers})
    assert {(p["field"], p["problem"]) for p in found} == problems


LINE = {"label_scan": "NE-NMY-000001-X", "crate": "c1", "crate_label": "NE-NMY-000001-X",
        "crate_kind": "ammo_box", "quantity": "12", "condition": "SERVICEABLE",
        "seal_intact": "yes", "moved": "no", "resealed": "no", "crate_version": "3"}


@pytest.mark.parametrize(("line", "problems"), [
    ({}, set()),
    ({"quantity": "-1"}, {("lines[0].quantity", "breaks the question's constraint")}),
    ({"quantity": "many"}, {("lines[0].quantity", "not a valid int")}),
    ({"quantity": ""}, {("lines[0].quantity", "required")}),
    ({"crate_kind": "weapon_crate", "quantity": ""}, set()),  # not asked for weapons
    ({"seal_intact": "no"}, {("lines[0].count_photo", "required")}),
    ({"moved": "yes", "new_location": "somewhere"},
     {("lines[0].new_location", "breaks the question's constraint")}),
    ({"label_scan": ""}, {("lines[0].label_typed", "required")}),
], ids=["clean", "negative", "not a number", "missing", "weapon crate", "broken seal photo",
        "bad location", "no scan, nothing typed"])
def test_check_answers_in_repeats(specs, line, problems):
    answers = {**BASE, "lines": [{**LINE, **line}]}
    found = check_answers(specs["crate_count"], answers)
    assert {(p["field"], p["problem"]) for p in found} == problems


def test_counts_findings_and_attachments_come_from_the_ds_tags(specs):
    answers = {**BASE, "lines": [
        {**LINE, "quantity": "11", "lot_number": "BG-98-117", "seal_intact": "no",
         "seal_number": "S-2", "count_photo": "c1.jpg"},
        {**LINE, "crate_label": "", "quantity": "4"},
        {**LINE, "crate_label": "NE-NMY-000002-Y", "crate_kind": "weapon_crate",
         "quantity": "", "serials_seen": [{"serial": "AK1"}, {"serial": "AK2"}]}]}
    derived = answers_to_fields(specs["crate_count"], answers, lambda n: f"photo:{n}")
    assert derived.depot == "NMY" and derived.started_at.isoformat().endswith("+01:00")
    assert derived.counts == (
        {"crate": "NE-NMY-000001-X", "base_version": 3,
         "lot_number": "BG-98-117", "quantity": 11, "condition": "SERVICEABLE",
         "seal_intact": False, "seal_number": "S-2", "photos": ["photo:c1.jpg"]},
        {"crate": "NE-NMY-000002-Y", "base_version": 3, "condition": "SERVICEABLE",
         "seal_intact": True, "serials": ["AK1", "AK2"]})
    assert derived.attachments == (("c1.jpg", "lines/count_photo"),)

    marking = answers_to_fields(specs["marking_check"], {**BASE, "weapons": [
        {"serial": "AK100001", "no_tampering": "no", "no_tampering_comment": "filed",
         "no_tampering_photo": "t.jpg", "marks_match": "yes"}]})
    assert marking.findings == ({"item": "no_tampering", "section": "weapons",
                                 "severity": "critical", "text": "AK100001 — filed",
                                 "photos": ["t.jpg"]},)

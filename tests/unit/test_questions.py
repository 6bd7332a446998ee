"""Answers as people read them: flattening, labels, sections and compliance."""

import pytest

from sync.views.questions import (
    Question,
    compliance,
    flatten,
    label_of,
    readable_answers,
    section_key,
    section_of,
    verdict,
)

ANSWERS = {
    "f1": {"fence_intact": "yes", "gates_locked": "no", "lighting": "na"},
    "f4": [{"crate": "NE-NMY-000001-3", "count": 940}, {"crate": "NE-NMY-000002-5"}],
    "f1_culverts_barred": True,
    "remarks": "ok",
    "photos": ["a.jpg", "b.jpg"],
}


def test_flatten_names_groups_and_numbers_repeats():
    assert list(flatten(ANSWERS)) == [
        ("f1/fence_intact", "yes"), ("f1/gates_locked", "no"), ("f1/lighting", "na"),
        ("f4[1]/crate", "NE-NMY-000001-3"), ("f4[1]/count", 940),
        ("f4[2]/crate", "NE-NMY-000002-5"), ("f1_culverts_barred", True),
        ("remarks", "ok"), ("photos", ["a.jpg", "b.jpg"])]


def test_flatten_stops_at_a_hostile_depth():
    deep = value = {}
    for _ in range(100):
        value["x"] = {}
        value = value["x"]
    (path, leaf), = list(flatten(deep))
    assert path.count("/") == 12 and isinstance(leaf, str)


@pytest.mark.parametrize(("path", "language", "expected"), [
    ("f1/fence_intact", "fr", "Clôture intacte ?"),
    ("f1/fence_intact", "en", "Fence intact?"),
    ("f1/fence_intact", "ar", "Fence intact?"),
    ("f4[2]/crate", "fr", "Caisse"),
    ("f1/gates_locked", "fr", "Gates locked"),
], ids=["french", "english", "falls back to english", "repeat, by bare name", "unknown"])
def test_label_of(path, language, expected):
    known = {"f1/fence_intact": Question({"en": "Fence intact?", "fr": "Clôture intacte ?"}),
             "crate": Question({"fr": "Caisse", "en": "Crate"})}
    assert label_of(known, path, language) == expected


@pytest.mark.parametrize(("path", "section"), [
    ("f1/fence_intact", "f1"), ("f1_culverts_barred", "F1"), ("F12.lock", "F12"),
    ("f4[2]/crate", "f4"), ("remarks", ""), ("fence", "")])
def test_section_of(path, section):
    assert section_of(path) == section


@pytest.mark.parametrize(("value", "word"), [
    ("yes", "yes"), ("Oui", "yes"), (True, "yes"), ("no", "no"), ("NON", "no"),
    (False, "no"), ("na", "na"), ("N/A", "na"), ("maybe", None), (1, None), (None, None)])
def test_verdict(value, word):
    assert verdict(value) == word


PERIMETER = Question({"en": "Gates locked", "fr": "Portails fermés"}, "perimeter",
                     {"en": "Perimeter", "fr": "Périmètre"})


@pytest.mark.parametrize(("known", "form", "path", "key"), [
    ({"gates_locked": PERIMETER}, "f1_security", "gates_locked", "perimeter"),
    ({}, "f1_security", "f2/lamp", "f2"),
    ({}, "f1_security", "f3_records_kept", "F3"),
    ({}, "f1_security", "gates_locked", "f1_security"),
], ids=["as the form says", "top group", "name prefix", "else the form"])
def test_section_key(known, form, path, key):
    assert section_key(known, form, path) == key


def test_readable_answers_in_the_readers_language():
    (answer,) = readable_answers({"gates_locked": "no"}, {"gates_locked": PERIMETER}, "fr")
    assert (answer.label, answer.section, answer.value) == ("Portails fermés", "Périmètre",
                                                            "no")


def test_compliance_counts_met_items_per_section_and_leaves_na_aside():
    scores = {s.section: s for s in compliance([
        ("visit", ANSWERS, {}), ("visit", {"f1": {"fence_intact": "yes"}}, {}),
        ("f1_security", {"gates_locked": "yes"}, {"gates_locked": PERIMETER})], "fr")}
    assert (scores["f1"].yes, scores["f1"].no, scores["f1"].not_applicable) == (2, 1, 1)
    assert scores["f1"].percent == 67
    assert scores["F1"].percent == 100
    assert (scores["perimeter"].label, scores["perimeter"].percent) == ("Périmètre", 100)
    assert "f4" not in scores and "visit" not in scores

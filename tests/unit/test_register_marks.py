"""Serial keys and national markings, as tables: the confusions of worn stamps and hurried
typing meet the serial as marked; each country's marking format accepts its own markings and
says what is wrong with others."""

import pytest

from sync.stock.marking import Marking, MarkingFormat, MarkingInvalid, parse_marking
from sync.stock.serials import confusions, plain_serial, serial_key


@pytest.mark.parametrize(("typed", "marked"), [
    ("AK100001", "AK100001"),
    ("ak100001", "AK100001"),
    ("AK-100 001", "AK100001"),
    ("AK1OOOO1", "AK100001"),
    ("AKIOOOOI", "AK100001"),
    ("AKl00001", "AK100001"),
    ("5N 8Z", "SN BZ"),
    ("AK 000123", "AK123"),
    ("AK.0.1.2.3", "AK123"),
    ("ÅK123", "AK123"),
    ("KO12", "K12"),
    ("000", "0"),
    ("19S0B", "19508"),
], ids=["same", "case", "dash and space", "O for 0", "I for 1 and O for 0", "l for 1",
        "S/5 B/8 Z/2", "leading zeros", "dots", "accent", "O among zeros", "zeros only",
        "letters for digits at the end"])
def test_typed_and_marked_meet(typed, marked):
    assert serial_key(typed) == serial_key(marked)


@pytest.mark.parametrize(("a", "b"), [
    ("AK100001", "AK100002"),
    ("AK1002", "AK12"),
    ("AK123", "AKM123"),
    ("12-3", "1-23X"),
], ids=["last digit", "inner zeros count", "extra letter", "extra character"])
def test_different_serials_stay_apart(a, b):
    assert serial_key(a) != serial_key(b)


@pytest.mark.parametrize(("text", "key"), [
    ("", ""), (None, ""), ("---", ""), ("<script>", "5CR1PT"), ("x" * 100, "X" * 64),
], ids=["empty", "none", "separators only", "markup", "too long"])
def test_odd_input(text, key):
    assert serial_key(text) == key


@pytest.mark.parametrize(("typed", "marked", "found"), [
    ("AK1OOOO1", "AK100001", ["O→0"]),
    ("AKIOOOO2", "AK100002", ["I→1", "O→0"]),
    ("AK100001", "AK100001", []),
    ("AK123", "AK000123", []),
], ids=["one kind", "two kinds", "none", "different length"])
def test_confusions_named(typed, marked, found):
    assert confusions(typed, marked) == found


def test_plain_serial_keeps_letters():
    assert plain_serial(" ak-1o 2 ") == "AK1O2"


AGENCIES = ("FAN", "GN", "PN")
NE = MarkingFormat.of("NE", {})
NG = MarkingFormat.of("NG", {"marking_format": {
    "country": "NGA", "separator": "/", "year_digits": 2, "number_digits": 5,
    "order": ["country", "agency", "number", "year"]}})
ML = MarkingFormat.of("ML", {"marking_format": {"separator": "", "number_digits": 4}})


@pytest.mark.parametrize(("fmt", "text", "marking"), [
    (NE, "NE-FAN-2024-000123", Marking("NE", "FAN", 2024, "000123")),
    (NE, " ne - fan - 2024 - 000123 ", Marking("NE", "FAN", 2024, "000123")),
    (NG, "NGA/GN/00042/24", Marking("NGA", "GN", 2024, "00042")),
    (ML, "MLPN20190007", Marking("ML", "PN", 2019, "0007")),
], ids=["NE default", "NE spaced, lower case", "NG own order and widths", "ML no separator"])
def test_a_marking_of_the_format_is_read(fmt, text, marking):
    assert parse_marking(text, fmt, AGENCIES) == marking
    assert parse_marking(marking.text(fmt), fmt, AGENCIES) == marking


@pytest.mark.parametrize(("fmt", "text", "part"), [
    (NE, "NG-FAN-2024-000123", "country"),
    (NE, "NE-XXX-2024-000123", "agency"),
    (NE, "NE-FAN-24-000123", "year"),
    (NE, "NE-FAN-1850-000123", "year"),
    (NE, "NE-FAN-2024-123", "number"),
    (NE, "NE-FAN-2024-00012A", "number"),
    (NE, "NE-FAN-2024", None),
    (NE, "NE-FAN-2024-000123-9", None),
    (NG, "NGA-GN-00042-24", None),
    (NG, "NGA/GN/00042/2024", "year"),
    (ML, "MLPN2019007", None),
], ids=["other country", "unknown agency", "short year", "implausible year", "short number",
        "letter in number", "a part missing", "a part too many", "wrong separator",
        "4-digit year where 2", "no separator, short"])
def test_a_marking_off_the_format_is_refused(fmt, text, part):
    with pytest.raises(MarkingInvalid) as refused:
        parse_marking(text, fmt, AGENCIES)
    assert refused.value.code == "register.marking_invalid"
    assert refused.value.details.get("part") == part


@pytest.mark.parametrize("setting", [
    {"order": ["country", "year", "number"]}, {"year_digits": 3}, {"number_digits": 0},
    {"separator": "--"},
], ids=["order lacks agency", "3-digit year", "no number", "long separator"])
def test_a_bad_format_setting_is_said(setting):
    with pytest.raises(Exception) as refused:
        MarkingFormat.of("NE", {"marking_format": setting})
    assert refused.value.code == "invalid_input"

"""The explosive limit and mixing rules of sync/stock/limits.py, as tables.

Aggregation of mixed hazard divisions: the precedence table of the Australian Explosives
Code as in the NSW Explosives Regulation 2005, cl. 78 (collective hazard division, folded
pair by pair for three or more). Mixing of compatibility groups: the storage mixing chart of
IATG 01.50 (2nd ed. 2015) §7, from AASTP-1.
"""

from decimal import Decimal as D

import pytest

from server.models.inventory import HAZARD_GROUPS
from sync.stock.limits import (
    MIXING,
    PRECEDENCE,
    collective_division,
    compatible,
    country_rules,
    excesses,
    held_against,
    incompatible_pairs,
    mixing_table,
    not_licensed,
)


@pytest.mark.parametrize(("divisions", "collective"), [
    (["1.1"], "1.1"),
    (["1.1", "1.4"], "1.1"),
    (["1.2", "1.4"], "1.2"),
    (["1.3", "1.4"], "1.3"),
    (["1.2", "1.3"], "1.1"),
    (["1.5", "1.4"], "1.5"),
    (["1.5", "1.2"], "1.1"),
    (["1.6", "1.4"], "1.6"),
    (["1.6", "1.5"], "1.5"),
    (["1.6", "1.2"], "1.2"),
    (["1.6", "1.3"], "1.3"),
    (["1.4", "1.4"], "1.4"),
    (["1.4", "1.6", "1.3"], "1.3"),
    (["1.4", "1.6", "1.5", "1.3"], "1.1"),
    ([], None),
], ids=["one division", "1.4 with 1.1", "1.4 with 1.2", "1.4 with 1.3", "1.2 with 1.3",
        "1.4 with 1.5", "1.5 with 1.2", "1.4 with 1.6", "1.5 with 1.6", "1.6 with 1.2",
        "1.6 with 1.3", "one division twice", "three folded", "four folded", "nothing"])
def test_collective_division(divisions, collective):
    assert collective_division(divisions) == collective


def test_the_precedence_table_is_symmetric_and_idempotent():
    assert all(PRECEDENCE[(a, b)] == PRECEDENCE[(b, a)] for a, b in PRECEDENCE)
    assert all(PRECEDENCE[(a, a)] == a for a, _ in PRECEDENCE)


@pytest.mark.parametrize(("neq", "ell", "rule", "found"), [
    ({"1.1": 730}, {"1.1": 10}, "collective", [("1.1", 10, 730)]),
    ({"1.1": 10}, {"1.1": 10}, "collective", []),
    ({"1.4": 900, "1.1": 50}, {"1.1": 500, "1.4": 1000}, "collective", [("1.1", 500, 950)]),
    ({"1.4": 900, "1.1": 50}, {"1.1": 500, "1.4": 1000}, "separate", []),
    ({"1.2": 300, "1.3": 300}, {"1.2": 500, "1.3": 500}, "collective", [("1.1", 0, 600)]),
    ({"1.2": 300, "1.3": 300}, {"1.2": 500, "1.3": 500, "1.1": 600}, "collective", []),
    ({"1.4": 1200}, {"1.1": 5000}, "separate", [("1.4", 0, 1200)]),
    ({"1.3": 0, "1.4": 10}, {"1.4": 10}, "collective", []),
], ids=["the 730 kg of 1.1E", "at the limit", "1.4 counts as 1.1 when mixed",
        "separate keeps 1.4 apart", "1.2 and 1.3 make 1.1", "1.1 licence for the mix",
        "division the licence omits", "empty division ignored"])
def test_excesses(neq, ell, rule, found):
    got = excesses({k: D(v) for k, v in neq.items()}, ell, rule)
    assert [(e.division, e.limit_kg, e.neq_kg) for e in got] == [
        (d, D(limit), D(q)) for d, limit, q in found]


def test_collective_names_what_was_added_up():
    assert held_against({"1.4": D(1), "1.2": D(2)}) == {"1.2": (D(3), ("1.2", "1.4"))}
    with pytest.raises(ValueError):
        held_against({"1.4": D(1), "1.2": D(2)}, "average")


@pytest.mark.parametrize(("groups", "pairs"), [
    ("S", []),
    ("CDE", []),
    ("CDEGS", []),
    ("CDEN", []),
    ("GN", [("G", "N")]),
    ("AS", [("A", "S")]),
    ("BD", [("B", "D")]),
    ("BS", []),
    ("FS", []),
    ("FC", [("C", "F")]),
    ("HJ", [("H", "J")]),
    ("KS", [("K", "S")]),
    ("LS", [("L", "S")]),
    ("SBH", [("B", "H")]),
    ("EAK", [("A", "E"), ("A", "K"), ("E", "K")]),
], ids=["S alone", "C D E together", "propellant and pyrotechnic with S", "N with C D E",
        "G not with N", "A alone", "B not with D", "B with S", "F with S", "F not with C",
        "H not with J", "K alone", "L alone", "S does not join B and H", "three apart"])
def test_mixing_table(groups, pairs):
    assert incompatible_pairs(groups) == pairs


def test_the_mixing_table_is_symmetric_and_covers_every_un_group():
    groups = {g for cgs in HAZARD_GROUPS.values() for g in cgs}
    assert set(MIXING) == groups
    assert all(compatible(a, b) == compatible(b, a) for a in MIXING for b in MIXING)
    assert all(compatible(g, g) for g in MIXING)


def test_a_country_narrows_the_table_and_both_rows_must_allow_a_pair():
    table = mixing_table({"G": "GS", "Z": "A", "S": 5})
    assert incompatible_pairs("CG", table) == [("C", "G")]
    assert incompatible_pairs("CG") == []
    widened = mixing_table({"A": "AS"})  # S's row still refuses A
    assert incompatible_pairs("AS", widened) == [("A", "S")]


@pytest.mark.parametrize(("settings", "rules"), [
    ({}, ("block", "collective")),
    ({"ell_policy": "warn"}, ("warn", "collective")),
    ({"ell_policy": "ignore", "ell_aggregation": "separate"}, ("block", "separate")),
    ({"ell_aggregation": "sum"}, ("block", "collective")),
], ids=["defaults", "warn", "unknown policy blocks", "unknown rule is collective"])
def test_country_rules(settings, rules):
    assert country_rules(settings)[:2] == rules


@pytest.mark.parametrize(("groups", "licensed", "outside"), [
    ("SC", "S", ["C"]), ("SC", "", []), ("S", "s, c", []),
], ids=["C not licensed", "no list", "list in any case"])
def test_not_licensed(groups, licensed, outside):
    assert not_licensed(groups, licensed) == outside

"""Every indicator on the hand-built data set of tests/programme_seed.py, whose answers were
worked out by hand: per country, agency and depot, for three quarters of 2026."""

from __future__ import annotations

import pytest

from server.models import Depot
from sync.programme.indicators import Quarter, Scope, compute, quarters
from tests.programme_seed import module_data, rolled_back

NONE = {"operator": 0, "processor": 0, "accountant": 0, "supervisor": 0, "manager": 0,
        "inspector": 0}


def counts(**given: int) -> dict[str, int]:
    return {**NONE, **given}


CASES = [
    ("NE", None, "2026Q3", dict(
        depots=2, plans_current=1, plans_share=50.0, baselined=2, rrpl_baseline=0.5,
        rrpl_now=1.5, rrpl_improved=1, findings_due=3, findings_on_time=1, on_time_share=33.3,
        check_lines=6, check_matched=4, accuracy=66.7, losses=2, items_lost=11,
        destructions=1, items_destroyed=100, weapons_registered=1, weapons_marked=1,
        marked_share=100.0, marked_in_period=1, trained=counts(supervisor=2, operator=1),
        qualified=counts(supervisor=3), works_handed_over=1, depots_rehabilitated=1,
        sops_adopted=1, depots_with_sop=1)),
    ("NE", None, "2026Q1", dict(
        plans_current=1, baselined=2, rrpl_baseline=0.5, rrpl_now=0.5, rrpl_improved=0,
        findings_due=0, on_time_share=None, check_lines=0, accuracy=None, losses=0,
        items_lost=0, destructions=0, marked_in_period=0, trained=counts(supervisor=1),
        qualified=counts(supervisor=1), works_handed_over=1, depots_rehabilitated=1,
        sops_adopted=0, depots_with_sop=0)),
    ("NE", None, "2026Q4", dict(
        rrpl_now=2.0, rrpl_improved=1, findings_due=1, findings_on_time=0, on_time_share=0.0,
        losses=0, trained=counts(), qualified=counts(supervisor=3), works_handed_over=0,
        depots_rehabilitated=1, sops_adopted=1, depots_with_sop=2)),
    ("NE", "NMY", "2026Q3", dict(
        depots=1, plans_current=1, rrpl_baseline=0.0, rrpl_now=2.0, rrpl_improved=1,
        findings_due=2, findings_on_time=1, on_time_share=50.0, check_lines=4,
        check_matched=2, accuracy=50.0, losses=2, items_lost=11, weapons_registered=1,
        trained=counts(supervisor=1, operator=1), qualified=counts(supervisor=2),
        depots_with_sop=1)),
    ("NE", "GN", "2026Q3", dict(
        depots=1, plans_current=0, plans_share=0.0, rrpl_baseline=1.0, rrpl_now=1.0,
        rrpl_improved=0, findings_due=1, on_time_share=0.0, check_lines=2, accuracy=100.0,
        losses=0, destructions=0, weapons_registered=0, marked_share=None,
        trained=counts(supervisor=1), qualified=counts(supervisor=1), works_handed_over=0,
        depots_rehabilitated=0, sops_adopted=1, depots_with_sop=0)),
    ("NG", None, "2026Q3", dict(
        depots=1, losses=1, items_lost=5, destructions=0, findings_due=0, baselined=0,
        rrpl_baseline=None, rrpl_now=None, trained=counts(), sops_adopted=0)),
]


seeded = pytest.fixture(scope="module", name="seeded")(module_data)
session = pytest.fixture(name="session")(rolled_back)


@pytest.fixture
def programme(seeded):
    return seeded[1], seeded[2]


@pytest.mark.parametrize(("country", "part", "period", "expected"), CASES,
                         ids=["NE Q3", "NE Q1", "NE Q4", "NMY depot Q3", "GN agency Q3",
                              "NG Q3 (NE's data never counts)"])
def test_indicators(session, programme, country, part, period, expected):
    world, p = programme
    scope = Scope(country)
    if part in p.agencies:
        scope = Scope(country, agency_id=p.agencies[part])
    elif part:
        scope = Scope(country, depot_id=world.depots[f"{country}-{part}"])
    figures = compute(session, scope, Quarter.parse(period))
    assert {k: getattr(figures, k) for k in expected} == expected


def test_a_depot_that_is_closed_counts_nowhere(session, programme):
    world, _ = programme
    session.get(Depot, world.depots["NE-ZDR"]).status = "closed"
    assert compute(session, Scope("NE"), Quarter.parse("2026Q3")).depots == 1


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026Q1", "2026-01-01", "2026-03-31"), ("2026q4", "2026-10-01", "2026-12-31"),
    (" 2024Q1 ", "2024-01-01", "2024-03-31")], ids=["Q1", "lower case", "spaces"])
def test_quarters(text, first, last):
    q = Quarter.parse(text)
    assert (q.first_day.isoformat(), q.last_day.isoformat()) == (first, last)


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "26Q1", "2026-Q1", "", "1999Q1",
                                  "2026Q1\x00"])
def test_a_malformed_period_is_refused(text):
    from server.errors import InvalidInput

    with pytest.raises(InvalidInput):
        Quarter.parse(text)


def test_quarters_run_back_across_a_year():
    assert [str(q) for q in quarters(Quarter.parse("2026Q2"), 4)] == [
        "2025Q3", "2025Q4", "2026Q1", "2026Q2"]

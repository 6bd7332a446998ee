"""Depot development: one baseline per depot, taken from a scored visit with its findings;
works in date order; a depot adopts only an SOP version its country adopted by then."""

from __future__ import annotations

from datetime import date

import pytest

from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.models import Baseline, Visit
from sync.programme.development import WorksIn, add_works, adopt_sop, record_baseline
from tests.programme_seed import NOW, module_data, principal, rolled_back

seeded = pytest.fixture(scope="module", name="seeded")(module_data)
session = pytest.fixture(name="session")(rolled_back)


@pytest.fixture
def w(seeded):
    return seeded[1]


def test_a_baseline_is_the_first_scored_visit_with_its_findings(session, w):
    baseline = session.get(Baseline, w.depots["NE-NMY"])
    assert (baseline.visit_id, baseline.rrpl, baseline.open_findings,
            baseline.critical_findings, baseline.assessed_on) == ("V1", 0, 2, 1, date(2026, 2, 10))
    with pytest.raises(Conflict):  # it never moves
        record_baseline(session, principal(session, w, "admin"), "NMY", visit_id="V2", now=NOW)


def test_a_baseline_needs_a_scored_visit_of_that_depot(session, w):
    admin = principal(session, w, "admin")
    session.delete(session.get(Baseline, w.depots["NE-ZDR"]))
    session.add(Visit(id="V9", depot_id=w.depots["NE-ZDR"], score={}))
    session.flush()
    for visit in ("V9", "V1", "nope"):  # unscored, another depot's, unknown
        with pytest.raises(NotFound):
            record_baseline(session, admin, "ZDR", visit_id=visit, now=NOW)
    with pytest.raises(NotFound):  # Nigeria's admin does not see Niger's depot
        record_baseline(session, principal(session, w, "ng_admin"), "ZDR", now=NOW)


@pytest.mark.parametrize("works", [
    WorksIn("moat"),
    WorksIn("fence", started_on=date(2026, 5, 1), finished_on=date(2026, 4, 1)),
    WorksIn("fence", finished_on=date(2026, 5, 1), handed_over_on=date(2026, 4, 1)),
    WorksIn("fence", handed_over_on=date(2026, 4, 1))],
    ids=["unknown kind", "finished before started", "handed over before finished",
         "handed over, never finished"])
def test_impossible_works_are_refused(session, w, works):
    with pytest.raises(InvalidInput):
        add_works(session, principal(session, w, "admin"), "NMY", works, now=NOW)


def test_a_depot_adopts_only_what_its_country_adopted_by_then(session, w):
    admin = principal(session, w, "admin")
    with pytest.raises(InvalidInput):  # adopted nationally on 10 April 2026
        adopt_sop(session, admin, sop_code="sop-pssm", version="1.0",
                  adopted_on=date(2026, 4, 1), adopted_by="Cdt", depot_code="NMY", now=NOW)
    with pytest.raises(InvalidInput):  # no version 2.0
        adopt_sop(session, admin, sop_code="SOP-PSSM", version="2.0",
                  adopted_on=date(2026, 11, 1), adopted_by="Cdt", depot_code="NMY", now=NOW)
    row = adopt_sop(session, admin, sop_code=" sop-pssm ", version="1.0",
                    adopted_on=date(2026, 11, 1), adopted_by="Cdt", depot_code="ZDR", now=NOW)
    assert row.sop_code == "SOP-PSSM"
    with pytest.raises(Forbidden):
        adopt_sop(session, principal(session, w, "reviewer"), sop_code="X", version="1",
                  adopted_on=date(2026, 1, 1), adopted_by="CNCCAI", now=NOW)

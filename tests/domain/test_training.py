"""People and training: an act a country ties to a competence (a destruction's approval, a
posting, an appointment) is refused to someone without it and allowed once they passed a
course of it, until the refresher is due; a trainer teaches only what they were trained in;
the cascade hangs every course from the course its trainers passed."""

from __future__ import annotations

from datetime import date

import pytest

from server.errors import Conflict, InvalidInput, NotFound
from server.models import Country, Depot, User
from server.models.programme import Competence
from sync.access.principal import Principal
from sync.people.courses import (
    CourseIn,
    add_course,
    add_months,
    record_attendance,
    training_cascade,
)
from sync.people.training import (
    StaffIn,
    Unqualified,
    add_staff,
    appoint,
    get_staff,
    held_competences,
)
from sync.stock import vouchers
from sync.stock.ledger import LineIn, Voucher
from tests.programme_seed import NOW, module_data, principal, rolled_back

TODAY = NOW.date()


seeded = pytest.fixture(scope="module", name="seeded")(module_data)
session = pytest.fixture(name="session")(rolled_back)


@pytest.fixture
def w(seeded):
    return seeded[1], seeded[2]


def require(session, act: str, competence: str) -> None:
    country = session.get(Country, "NE")
    country.settings = {**country.settings, "qualifications": {act: competence}}
    session.flush()


def course(session, admin, competence="accountant", trainers=(), months=None, ends=TODAY):
    return add_course(session, admin, CourseIn(
        "national", f"{competence} course", ends, ends, competence, trainer_ids=trainers,
        outside_trainers=() if trainers else ("Expert",), refresher_months=months), now=NOW)


def destruction(session, world):
    data = vouchers.VoucherIn(
        type="destruction", lines=(LineIn(crate_id=world.crate_ids["ammo"], quantity=5),),
        occurred_at=NOW, document_ref="DEC/2026/9", witnesses=("Sgt Abdou", "Lt Mariama"),
        voucher=Voucher(certificate_ref="CERT-9"))
    return vouchers.submit_voucher(session, principal(session, world, "commander"),
                                   session.get(Depot, world.depots["NE-NMY"]), data, now=NOW)


def test_an_approval_needing_a_competence_is_refused_without_it(session, w):
    world, _ = w
    require(session, "approve.destruction", "supervisor")
    proposal = destruction(session, world).proposal
    reviewer = principal(session, world, "reviewer")
    with pytest.raises(Unqualified) as refused:  # the reviewer is on no staff list
        vouchers.approve_proposal(session, reviewer, proposal.id, now=NOW)
    assert refused.value.code == "people.unqualified"
    admin = principal(session, world, "admin")
    staff = add_staff(session, admin, StaffIn("Col Hama", username="reviewer"), now=NOW)
    with pytest.raises(Unqualified):  # on the list, not yet trained as a supervisor
        vouchers.approve_proposal(session, reviewer, proposal.id, now=NOW)
    c = course(session, admin, "supervisor", ends=date(2026, 11, 1))
    record_attendance(session, admin, c.id, staff.id, passed=True, score=75, now=NOW)
    assert vouchers.approve_proposal(session, reviewer, proposal.id,
                                     now=NOW).status == "approved"


def test_a_posting_needing_a_competence_is_refused_without_it(session, w):
    world, _ = w
    require(session, "post.destruction", "manager")
    with pytest.raises(Unqualified):
        destruction(session, world)


def test_without_a_rule_nobody_needs_a_qualification(session, w):
    world, _ = w
    proposal = destruction(session, world).proposal
    assert vouchers.approve_proposal(session, principal(session, world, "reviewer"),
                                     proposal.id, now=NOW).status == "approved"


def test_an_expired_refresher_no_longer_qualifies(session, w):
    world, p = w
    admin = principal(session, world, "admin")
    require(session, "appoint.storekeeper", "operator")
    # S2 passed the operator course ending 5 July 2026 with a one-month refresher
    assert Competence.OPERATOR in held_competences(session, p.staff["S2"], date(2026, 8, 4))
    with pytest.raises(Unqualified):
        appoint(session, admin, p.staff["S2"], depot_code="NMY", post="storekeeper",
                document_ref="DEC/12", on=date(2026, 8, 5), now=NOW)
    first = appoint(session, admin, p.staff["S2"], depot_code="NMY", post="storekeeper",
                    document_ref="DEC/11", on=date(2026, 7, 10), now=NOW)
    assert first.ended_on is None


def test_a_new_appointment_ends_the_previous_holders(session, w):
    world, p = w
    admin = principal(session, world, "admin")
    first = appoint(session, admin, p.staff["S1"], depot_code="NMY", post="commander",
                    document_ref="DEC/1", on=date(2026, 1, 1), now=NOW)
    appoint(session, admin, p.staff["S2"], depot_code="NMY", post="commander",
            document_ref="DEC/2", on=date(2026, 6, 1), now=NOW)
    assert first.ended_on == date(2026, 6, 1)
    with pytest.raises(InvalidInput):
        appoint(session, admin, p.staff["S2"], depot_code="NMY", post="cook",
                document_ref="DEC/3", on=TODAY, now=NOW)
    with pytest.raises(InvalidInput):
        appoint(session, admin, p.staff["S2"], depot_code="NMY", post="commander",
                document_ref="  ", on=TODAY, now=NOW)


def test_a_trainer_teaches_only_what_they_hold(session, w):
    world, p = w
    admin = principal(session, world, "admin")
    with pytest.raises(Unqualified):  # S3 passed supervisor, not accountant
        course(session, admin, "accountant", trainers=(p.staff["S3"],))
    taught = course(session, admin, "supervisor", trainers=(p.staff["S3"],))
    with pytest.raises(Conflict):
        record_attendance(session, admin, taught.id, p.staff["S3"], passed=True, now=NOW)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"score": 101}, InvalidInput), ({"score": -1}, InvalidInput),
    ({"attended": False, "passed": True}, InvalidInput)],
    ids=["score over 100", "negative score", "passed without attending"])
def test_an_impossible_attendance_is_refused(session, w, kwargs, error):
    world, p = w
    with pytest.raises(error):
        record_attendance(session, principal(session, world, "admin"), p.courses["C3"],
                          p.staff["S4"], now=NOW, **kwargs)


@pytest.mark.parametrize("data", [
    CourseIn("regional", "x", TODAY, TODAY, "cook", outside_trainers=("A",)),
    CourseIn("galactic", "x", TODAY, TODAY, "operator", outside_trainers=("A",)),
    CourseIn("national", "x", TODAY, date(2020, 1, 1), "operator", outside_trainers=("A",)),
    CourseIn("national", " ", TODAY, TODAY, "operator", outside_trainers=("A",)),
    CourseIn("national", "x", TODAY, TODAY, "operator", outside_trainers=(" ",)),
    CourseIn("national", "x", TODAY, TODAY, "operator", outside_trainers=("A",),
             refresher_months=0)],
    ids=["unknown competence", "unknown level", "ends before it starts", "no title",
         "no trainer", "refresher of 0 months"])
def test_a_malformed_course_is_refused(session, w, data):
    world, _ = w
    with pytest.raises(InvalidInput):
        add_course(session, principal(session, world, "admin"), data, now=NOW)


def test_another_countrys_staff_is_unknown(session, w):
    world, p = w
    ng = Principal.of_user(session.get(User, world.users["ng_admin"]))
    with pytest.raises(NotFound):
        get_staff(session, ng, p.staff["S1"])
    with pytest.raises(NotFound):
        record_attendance(session, ng, p.courses["C1"], p.staff["S1"], now=NOW)


def test_the_cascade_runs_from_the_regional_course_to_depot_staff(session, w):
    world, p = w
    admin = principal(session, world, "admin")
    # S2, trained by S1 on the national course, trains depot staff in turn
    depot = add_course(session, admin, CourseIn(
        "depot", "Magasinier", date(2026, 9, 7), date(2026, 9, 9), "supervisor",
        trainer_ids=(p.staff["S2"],)), now=NOW)
    record_attendance(session, admin, depot.id, p.staff["S4"], passed=True, now=NOW)
    roots = training_cascade(session, admin)
    assert [n.course.title for n in roots] == ["Formation de formateurs PSSM",
                                               "Opérateur de dépôt"]
    regional = roots[0]
    assert [s.full_name for s in regional.trainees] == ["Cne Issa Moussa"]
    (national,) = regional.children
    assert national.course.id == p.courses["C2"]
    assert [c.course.title for c in national.children] == ["Magasinier"]
    assert regional.reach == 1 + 2 + 1


@pytest.mark.parametrize(("day", "months", "due"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 11, 15), 2, date(2027, 1, 15)), (date(2026, 3, 31), 12, date(2027, 3, 31))],
    ids=["short month", "leap year", "across the year", "a year"])
def test_add_months(day, months, due):
    assert add_months(day, months) == due


def test_a_vetted_person_has_a_vetting_date(session, w):
    world, _ = w
    admin = principal(session, world, "admin")
    with pytest.raises(InvalidInput):
        add_staff(session, admin, StaffIn("Sgt X", vetting_status="vetted"), now=NOW)
    with pytest.raises(InvalidInput):
        add_staff(session, admin, StaffIn("Sgt X", vetting_status="maybe"), now=NOW)
    with pytest.raises(NotFound):
        add_staff(session, admin, StaffIn("Sgt X", agency_code="NAVY"), now=NOW)
    assert add_staff(session, admin, StaffIn("Sgt X", depot_code="ZDR"),
                     now=NOW).depot.code == "ZDR"


def test_a_reviewer_may_not_record_staff(session, w):
    from server.errors import Forbidden

    world, _ = w
    with pytest.raises(Forbidden):
        add_staff(session, principal(session, world, "reviewer"), StaffIn("Sgt Y"), now=NOW)

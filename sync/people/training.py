"""Staff and their qualifications: people recorded with or without a login (rank, agency,
vetting), written appointments to a depot's posts, and the rule that an act a country ties to
a competence (settings["qualifications"]: {"approve.destruction": "supervisor",
"appoint.storekeeper": "accountant"}) is refused to someone who does not hold it. A
competence is held from a passed course of that category until its refresher is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import AppError, InvalidInput, NotFound
from server.models import (
    Agency,
    Appointment,
    Attendance,
    Country,
    Course,
    Depot,
    StaffMember,
    User,
)
from server.models.programme import Competence, Post
from sync.access.principal import Principal
from sync.access.scope import get_depot
from sync.journal.trail import Actor, record_audit

VETTING = ("not_vetted", "pending", "vetted", "refused")


class Unqualified(AppError):
    status, code = 422, "people.unqualified"


@dataclass(frozen=True)
class StaffIn:
    full_name: str
    rank: str = ""
    agency_code: str | None = None  # the agency's marking code
    depot_code: str | None = None
    vetting_status: str = "not_vetted"
    vetted_on: date | None = None
    username: str | None = None  # when the person also logs in



def add_staff(session: Session, principal: Principal, data: StaffIn, *,
              now: datetime) -> StaffMember:
    principal.require("programme.manage")
    country = principal.country_code
    if not data.full_name.strip():
        raise InvalidInput("A staff member has a name.")
    if data.vetting_status not in VETTING:
        raise InvalidInput(f"Vetting is one of {', '.join(VETTING)}.", vetting=data.vetting_status)
    if data.vetting_status == "vetted" and data.vetted_on is None:
        raise InvalidInput("Vetted when? A vetted person has a vetting date.")
    staff = StaffMember(country_code=country, full_name=data.full_name.strip(),
                        rank=data.rank.strip(), vetting_status=data.vetting_status,
                        vetted_on=data.vetted_on)
    if data.agency_code:
        staff.agency_id = session.scalar(select(Agency.id).where(
            Agency.country_code == country, Agency.marking_code == data.agency_code.upper()))
        if staff.agency_id is None:
            raise NotFound(f"No agency {data.agency_code!r}.", agency=data.agency_code)
    if data.depot_code:
        staff.depot_id = get_depot(session, principal, data.depot_code, "programme.manage").id
    if data.username:
        user = session.scalar(select(User).where(User.username == data.username))
        if user is None or user.country_code != country:
            raise NotFound(f"No user {data.username!r}.", username=data.username)
        staff.user_id = user.id
    session.add(staff)
    session.flush()
    record_audit(session, Actor.of(principal), "staff.add", now=now, entity="staff",
                 entity_id=str(staff.id), country_code=country,
                 details={"name": staff.full_name, "user": data.username})
    return staff


def get_staff(session: Session, principal: Principal, staff_id: int,
              permission: str = "programme.read") -> StaffMember:
    """Another country's staff member is unknown (404)."""
    staff = session.get(StaffMember, staff_id)
    if staff is None or staff.country_code != principal.country_code:
        raise NotFound("No such staff member.", staff_id=staff_id)
    principal.require(permission)
    return staff


def held_competences(session: Session, staff_id: int, on: date) -> set[Competence]:
    """What a person is qualified for on a day: passed, course finished, refresher not due."""
    rows = session.execute(
        select(Course.competence, Attendance.refresher_due).join(Course)
        .where(Attendance.staff_id == staff_id, Attendance.passed.is_(True),
               Course.ends_on <= on))
    return {Competence(c) for c, due in rows if due is None or due > on}


def required_competence(country: Country, act: str) -> Competence | None:
    wanted = (country.settings or {}).get("qualifications", {}).get(act)
    return Competence(wanted) if wanted else None


def check_qualified(session: Session, country: Country, act: str, *, staff_id: int | None,
                    on: date, who: str = "") -> None:
    """Refuse the act when the country ties it to a competence the person does not hold."""
    check_holds(session, required_competence(country, act), staff_id=staff_id, on=on,
                who=who, act=act)


def check_holds(session: Session, needed: Competence | None, *, staff_id: int | None, on: date,
                who: str = "", act: str = "") -> None:
    """Someone not on the staff list holds no competence."""
    if needed is None:
        return
    if staff_id is None or needed not in held_competences(session, staff_id, on):
        raise Unqualified(f"{who or 'This person'} is not qualified as {needed.value}"
                          + (f" ({act})." if act else "."), act=act, competence=needed.value)


def check_user_qualified(session: Session, country: Country, act: str, *, user_id: int,
                         on: date) -> None:
    """check_qualified for a user who signs or approves: through their staff record."""
    if required_competence(country, act) is None:
        return
    staff_id = session.scalar(select(StaffMember.id).where(StaffMember.user_id == user_id))
    user = session.get(User, user_id)
    check_qualified(session, country, act, staff_id=staff_id, on=on,
                    who=user.full_name or user.username if user else "")


def appoint(session: Session, principal: Principal, staff_id: int, *, depot_code: str,
            post: str, document_ref: str, on: date, now: datetime) -> Appointment:
    """A written appointment: it cites its document; a post the country ties to a competence
    goes only to someone qualified; one holder per post and depot at a time (the previous
    appointment ends the day the new one starts)."""
    staff = get_staff(session, principal, staff_id, "programme.manage")
    depot = get_depot(session, principal, depot_code, "programme.manage")
    try:
        post = Post(post)
    except ValueError:
        raise InvalidInput(f"Unknown post {post!r}.", post=post) from None
    if not document_ref.strip():
        raise InvalidInput("An appointment cites its written document.")
    check_qualified(session, depot.country, f"appoint.{post.value}", staff_id=staff.id, on=on,
                    who=staff.full_name)
    for current in session.scalars(select(Appointment).where(
            Appointment.depot_id == depot.id, Appointment.post == post,
            Appointment.ended_on.is_(None))):
        current.ended_on = on
    appointment = Appointment(staff_id=staff.id, depot_id=depot.id, post=post,
                              document_ref=document_ref.strip(), appointed_on=on,
                              appointed_by=principal.user_id)
    session.add(appointment)
    session.flush()
    record_audit(session, Actor.of(principal), "staff.appoint", now=now, entity="staff",
                 entity_id=str(staff.id), country_code=depot.country_code, depot_id=depot.id,
                 details={"post": post.value, "document": appointment.document_ref})
    return appointment


@dataclass(frozen=True)
class StaffRow:
    staff: StaffMember
    held: list[str]  # competences held on the day
    posts: list[tuple[str, str]]  # (post, depot code) of the appointments in force


def staff_list(session: Session, principal: Principal, *, on: date) -> list[StaffRow]:
    """The country's staff with what each is qualified for and appointed to on a day."""
    principal.require("programme.read")
    staff = list(session.scalars(select(StaffMember).where(
        StaffMember.country_code == principal.country_code).order_by(StaffMember.full_name)))
    held: dict[int, set[str]] = {}
    for staff_id, competence, due in session.execute(
            select(Attendance.staff_id, Course.competence, Attendance.refresher_due)
            .join(Course).where(Course.country_code == principal.country_code,
                                Attendance.passed.is_(True), Course.ends_on <= on)):
        if due is None or due > on:
            held.setdefault(staff_id, set()).add(str(competence))
    posts: dict[int, list[tuple[str, str]]] = {}
    for staff_id, post, code in session.execute(
            select(Appointment.staff_id, Appointment.post, Depot.code).join(Depot)
            .where(Depot.country_code == principal.country_code,
                   Appointment.appointed_on <= on,
                   (Appointment.ended_on.is_(None)) | (Appointment.ended_on > on))):
        posts.setdefault(staff_id, []).append((str(post), code))
    order = [c.value for c in Competence]
    return [StaffRow(s, sorted(held.get(s.id, ()), key=order.index), posts.get(s.id, []))
            for s in staff]

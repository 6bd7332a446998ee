"""Courses and the training cascade: a course teaches one IATG 01.90 competence; a trainer
from the country's staff must hold that competence when the course starts (so every national
and depot course hangs from a course its trainers passed, up to the regional trainers'
courses taught by outside experts); attendance, assessment and the refresher date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput, NotFound
from server.models import Attendance, Course, CourseTrainer, StaffMember
from server.models.programme import Competence
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit
from sync.people.training import check_holds, get_staff

LEVELS = ("regional", "national", "depot")


@dataclass(frozen=True)
class CourseIn:
    level: str
    title: str
    starts_on: date
    ends_on: date
    competence: str
    place: str = ""
    curriculum: str = ""
    organiser: str = ""
    refresher_months: int | None = None
    trainer_ids: tuple[int, ...] = ()  # staff members
    outside_trainers: tuple[str, ...] = ()  # names of experts not on the staff list


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def add_course(session: Session, principal: Principal, data: CourseIn, *,
               now: datetime) -> Course:
    principal.require("programme.manage")
    if data.level not in LEVELS:
        raise InvalidInput(f"A course is {', '.join(LEVELS)}.", level=data.level)
    try:
        competence = Competence(data.competence)
    except ValueError:
        raise InvalidInput(f"Unknown competence {data.competence!r}.",
                           competence=data.competence) from None
    if not data.title.strip() or data.ends_on < data.starts_on:
        raise InvalidInput("A course has a title and ends on or after it starts.")
    if data.refresher_months is not None and not 1 <= data.refresher_months <= 120:
        raise InvalidInput("A refresher is due 1 to 120 months after the course.")
    outside = [n.strip() for n in data.outside_trainers if n.strip()]
    if not data.trainer_ids and not outside:
        raise InvalidInput("A course names its trainers.")
    course = Course(country_code=principal.country_code, level=data.level,
                    title=data.title.strip(), place=data.place.strip(),
                    starts_on=data.starts_on, ends_on=data.ends_on, competence=competence,
                    curriculum=data.curriculum, organiser=data.organiser.strip(),
                    refresher_months=data.refresher_months, created_by=principal.user_id)
    session.add(course)
    for staff_id in dict.fromkeys(data.trainer_ids):
        trainer = get_staff(session, principal, staff_id, "programme.manage")
        # a trainer from the staff list teaches only what they were trained in themselves
        check_holds(session, competence, staff_id=trainer.id, on=data.starts_on,
                    who=trainer.full_name, act="train")
        course.trainers.append(CourseTrainer(staff_id=trainer.id, name=trainer.full_name))
    course.trainers.extend(CourseTrainer(name=name) for name in outside)
    session.flush()
    record_audit(session, Actor.of(principal), "course.add", now=now,
                 entity="course", entity_id=str(course.id), country_code=course.country_code,
                 details={"title": course.title, "competence": competence.value})
    return course


def get_course(session: Session, principal: Principal, course_id: int,
               permission: str = "programme.read") -> Course:
    course = session.get(Course, course_id)
    if course is None or course.country_code != principal.country_code:
        raise NotFound("No such course.", course_id=course_id)
    principal.require(permission)
    return course


def record_attendance(session: Session, principal: Principal, course_id: int, staff_id: int,
                      *, attended: bool = True, score: float | None = None,
                      passed: bool = False, now: datetime) -> Attendance:
    """One person's attendance and assessment; a pass sets the refresher date. A trainer of
    the course does not attend it."""
    course = get_course(session, principal, course_id, "programme.manage")
    staff = get_staff(session, principal, staff_id, "programme.manage")
    if score is not None and not 0 <= score <= 100:
        raise InvalidInput("An assessment scores 0 to 100.", score=score)
    if passed and not attended:
        raise InvalidInput("Only someone who attended can pass.")
    if staff.id in {t.staff_id for t in course.trainers}:
        raise Conflict("A trainer of the course is not one of its trainees.")
    row = session.scalar(select(Attendance).where(Attendance.course_id == course.id,
                                                  Attendance.staff_id == staff.id))
    if row is None:
        row = Attendance(course_id=course.id, staff_id=staff.id)
        session.add(row)
    row.attended, row.score, row.passed = attended, score, passed
    row.refresher_due = (add_months(course.ends_on, course.refresher_months)
                         if passed and course.refresher_months else None)
    session.flush()
    record_audit(session, Actor.of(principal), "course.attendance", now=now,
                 entity="course", entity_id=str(course.id), country_code=course.country_code,
                 details={"staff": staff.id, "attended": attended, "passed": passed,
                          "score": score})
    return row


@dataclass
class CascadeNode:
    """A course, who taught it, who passed it, and the courses those people went on to teach."""

    course: Course
    trainees: list[StaffMember]
    children: list[CascadeNode] = field(default_factory=list)

    @property
    def reach(self) -> int:
        """People trained by this course and everything that hangs from it."""
        return len(self.trainees) + sum(c.reach for c in self.children)


def training_cascade(session: Session, principal: Principal) -> list[CascadeNode]:
    """The country's courses as a forest: a course hangs under the latest earlier course
    of its competence that one of its staff trainers passed; courses without such a
    trainer (the regional trainers' courses) are roots."""
    principal.require("programme.read")
    courses = list(session.scalars(select(Course).where(
        Course.country_code == principal.country_code).order_by(Course.starts_on, Course.id)))
    passes = session.execute(select(Attendance.course_id, StaffMember).join(StaffMember).where(
        StaffMember.country_code == principal.country_code, Attendance.passed.is_(True)))
    trainees: dict[int, list[StaffMember]] = {}
    passed_by: dict[int, list[int]] = {}  # staff -> courses passed
    for course_id, staff in passes:
        trainees.setdefault(course_id, []).append(staff)
        passed_by.setdefault(staff.id, []).append(course_id)
    nodes = {c.id: CascadeNode(c, sorted(trainees.get(c.id, []), key=lambda s: s.full_name))
             for c in courses}
    roots = []
    for course in courses:
        parent = _parent(course, nodes, passed_by)
        (nodes[parent].children if parent else roots).append(nodes[course.id])
    return roots


def _parent(course: Course, nodes: dict[int, CascadeNode],
            passed_by: dict[int, list[int]]) -> int | None:
    earlier = [nodes[cid].course for t in course.trainers if t.staff_id
               for cid in passed_by.get(t.staff_id, ())
               if nodes[cid].course.ends_on <= course.starts_on
               and nodes[cid].course.competence == course.competence]
    return max(earlier, key=lambda c: (c.ends_on, c.id)).id if earlier else None

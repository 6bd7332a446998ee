"""``flask programme …``: record the programme from the shell as a named national user
(audited as that user): staff, appointments, courses and attendance, works, SOP adoptions,
baselines, and releasing or withdrawing a quarter's indicators to a partner."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from server.db import db, utcnow
from server.models import User
from sync.access.principal import Principal
from sync.people.courses import LEVELS, CourseIn, add_course, record_attendance
from sync.people.training import VETTING, StaffIn, add_staff, appoint
from sync.programme.development import WORKS_KINDS, WorksIn, add_works, adopt_sop, record_baseline
from sync.programme.releases import release_indicators, withdraw_releases

AS = click.option("--as", "username", required=True, help="The national user who records it")
DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group("programme", cls=AppGroup)
def programme_cli() -> None:
    """Staff, training, depot development and released indicators."""


def _principal(username: str) -> Principal:
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    return Principal.of_user(user)


def _day(value) -> date | None:
    return value.date() if value else None


def _done(message: str) -> None:
    db.session.commit()
    click.echo(message)


@programme_cli.command("staff-add")
@AS
@click.argument("full_name")
@click.option("--rank", default="")
@click.option("--agency", default=None, help="Agency marking code")
@click.option("--depot", default=None)
@click.option("--vetting", type=click.Choice(VETTING), default="not_vetted")
@click.option("--vetted-on", type=DAY, default=None)
@click.option("--login", default=None, help="The person's username, if they log in")
def staff_add(username, full_name, rank, agency, depot, vetting, vetted_on, login) -> None:
    staff = add_staff(db.session, _principal(username), StaffIn(
        full_name, rank=rank, agency_code=agency, depot_code=depot, vetting_status=vetting,
        vetted_on=_day(vetted_on), username=login), now=utcnow())
    _done(f"staff {staff.id} {staff.full_name}")


@programme_cli.command("appoint")
@AS
@click.option("--staff", "staff_id", type=int, required=True)
@click.option("--depot", required=True)
@click.option("--post", required=True)
@click.option("--document", required=True, help="The written appointment's reference")
@click.option("--on", "on", type=DAY, required=True)
def appoint_cmd(username, staff_id, depot, post, document, on) -> None:
    row = appoint(db.session, _principal(username), staff_id, depot_code=depot, post=post,
                  document_ref=document, on=on.date(), now=utcnow())
    _done(f"appointment {row.id}: {row.post.value} at {depot.upper()}")


@programme_cli.command("course-add")
@AS
@click.argument("title")
@click.option("--level", type=click.Choice(LEVELS), required=True)
@click.option("--competence", required=True)
@click.option("--starts", type=DAY, required=True)
@click.option("--ends", type=DAY, required=True)
@click.option("--place", default="")
@click.option("--organiser", default="")
@click.option("--refresher-months", type=int, default=None)
@click.option("--trainer", "trainers", type=int, multiple=True, help="A staff id")
@click.option("--outside-trainer", "outside", multiple=True, help="An outside trainer's name")
def course_add(username, title, level, competence, starts, ends, place, organiser,
               refresher_months, trainers, outside) -> None:
    course = add_course(db.session, _principal(username), CourseIn(
        level, title, starts.date(), ends.date(), competence, place=place,
        organiser=organiser, refresher_months=refresher_months, trainer_ids=trainers,
        outside_trainers=outside), now=utcnow())
    _done(f"course {course.id} {course.title}")


@programme_cli.command("attend")
@AS
@click.option("--course", "course_id", type=int, required=True)
@click.option("--staff", "staff_id", type=int, required=True)
@click.option("--score", type=float, default=None)
@click.option("--passed/--failed", default=False)
@click.option("--absent", is_flag=True)
def attend(username, course_id, staff_id, score, passed, absent) -> None:
    row = record_attendance(db.session, _principal(username), course_id, staff_id,
                            attended=not absent, score=score, passed=passed, now=utcnow())
    _done(f"attendance: {'passed' if row.passed else 'not passed'}"
          + (f", refresher due {row.refresher_due}" if row.refresher_due else ""))


@programme_cli.command("works-add")
@AS
@click.option("--depot", required=True)
@click.option("--kind", type=click.Choice(WORKS_KINDS), required=True)
@click.option("--description", default="")
@click.option("--funder", default="")
@click.option("--contractor", default="")
@click.option("--started", type=DAY, default=None)
@click.option("--finished", type=DAY, default=None)
@click.option("--handed-over", type=DAY, default=None)
def works_add(username, depot, kind, description, funder, contractor, started, finished,
              handed_over) -> None:
    works = add_works(db.session, _principal(username), depot, WorksIn(
        kind, description, funder, contractor, _day(started), _day(finished),
        _day(handed_over)), now=utcnow())
    _done(f"works {works.id} {works.kind} at {works.depot.code}")


@programme_cli.command("sop-adopt")
@AS
@click.option("--sop", required=True)
@click.option("--version", required=True)
@click.option("--on", "on", type=DAY, required=True)
@click.option("--by", "adopted_by", required=True, help="The authority that adopted it")
@click.option("--depot", default=None, help="A depot putting it in force (else the country)")
def sop_adopt(username, sop, version, on, adopted_by, depot) -> None:
    row = adopt_sop(db.session, _principal(username), sop_code=sop, version=version,
                    adopted_on=on.date(), adopted_by=adopted_by, depot_code=depot,
                    now=utcnow())
    _done(f"{row.sop_code} {row.version} adopted on {row.adopted_on}")


@programme_cli.command("baseline")
@AS
@click.option("--depot", required=True)
@click.option("--visit", default=None, help="The visit (else the depot's first scored one)")
def baseline(username, depot, visit) -> None:
    row = record_baseline(db.session, _principal(username), depot, visit_id=visit,
                          now=utcnow())
    _done(f"baseline of {depot.upper()}: RRPL {row.rrpl}, {row.open_findings} findings")


@programme_cli.command("release")
@AS
@click.option("--body", required=True)
@click.option("--period", required=True, help="A finished quarter: 2026Q3")
@click.option("--challenges", default="")
def release(username, body, period, challenges) -> None:
    row = release_indicators(db.session, _principal(username), body, period,
                             challenges=challenges, now=utcnow())
    _done(f"{row.period} released to {row.body.code}")


@programme_cli.command("withdraw")
@AS
@click.option("--body", required=True)
@click.option("--from", "period", required=True, help="This quarter and every later one")
def withdraw(username, body, period) -> None:
    taken = withdraw_releases(db.session, _principal(username), body, period, now=utcnow())
    _done(f"withdrawn: {', '.join(sorted(r.period for r in taken))}")

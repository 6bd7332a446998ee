"""Visits: F0 opens one (its `visits` entity, minted on the phone); the other forms filled on
the same visit name it. Either may arrive first: whichever comes first creates the row, the
header fills in its type, inspectors, people present and position, the close-out (F7) its
findings list and acknowledgements. Findings of a visit are linked to the same item's finding
at the depot's previous visit when that one was not closed ("still open since …")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from forms.answers import parse_datetime
from forms.derived import Derived
from server.models import Finding, Submission, User, Visit
from sync.access.principal import Principal
from sync.inspections.findings import due_at
from sync.inspections.scoring import rescore_visit

VISITS = "visits"  # the ODK entity list of visits
VISIT_ID = re.compile(r"^[A-Za-z0-9:_-]{8,64}$")
SEVERITIES = ("critical", "major", "minor")
CLOSED = ("closed",)


@dataclass(frozen=True)
class VisitPart:
    """What a submission says about its visit."""

    visit_id: str
    opens: bool  # the header (F0)
    header: dict[str, str] = field(default_factory=dict)  # ds:visit answers
    closeout: tuple[dict[str, str], ...] = ()
    acks: dict[str, str] = field(default_factory=dict)


def visit_part(derived: Derived, opened_id: str | None) -> VisitPart | None:
    """The visit a form's answers name: the entity the header created, or the one picked."""
    if opened_id:
        return VisitPart(opened_id, True, derived.visit, derived.closeout, derived.acks)
    if derived.visit_id:
        return VisitPart(derived.visit_id, False, {}, derived.closeout, derived.acks)
    return None


def visit_of(session: Session, part: VisitPart, depot_id: int) -> tuple[Visit | None, list]:
    """The visit a submission filed at ``depot_id`` is part of: the stored one, or a new one
    (not added to the session yet) when it is the first part to arrive; or problems. Asked
    before the submission is stored, so that the submission is written with its visit."""
    if not VISIT_ID.match(part.visit_id):
        return None, [{"field": "visit", "problem": "not a visit id",
                       "value": part.visit_id[:64]}]
    visit = session.get(Visit, part.visit_id)
    if visit is None:
        return Visit(id=part.visit_id, depot_id=depot_id), []
    if visit.depot_id != depot_id:
        return None, [{"field": "visit", "problem": "the visit is at another depot",
                       "value": part.visit_id}]
    return visit, []


def record_visit_part(session: Session, principal: Principal, submission: Submission,
                      part: VisitPart, visit: Visit, *, now: datetime,
                      findings: bool = True) -> list[dict]:
    """Fill in the visit (visit_of) with this part, creating it if it is new, and rescore
    it. ``findings``: the submission filed findings (which join the visit). Returns problems
    to flag the submission with; the caller commits."""
    new = visit not in session
    session.flush()  # what came before (a replaced version's status) is what the score reads
    # then no flush until every field is known: the visit is one INSERT (or one UPDATE), not
    # an INSERT and an UPDATE for each step that sets a field
    with session.no_autoflush:
        if new:
            visit.created_at = now
            session.add(visit)
        problems = []
        if part.opens:
            problems += _header(session, principal, visit, submission, part.header)
        problems += _closeout(session, principal, visit, submission, part, now)
        # scored from the parts' answers, not their findings: before the flush, so a new
        # visit is inserted with its score; one this submission creates has no other part yet
        rescore_visit(session, visit, submission, others=not new)
        if findings or part.closeout:
            session.flush()
            _link_findings(session, visit, submission)
    return problems


def _header(session: Session, principal: Principal, visit: Visit, submission: Submission,
            header: dict[str, str]) -> list[dict]:
    visit.header_submission_id = submission.id
    visit.visit_type = submission.visit_type
    visit.started_at, visit.ended_at = submission.started_at, submission.ended_at
    visit.people_present = header.get("people_present", "")[:2000]
    visit.position = header.get("position", "")[:100]
    wanted = header.get("inspectors", "").split()
    visit.inspector_ids = [u.id for u in _users(session, principal, wanted)]
    if len(visit.inspector_ids) < len(wanted):
        return [{"field": "inspectors", "problem": "not users of this country",
                 "value": header.get("inspectors", "")[:64]}]
    return []


def _users(session: Session, principal: Principal, ids: list[str]) -> list[User]:
    """The country's users the ids name, in the order named (the lead inspector first)."""
    numbers = list(dict.fromkeys(int(i) for i in ids if i.isdigit() and len(i) < 10))
    if not numbers:
        return []
    found = {u.id: u for u in session.scalars(select(User).where(  # no depots needed here
        User.id.in_(numbers), User.country_code == principal.country_code)
        .options(lazyload(User.depots)))}
    return [found[n] for n in numbers if n in found]


def _closeout(session: Session, principal: Principal, visit: Visit, submission: Submission,
              part: VisitPart, now: datetime) -> list[dict]:
    """F7: its findings come with their corrective action, owner and due date (planned),
    and the commander's and inspector's acknowledgements go on the visit."""
    problems = []
    for who in ("commander", "inspector"):
        if who in part.acks:
            users = _users(session, principal, [part.acks[who]])
            setattr(visit, f"{who}_id", users[0].id if users else None)
            setattr(visit, f"{who}_at", parse_datetime(part.acks.get(f"{who}_at", "")))
            if not users:
                problems.append({"field": who, "problem": "not a user of this country"})
    for n, entry in enumerate(part.closeout[:500]):
        owner = _users(session, principal, [entry.get("owner", "")])
        due = _due(entry.get("due_date", ""))
        if entry.get("severity") not in SEVERITIES or not owner or due is None:
            problems.append({"field": f"findings[{n}]",
                             "problem": "needs a severity, an owner of this country and a "
                             "due date"})
        finding_id = f"{submission.instance_id}:closeout:{n}"[:64]
        if session.get(Finding, finding_id) is not None:
            continue
        session.add(Finding(
            id=finding_id, depot_id=visit.depot_id, submission_id=submission.id,
            visit_id=visit.id, item=entry.get("item", "")[:64], section="close_out",
            severity=entry.get("severity") if entry.get("severity") in SEVERITIES else "major",
            text=entry.get("text", "")[:10_000],
            corrective_action=entry.get("action", "")[:10_000],
            owner_id=owner[0].id if owner else None,
            owner=owner[0].full_name or owner[0].username if owner else "",
            due_date=due, status="planned" if owner and due else "open",
            device_id=principal.device_id, user_id=principal.user_id, created_at=now))
    return problems


def _due(text: str) -> datetime | None:
    try:
        return due_at(date.fromisoformat(text.strip()[:10]))
    except ValueError:
        return None


def _link_findings(session: Session, visit: Visit, submission: Submission) -> None:
    """This submission's findings join the visit; an item already found at an earlier visit
    of the depot, and not closed since, is the same problem still open."""
    for finding in session.scalars(select(Finding).where(
            Finding.submission_id == submission.id)):
        finding.visit_id = visit.id
        if not finding.item or finding.previous_id is not None:
            continue
        earlier = session.scalar(
            select(Finding).where(Finding.depot_id == visit.depot_id,
                                  Finding.item == finding.item, Finding.id != finding.id,
                                  Finding.visit_id != visit.id,
                                  Finding.status.not_in(CLOSED),
                                  Finding.created_at <= finding.created_at)
            .order_by(Finding.created_at.desc(), Finding.id.desc()).limit(1))
        if earlier is not None:
            finding.previous_id = earlier.id
            finding.open_since = earlier.open_since or earlier.created_at

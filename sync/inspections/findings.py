"""Findings followed to closure: open -> planned (corrective action, owner, due date) ->
done -> verified at a follow-up visit -> closed. The owner never verifies or closes their own
finding (the two-person rule, sync.access.principal.check_second_person). A finding is
overdue when its due date has passed and it is neither verified nor closed. Each step is
kept in the finding's history and in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput
from server.models import Depot, Finding, User, Visit
from sync.access.principal import OwnerVerifies, Principal, check_second_person
from sync.access.scope import get_in_scope, sees_user
from sync.journal.trail import Actor, record_audit

STATUSES = ("open", "planned", "done", "verified", "closed")
NEXT = {"plan": ("open", "planned"), "done": ("planned", "done"),
        "verify": ("done", "verified"), "close": ("verified", "closed")}
SETTLED = ("verified", "closed")  # no longer overdue


class WrongStep(Conflict):
    code = "findings.wrong_step"


class BadVerification(InvalidInput):
    code = "findings.bad_verification"


def due_at(day: date) -> datetime:
    """A due date is the end of that day (UTC): overdue from the next day on."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def get_finding(session: Session, principal: Principal, finding_id: str,
                permission: str = "review.read") -> Finding:
    return get_in_scope(session, principal, Finding, finding_id, permission, "finding")


def _step(session: Session, principal: Principal, finding: Finding, step: str,
          now: datetime, **details) -> Finding:
    before, after = NEXT[step]
    if finding.status != before:
        raise WrongStep(f"A {finding.status} finding cannot be {after}; it must be {before}.",
                        status=finding.status, step=step)
    finding.status = after
    finding.history = [*(finding.history or []),
                       {"step": after, "by": principal.user_id, "at": now.isoformat(),
                        **{k: v for k, v in details.items() if v is not None}}]
    record_audit(session, Actor.of(principal),
                 f"finding.{step}", now=now, entity="finding", entity_id=finding.id,
                 country_code=principal.country_code, depot_id=finding.depot_id,
                 details={"status": after})
    return finding


def plan_action(session: Session, principal: Principal, finding_id: str, *, action: str,
                owner_id: int, due: date, now: datetime) -> Finding:
    owner = session.get(User, owner_id)
    if owner is None or not sees_user(principal, owner):
        raise InvalidInput("The owner must be a user of your depots.", owner_id=owner_id)
    if not action.strip():
        raise InvalidInput("Say what will be done.")
    finding = _step(session, principal, get_finding(session, principal, finding_id,
                                                    "findings.manage"), "plan", now,
                    owner=owner_id)
    finding.corrective_action, finding.due_date = action.strip()[:10_000], due_at(due)
    finding.owner_id, finding.owner = owner.id, owner.full_name or owner.username
    return finding


def mark_done(session: Session, principal: Principal, finding_id: str, *, note: str,
              now: datetime) -> Finding:
    finding = _step(session, principal, get_finding(session, principal, finding_id,
                                                    "findings.manage"), "done", now,
                    note=note.strip()[:2000])
    finding.done_at = now
    return finding


def verify(session: Session, principal: Principal, finding_id: str, *, visit_id: str,
           now: datetime) -> Finding:
    """Seen done at a follow-up visit of the same depot, by someone other than the owner."""
    finding = get_finding(session, principal, finding_id, "findings.manage")
    check_second_person(finding.owner_id, principal.user_id, OwnerVerifies,
                        "Someone other than the finding's owner verifies it.")
    visit = session.get(Visit, visit_id)
    if visit is None or visit.depot_id != finding.depot_id or visit.id == finding.visit_id \
            or visit.created_at < finding.created_at:
        raise BadVerification("Verify at a later visit of the same depot.", visit_id=visit_id)
    _step(session, principal, finding, "verify", now, visit=visit_id)
    finding.verified_by, finding.verified_at = principal.user_id, now
    finding.verified_visit_id = visit.id
    return finding


def close_finding(session: Session, principal: Principal, finding_id: str, *,
                  now: datetime) -> Finding:
    finding = get_finding(session, principal, finding_id, "findings.manage")
    check_second_person(finding.owner_id, principal.user_id, OwnerVerifies,
                        "Someone other than the finding's owner closes it.")
    _step(session, principal, finding, "close", now)
    finding.closed_by, finding.closed_at = principal.user_id, now
    return finding


@dataclass(frozen=True)
class OverdueDepot:
    depot_code: str
    depot_name: str
    overdue: int


def findings_query(principal: Principal, *, status: str | None = None,
                   depot_code: str | None = None, overdue_at: datetime | None = None) -> Select:
    """The findings of the principal's depots, oldest due first."""
    query = (select(Finding).join(Depot, Depot.id == Finding.depot_id)
             .where(Depot.country_code == principal.country_code,
                    principal.depot_clause(Finding.depot_id)))
    if status in STATUSES:
        query = query.where(Finding.status == status)
    if depot_code:
        query = query.where(Depot.code == depot_code.upper())
    if overdue_at is not None:
        query = query.where(Finding.due_date < overdue_at, Finding.status.not_in(SETTLED))
    return query.order_by(Finding.due_date.is_(None), Finding.due_date, Finding.created_at,
                          Finding.id)


def overdue_by_depot(session: Session, principal: Principal, *,
                     now: datetime) -> list[OverdueDepot]:
    """Overdue findings per depot of the principal's scope (their sum is the country's)."""
    principal.require("review.read")
    rows = session.execute(
        select(Depot.code, Depot.name, func.count(Finding.id))
        .join(Finding, Finding.depot_id == Depot.id)
        .where(Depot.country_code == principal.country_code,
               principal.depot_clause(Finding.depot_id), Finding.due_date < now,
               Finding.status.not_in(SETTLED))
        .group_by(Depot.code, Depot.name).order_by(Depot.code))
    return [OverdueDepot(code, name, n) for code, name, n in rows]

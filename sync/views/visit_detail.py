"""One visit as HQ reads it: its type, depot, inspectors and acknowledgements, the parts filled
on it (each a submission), its findings ("still open since …" when an earlier visit found the
same item) and its RRPL estimate with what blocks the next level; and a depot's RRPL over
its visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import Finding, Submission, User, Visit
from server.models.sync import SubmissionStatus
from sync.access.principal import Principal
from sync.access.scope import get_depot, sees_user
from sync.inspections.findings import get_finding
from sync.inspections.scoring import Estimate, LevelScore
from sync.journal.restricted import record_restricted_read

PART_ORDER = ("visit_header", "security_check", "records_audit", "crate_count",
              "crate_count_one", "crate_count_blind", "crate_count_blind_one", "marking_check",
              "close_out")


@dataclass(frozen=True)
class VisitView:
    visit: Visit
    inspectors: list[str]
    parts: list[Submission]
    findings: list[Finding]
    estimate: Estimate | None
    position: str | None  # None when the reader may not see restricted fields


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    first: Finding | None  # the earliest finding of the same problem, when it was carried
    names: dict[int, str]
    owners: list[User]  # who may be named owner (users of the reader's depots)
    follow_ups: list[Visit]  # later visits of the depot, where it can be verified


@dataclass(frozen=True)
class RrplPoint:
    visit_id: str
    at: datetime
    rrpl: int


def estimate_of(score: dict) -> Estimate | None:
    if not score:
        return None
    return Estimate(score["rrpl"], tuple(LevelScore(**{**s, "critical_unmet": tuple(
        s["critical_unmet"])}) for s in score["levels"]))


def get_visit(session: Session, principal: Principal, visit_id: str) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None or not principal.sees_depot(visit.depot_id, visit.depot.country_code):
        raise NotFound("No such visit.", visit_id=visit_id)
    principal.require("inspections.read")
    return visit


def visit_view(session: Session, principal: Principal, visit_id: str, *,
               now: datetime) -> VisitView:
    """The visit, if the principal may read it. Showing its position (depot coordinates) is
    a restricted read, and is audited."""
    visit = get_visit(session, principal, visit_id)
    position = visit.position if principal.can("restricted.read") else None
    if position:
        record_restricted_read(session, principal, entity="visit", entity_id=visit.id,
                               depot_id=visit.depot_id, fields=["position"], now=now)
    parts = sorted(session.scalars(select(Submission).where(
        Submission.visit_id == visit.id, Submission.status != SubmissionStatus.REPLACED)),
        key=lambda s: (PART_ORDER.index(s.form_id) if s.form_id in PART_ORDER
                       else len(PART_ORDER), s.received_at))
    names = {u.id: _name(u) for u in session.scalars(
        select(User).where(User.id.in_(visit.inspector_ids or [])))}
    return VisitView(
        visit=visit, inspectors=[names[i] for i in visit.inspector_ids or [] if i in names],
        parts=parts,
        findings=list(session.scalars(select(Finding).where(Finding.visit_id == visit.id)
                                      .order_by(Finding.created_at, Finding.id))),
        estimate=estimate_of(visit.score), position=position)


def depot_rrpl(session: Session, principal: Principal, code: str,
               limit: int = 24) -> tuple[list[RrplPoint], Estimate | None]:
    """The estimate of the depot's last `limit` scored visits, oldest first, and the latest."""
    depot = get_depot(session, principal, code, "review.read")
    visits = list(session.scalars(
        select(Visit).where(Visit.depot_id == depot.id)
        .order_by(func.coalesce(Visit.started_at, Visit.created_at).desc(), Visit.id.desc())
        .limit(limit)))
    scored = [v for v in reversed(visits) if v.score]
    points = [RrplPoint(v.id, v.started_at or v.created_at, v.score["rrpl"]) for v in scored]
    return points, estimate_of(scored[-1].score) if scored else None


def _name(user: User) -> str:
    return f"{user.rank} {user.full_name or user.username}".strip()


def finding_view(session: Session, principal: Principal, finding_id: str) -> FindingView:
    finding = get_finding(session, principal, finding_id)
    first, seen = finding, {finding.id}
    while first.previous_id and first.previous_id not in seen and len(seen) < 100:
        seen.add(first.previous_id)
        first = session.get(Finding, first.previous_id)
    users = assignable_users(session, principal)
    follow_ups = list(session.scalars(
        select(Visit).where(Visit.depot_id == finding.depot_id,
                            Visit.created_at >= finding.created_at,
                            Visit.id != (finding.visit_id or ""))
        .order_by(Visit.created_at.desc()).limit(20)))
    ids = {finding.owner_id, finding.verified_by, finding.closed_by, finding.user_id,
           *(h.get("by") for h in finding.history or [])}
    names = {u.id: _name(u) for u in session.scalars(select(User).where(User.id.in_(
        [i for i in ids if i is not None])))}
    return FindingView(finding, first if first is not finding else None, names, users,
                       follow_ups)


def assignable_users(session: Session, principal: Principal) -> list[User]:
    """Whom the reader may name (finding owner, stock check team): users of its depots."""
    return [u for u in session.scalars(select(User).where(
        User.country_code == principal.country_code, User.active.is_(True))
        .order_by(User.full_name, User.id)) if sees_user(principal, u)]

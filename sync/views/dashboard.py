"""Depot dashboards: what is open in each depot in scope, and for one depot its last
inspections, open findings, discrepancies and conflicts, checklist compliance per section
and discrepancies and findings month by month."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import Conflict, Depot, Discrepancy, Finding, Submission
from server.models.sync import SubmissionStatus
from sync.access.principal import Principal
from sync.access.scope import get_depot, visible_depots
from sync.engine.conflicts import list_conflicts
from sync.stock.discrepancies import list_discrepancies
from sync.views.inspection_log import LogFilter, LogRow, inspection_page
from sync.views.questions import Catalogue, SectionScore, catalogue, compliance

COMPLIANCE_DAYS = 365
LIST_LIMIT = 50


@dataclass(frozen=True)
class DepotSummary:
    depot: Depot
    last_inspection: datetime | None
    open_findings: int
    open_discrepancies: int
    awaiting_approval: int
    open_conflicts: int


@dataclass(frozen=True)
class MonthCount:
    month: date  # first day of the month, in the depot's time zone
    discrepancies: int
    findings: int


@dataclass(frozen=True)
class Dashboard:
    depot: Depot
    inspections: list[LogRow]
    findings: list[Finding]
    discrepancies: list[Discrepancy]
    conflicts: list[Conflict]
    compliance: list[SectionScore]
    compliance_inspections: int
    months: list[MonthCount]


def depot_overview(session: Session, principal: Principal) -> list[DepotSummary]:
    principal.require("review.read")
    depots = visible_depots(session, principal)
    ids = [d.id for d in depots]

    def per_depot(model, where) -> dict[int, int]:
        return dict(session.execute(select(model.depot_id, func.count())
                                    .where(model.depot_id.in_(ids), where)
                                    .group_by(model.depot_id)).all())

    findings = per_depot(Finding, Finding.status == "open")
    open_disc = per_depot(Discrepancy, Discrepancy.status != "closed")
    awaiting = per_depot(Discrepancy, Discrepancy.status == "awaiting_approval")
    conflicts = per_depot(Conflict, Conflict.status == "open")
    last = dict(session.execute(select(Submission.depot_id, func.max(Submission.received_at))
                                .where(Submission.depot_id.in_(ids))
                                .group_by(Submission.depot_id)).all())
    return [DepotSummary(d, last.get(d.id), findings.get(d.id, 0), open_disc.get(d.id, 0),
                         awaiting.get(d.id, 0), conflicts.get(d.id, 0)) for d in depots]


def depot_dashboard(session: Session, principal: Principal, code: str, *, language: str,
                    now: datetime, months: int = 12) -> Dashboard:
    depot = get_depot(session, principal, code, "review.read")
    tz = depot.zone()
    inspections = inspection_page(session, principal, LogFilter(depot=depot.code), tz,
                                  per_page=10).rows
    answered = _checklists(session, depot, now)
    return Dashboard(
        depot=depot, inspections=inspections,
        findings=list(session.scalars(select(Finding).where(
            Finding.depot_id == depot.id, Finding.status == "open")
            .order_by(Finding.created_at.desc()).limit(LIST_LIMIT))),
        discrepancies=list_discrepancies(session, principal, status="open",
                                         depot_code=depot.code, limit=LIST_LIMIT),
        conflicts=list_conflicts(session, principal, status="open", depot_code=depot.code,
                                 limit=LIST_LIMIT),
        compliance=compliance(answered, language),
        compliance_inspections=len(answered),
        months=monthly(session, depot, now.astimezone(tz), months))


def _checklists(session: Session, depot: Depot,
                now: datetime) -> list[tuple[str, dict, Catalogue]]:
    """The depot's inspections of the last year (edits, not what they replaced), each with
    what its form says about its questions."""
    rows = session.execute(select(Submission.form_id, Submission.form_version,
                                  Submission.answers).where(
        Submission.depot_id == depot.id, Submission.status != SubmissionStatus.REPLACED,
        Submission.received_at >= now - timedelta(days=COMPLIANCE_DAYS))
        .execution_options(yield_per=200))
    forms: dict[tuple[str, str], Catalogue] = {}
    answered = []
    for form_id, version, answers in rows:
        if (form_id, version) not in forms:
            forms[form_id, version] = catalogue(session, form_id, version)
        answered.append((form_id, answers or {}, forms[form_id, version]))
    return answered


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` months, oldest first, ending with today's."""
    starts, year, month = [], today.year, today.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def monthly(session: Session, depot: Depot, local_now: datetime,
            months: int) -> list[MonthCount]:
    starts = month_starts(local_now.date(), months)
    tz = local_now.tzinfo
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=tz)

    def by_month(column, where) -> Counter:
        rows = session.scalars(select(column).where(where, column >= since))
        return Counter(date(t.astimezone(tz).year, t.astimezone(tz).month, 1) for t in rows)

    opened = by_month(Discrepancy.opened_at, Discrepancy.depot_id == depot.id)
    found = by_month(Finding.created_at, Finding.depot_id == depot.id)
    return [MonthCount(m, opened[m], found[m]) for m in starts]

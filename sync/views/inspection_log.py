"""The inspection log for HQ pages and exports: who may see which submissions (access.py),
filters, sorting, paging, and the facts each row shows (counts, findings, discrepancies,
conflicts, photos still missing). Streaming for exports: rows come a batch at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, cast, exists, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from server.models import (
    AppliedOp,
    Conflict,
    CountEvent,
    Depot,
    Device,
    Discrepancy,
    Finding,
    Submission,
    SubmissionAttachment,
    User,
)
from server.models.sync import SubmissionStatus
from sync.access.principal import Principal
from sync.access.scope import submission_clause, visible_depots
from sync.views.paging import check_page

STATUSES = ("discrepancies", "conflicts", "photos_missing", "flagged", "replaced")
SORTS = ("received", "started", "depot", "form", "inspector")
COUNT_CAP = 10_000  # matching rows counted at most (or up to the page asked for); beyond it
# the page says "more than": a country's log holds 100,000 inspections and a reviewer
# narrows it with the filters, not by reading its exact length


@dataclass(frozen=True)
class LogFilter:
    """What the reader asked for; the same fields travel in the page's URL and its exports.
    Dates are days in the reader's country, inclusive, on the time the server received it."""

    depot: str | None = None
    inspector: int | None = None
    form: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None
    sort: str = "received"
    descending: bool = True


@dataclass(frozen=True)
class LogRow:
    id: str
    instance_id: str
    received_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    form_id: str
    form_version: str
    visit_type: str
    status: str
    depot_code: str | None
    depot_name: str | None
    timezone: str | None
    inspector: str | None
    device: str | None
    counts: int
    findings: int
    discrepancies: int
    conflicts: int
    photos_missing: int


@dataclass(frozen=True)
class Page:
    rows: list[LogRow]
    total: int  # matching rows, or (capped) how many were counted: more match
    page: int
    per_page: int
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Choices:
    depots: list[tuple[str, str]]  # (code, name)
    inspectors: list[tuple[int, str]]  # (user id, name)
    forms: list[str]


def count_in_discrepancy(dialect: str) -> ColumnElement[bool]:
    """SQL: the correlated CountEvent is one of the correlated Discrepancy's counts.
    count_ids is a JSON list; each database has its own way to look inside one."""
    if dialect == "postgresql":
        return cast(Discrepancy.count_ids, JSONB).contains(
            func.jsonb_build_array(CountEvent.id))
    ids = func.json_each(Discrepancy.count_ids).table_valued("value")
    return exists(select(literal(1)).select_from(ids).where(ids.c.value == CountEvent.id))


def _facts(dialect: str) -> dict[str, Any]:
    """Per-submission figures as correlated subqueries (for flags and for row columns)."""
    sid = Submission.id
    discrepancies = (select(func.count(func.distinct(Discrepancy.id))).select_from(Discrepancy)
                     .join(CountEvent, CountEvent.crate_id == Discrepancy.crate_id)
                     .where(CountEvent.submission_id == sid, count_in_discrepancy(dialect)))
    # ops derived from a submission are applied in the batch "submission:<instance id>"
    conflicts = (select(func.count(Conflict.id)).select_from(Conflict)
                 .join(AppliedOp, (AppliedOp.device_id == Conflict.device_id)
                       & (AppliedOp.op_id == Conflict.op_id))
                 .where(Conflict.device_id == Submission.device_id,
                        AppliedOp.batch_id == literal("submission:") + Submission.instance_id))
    return {
        "counts": select(func.count(CountEvent.id)).where(CountEvent.submission_id == sid),
        "findings": select(func.count(Finding.id)).where(Finding.submission_id == sid),
        "discrepancies": discrepancies,
        "conflicts": conflicts,
        "photos_missing": select(func.count(SubmissionAttachment.id)).where(
            SubmissionAttachment.submission_id == sid, SubmissionAttachment.photo_id.is_(None)),
    }


def local_day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _filtered(principal: Principal, flt: LogFilter, tz: tzinfo, facts: dict[str, Any],
              columns: tuple) -> Select:
    query = (select(*columns).select_from(Submission)
             .outerjoin(Depot, Depot.id == Submission.depot_id)
             .outerjoin(User, User.id == Submission.user_id)
             .where(submission_clause(principal)))
    if flt.depot:
        query = query.where(Depot.code == flt.depot.upper())
    if flt.inspector is not None:
        query = query.where(Submission.user_id == flt.inspector)
    if flt.form:
        query = query.where(Submission.form_id == flt.form)
    if flt.date_from:
        query = query.where(Submission.received_at >= local_day_start(flt.date_from, tz))
    if flt.date_to:
        query = query.where(Submission.received_at
                            < local_day_start(flt.date_to + timedelta(days=1), tz))
    if flt.status in ("discrepancies", "conflicts", "photos_missing"):
        query = query.where(facts[flt.status].scalar_subquery() > 0)
    elif flt.status in ("flagged", "replaced"):
        query = query.where(Submission.status == SubmissionStatus(flt.status))
    return query


def _ordered(query: Select, flt: LogFilter) -> Select:
    key = {"received": Submission.received_at, "started": Submission.started_at,
           "depot": Depot.code, "form": Submission.form_id,
           "inspector": User.username}.get(flt.sort, Submission.received_at)
    order = key.desc() if flt.descending else key.asc()
    if key is Submission.received_at:  # never null: the index (received_at, id) serves it
        return query.order_by(order, Submission.id.desc() if flt.descending else Submission.id)
    order = order.nulls_last()  # the same on every database
    tiebreak = Submission.received_at.desc() if flt.descending else Submission.received_at
    return query.order_by(order, tiebreak, Submission.id)


def _row_columns(facts: dict[str, Any]) -> tuple:
    """One labelled column per LogRow field."""
    return (Submission.id, Submission.instance_id, Submission.received_at,
            Submission.started_at, Submission.ended_at, Submission.form_id,
            Submission.form_version, Submission.visit_type, Submission.status,
            Depot.code.label("depot_code"), Depot.name.label("depot_name"),
            Depot.timezone.label("timezone"),
            func.coalesce(func.nullif(User.full_name, ""), User.username).label("inspector"),
            Device.name.label("device"),
            *(query.scalar_subquery().label(name) for name, query in facts.items()))


def _rows_query(session: Session, principal: Principal, flt: LogFilter,
                tz: tzinfo) -> Select:
    facts = _facts(session.get_bind().dialect.name)
    query = _filtered(principal, flt, tz, facts, _row_columns(facts))
    return _ordered(query.outerjoin(Device, Device.id == Submission.device_id), flt)


def _row(values) -> LogRow:
    fields = dict(values._mapping)
    return LogRow(**{**fields, "status": SubmissionStatus(fields["status"]).value})


def inspection_page(session: Session, principal: Principal, flt: LogFilter, tz: tzinfo,
                    *, per_page: int, page: int = 1) -> Page:
    facts = _facts(session.get_bind().dialect.name)
    matching = _filtered(principal, flt, tz, facts, (Submission.id,))
    cap = max(COUNT_CAP, page * per_page)
    counted = session.scalar(select(func.count()).select_from(matching.limit(cap + 1)
                                                              .subquery()))
    total, capped = min(counted, cap), counted > cap
    check_page(page, total, per_page)
    # the page's ids first, then its rows: the per-row facts are counted for these rows only,
    # not for every row before the offset
    on_page = _ordered(matching, flt).limit(per_page).offset((page - 1) * per_page)
    query = _rows_query(session, principal, flt, tz).where(Submission.id.in_(on_page))
    return Page([_row(r) for r in session.execute(query)], total, page, per_page, capped)


def inspection_rows(session: Session, principal: Principal, flt: LogFilter, tz: tzinfo,
                    batch: int = 500) -> Iterator[LogRow]:
    """Every row of the filtered log, fetched `batch` at a time (for streamed exports)."""
    query = _rows_query(session, principal, flt, tz).execution_options(yield_per=batch)
    for values in session.execute(query):
        yield _row(values)


def log_choices(session: Session, principal: Principal) -> Choices:
    """What the filters offer: depots in scope, the people and forms seen in the log. Read
    from the indexes (depot, user) and (depot, form), a step per value seen in each depot,
    rather than from every submission; the few that named no depot are read as they are."""
    depots = visible_depots(session, principal)
    own = None if principal.can("inspections.read") else principal.user_id
    no_depot = session.execute(select(Submission.user_id, Submission.form_id).distinct().where(
        Submission.depot_id.is_(None), submission_clause(principal))).all()
    users = _seen(session, Submission.user_id, depots, own) | {u for u, _ in no_depot}
    forms = _seen(session, Submission.form_id, depots, own) | {f for _, f in no_depot}
    inspectors = session.execute(
        select(User.id, func.coalesce(func.nullif(User.full_name, ""), User.username))
        .where(User.id.in_(users - {None})).order_by(User.username))
    return Choices(depots=[(d.code, d.name) for d in depots],
                   inspectors=[(uid, name) for uid, name in inspectors], forms=sorted(forms))


def _seen(session: Session, column, depots: list[Depot], user_id: int | None) -> set:
    """The distinct values of a submissions column in these depots (only user_id's
    submissions when given), by a loose index scan: a recursive query whose every step asks
    the index for the next value after the last one found."""
    if not depots:
        return set()
    inner = Submission.__table__.alias("seen_in")

    def following(depot_id, after):
        query = select(func.min(inner.c[column.key])).where(inner.c.depot_id == depot_id)
        if after is not None:
            query = query.where(inner.c[column.key] > after)
        if user_id is not None:
            query = query.where(inner.c.user_id == user_id)
        return query.scalar_subquery()

    start = select(Depot.id.label("depot_id"), following(Depot.id, None).label("value")).where(
        Depot.id.in_([d.id for d in depots]))
    walk = start.cte("walk", recursive=True)
    walk = walk.union_all(select(walk.c.depot_id, following(walk.c.depot_id, walk.c.value))
                          .where(walk.c.value.is_not(None)))
    return set(session.scalars(select(walk.c.value).where(walk.c.value.is_not(None))))

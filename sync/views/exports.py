"""Exports of the inspection log and of discrepancies, as filtered on screen: a header and rows
of plain values, read from the database a batch at a time. Serial lists leave only with roles
allowed them; text that a spreadsheet would run as a formula is defused; every export is
audited."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session, aliased

from server.db import zone
from server.models import Depot, Discrepancy, User
from sync.access.principal import Principal
from sync.journal.restricted import redact_serials
from sync.journal.trail import Actor, record_audit
from sync.stock.discrepancies import discrepancies_query
from sync.views.inspection_log import LogFilter, LogRow, inspection_rows

INSPECTION_COLUMNS = ("instance_id", "received_at", "depot", "form_id", "form_version",
                      "visit_type", "inspector", "device", "started_at", "ended_at", "status",
                      "counts", "findings", "discrepancies", "conflicts", "photos_missing")
DISCREPANCY_COLUMNS = ("id", "depot", "crate", "kind", "status", "opened_at", "book_quantity",
                       "observed_quantity", "details", "investigation_notes", "outcome",
                       "adjustment", "cause", "proposed_by", "approved_by", "closed_at",
                       "movement_id")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# characters no XLSX cell may hold (openpyxl refuses them): shown as U+FFFD
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Export:
    columns: tuple[str, ...]
    rows: Iterator[list[Any]]


def safe_cell(value: Any) -> Any:
    """Text starting like a formula (after spaces, or in full-width forms) gets a leading
    apostrophe, so a spreadsheet shows it instead of running it (an inspector's note must
    never become =HYPERLINK(...)); control characters no cell may hold become U+FFFD."""
    if not isinstance(value, str):
        return value
    value = CONTROL.sub("\ufffd", value)
    if value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def local_iso(moment: datetime | None, *zones: str | tzinfo | None) -> str:
    """A moment in the first usable zone of zones (the depot's, then the reader's country's)."""
    if moment is None:
        return ""
    return moment.astimezone(zone(*zones)).isoformat(timespec="seconds")


def _audit(session: Session, principal: Principal, what: str, filters: dict[str, Any],
           restricted: bool, now: datetime) -> None:
    record_audit(session, Actor.of(principal), f"export.{what}", now=now,
                 entity="export", entity_id=what, country_code=principal.country_code,
                 details={"filters": filters, "restricted": restricted})


def inspection_export(session: Session, principal: Principal, flt: LogFilter, tz: tzinfo, *,
                      now: datetime) -> Export:
    """Checked and audited now; rows are read as the caller iterates."""
    principal.require("export")
    _audit(session, principal, "inspections", asdict(flt), False, now)

    def rows() -> Iterator[list[Any]]:
        for r in inspection_rows(session, principal, flt, tz):
            yield [safe_cell(v) for v in _inspection_values(r, tz)]

    return Export(INSPECTION_COLUMNS, rows())


def _inspection_values(r: LogRow, reader: tzinfo) -> list[Any]:
    tz = zone(r.timezone, reader)
    return [r.instance_id, local_iso(r.received_at, tz), r.depot_code or "",
            r.form_id, r.form_version, r.visit_type, r.inspector or "", r.device or "",
            local_iso(r.started_at, tz), local_iso(r.ended_at, tz), r.status,
            r.counts, r.findings, r.discrepancies, r.conflicts, r.photos_missing]


def discrepancy_export(session: Session, principal: Principal, reader: tzinfo, *,
                       status: str | None, depot_code: str | None, now: datetime) -> Export:
    principal.require("export")
    restricted = principal.can("export.restricted")
    _audit(session, principal, "discrepancies", {"status": status, "depot": depot_code},
           restricted, now)
    proposer, approver = aliased(User), aliased(User)
    query = (discrepancies_query(principal, status=status, depot_code=depot_code)
             .add_columns(Depot.code, Depot.timezone, proposer.username, approver.username)
             .outerjoin(proposer, proposer.id == Discrepancy.proposed_by)
             .outerjoin(approver, approver.id == Discrepancy.approved_by)
             .execution_options(yield_per=500))

    def rows() -> Iterator[list[Any]]:
        for d, depot, tz, proposed, approved in session.execute(query):
            yield [safe_cell(v) for v in _discrepancy_values(d, depot, zone(tz, reader),
                                                             proposed, approved,
                                                             restricted)]

    return Export(DISCREPANCY_COLUMNS, rows())


def _discrepancy_values(d: Discrepancy, depot: str, tz: tzinfo, proposed: str | None,
                        approved: str | None, restricted: bool) -> list[Any]:
    return [d.id, depot, d.crate.label_id, d.kind, d.status, local_iso(d.opened_at, tz),
            d.book_quantity, d.observed_quantity,
            json.dumps(redact_serials(d.details or {}, restricted), ensure_ascii=False,
                       sort_keys=True),
            len(d.investigation or ()), d.outcome or "", d.adjustment, d.cause,
            proposed or "", approved or "", local_iso(d.closed_at, tz), d.movement_id or ""]


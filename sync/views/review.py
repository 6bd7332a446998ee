"""What the HQ review pages show around one conflict or discrepancy (the crate, the people,
the counts), and a conflict resolved from a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Conflict, CountEvent, Crate, Device, Discrepancy, Movement
from sync.access.principal import Principal
from sync.engine.conflicts import get_conflict, list_conflicts, resolve_conflict
from sync.engine.crates import crate_state
from sync.journal.restricted import SERIALS, redact_serials, serials_shown
from sync.people.staff import display_names
from sync.stock.discrepancies import get_discrepancy


@dataclass(frozen=True)
class ConflictView:
    conflict: Conflict
    crate: Crate
    current: Any  # the field's value on the master now
    device: Device | None
    names: dict[int, str]


@dataclass(frozen=True)
class DiscrepancyView:
    discrepancy: Discrepancy
    details: dict[str, Any]  # serial lists only for roles that may read them
    counts: list[CountEvent]
    movement: Movement | None
    names: dict[int, str]


@dataclass(frozen=True)
class QueuedConflict:
    conflict: Conflict
    crate: Crate


def conflict_queue(session: Session, principal: Principal, *, status: str | None,
                   depot_code: str | None, limit: int, offset: int) -> list[QueuedConflict]:
    """list_conflicts() with each conflict's crate (label, depot) loaded in one query."""
    rows = list_conflicts(session, principal, status=status, depot_code=depot_code,
                          limit=limit, offset=offset)
    crates = {c.id: c for c in session.scalars(select(Crate).where(
        Crate.id.in_(sorted({r.entity_id for r in rows}))))}
    return [QueuedConflict(r, crates[r.entity_id]) for r in rows]


def conflict_view(session: Session, principal: Principal, conflict_id: str) -> ConflictView:
    conflict = get_conflict(session, principal, conflict_id)
    crate = session.get(Crate, conflict.entity_id)
    return ConflictView(
        conflict=conflict, crate=crate, current=crate_state(crate).get(conflict.field),
        device=session.get(Device, conflict.device_id) if conflict.device_id else None,
        names=display_names(session, {conflict.user_id, conflict.resolved_by}))


def typed_value(field: str, text: str) -> Any:
    """A value typed in a form, in the type the crate field holds (tags: comma-separated;
    an empty custody field: none)."""
    if field == "tags":
        return sorted({t.strip() for t in text.split(",") if t.strip()})
    if field == "notes":
        return text
    return text.strip() or None


def resolve_typed(session: Session, principal: Principal, conflict_id: str, *, choose: str,
                  reason: str, text: str, now: datetime) -> Conflict:
    """resolve_conflict() with the value as a person typed it."""
    field = get_conflict(session, principal, conflict_id, "conflicts.resolve").field
    value = typed_value(field, text) if choose == "value" else None
    return resolve_conflict(session, principal, conflict_id, choose=choose, reason=reason,
                            value=value, now=now)


def discrepancy_view(session: Session, principal: Principal, discrepancy_id: str, *,
                     now: datetime) -> DiscrepancyView:
    """The discrepancy, if in scope. Showing its serial lists is a restricted read, audited."""
    found = get_discrepancy(session, principal, discrepancy_id)
    shown = serials_shown(session, principal, entity="discrepancy", entity_id=found.id,
                          depot_id=found.depot_id, present=SERIALS in (found.details or {}),
                          now=now)
    details = redact_serials(found.details or {}, shown)
    counts = list(session.scalars(select(CountEvent).where(
        CountEvent.id.in_(list(found.count_ids or ()))).order_by(CountEvent.received_at)))
    return DiscrepancyView(
        discrepancy=found, details=details, counts=counts,
        movement=session.get(Movement, found.movement_id) if found.movement_id else None,
        names=display_names(session, {found.proposed_by, found.approved_by}
                       | {c.user_id for c in counts}))

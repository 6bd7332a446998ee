"""What phones pull: a snapshot of their depots' crates, then the change log since a cursor.

A phone's own writes are not echoed: a record whose latest change in the page came from the
asking device is left out (the push already answered with its state). Cursors older than the
compaction horizon must refetch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from server.errors import AppError
from server.models import AmmoLot, Change, Conflict, Crate, SyncState, VoucherProposal, Weapon
from sync.access.principal import Principal
from sync.access.scope import book_fields_hidden, visible_depots
from sync.engine.crates import state_rows
from sync.stock.ledger import IN_DEPOT


class MustRefetch(AppError):
    status, code = 410, "must_refetch"


@dataclass
class Page:
    crates: list[dict[str, Any]] = field(default_factory=list)
    lots: dict[int, dict[str, Any]] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    held_vouchers: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0  # change-log position this page brings the phone to
    after_id: str | None = None  # snapshot position (None once the snapshot is done)
    more: bool = False


def horizon(session: Session) -> int:
    return session.scalar(select(SyncState.horizon_seq).where(SyncState.id == 1)) or 0


def head_seq(session: Session) -> int:
    return session.scalar(select(func.max(Change.seq))) or 0


def pull_snapshot(session: Session, principal: Principal, *, seq: int | None,
                  after_id: str | None, limit: int) -> Page:
    """Every live crate of the phone's depots, by id; then the log from `seq` on."""
    principal.require("inventory.read")
    seq = head_seq(session) if seq is None else seq
    depot_ids = [d.id for d in visible_depots(session, principal)]
    where = [Crate.depot_id.in_(depot_ids), Crate.deleted_at.is_(None)]
    if after_id:
        where.append(Crate.id > after_id)
    rows = list(state_rows(session, *where, limit=limit + 1))
    page = Page(seq=seq, more=len(rows) > limit)
    rows = rows[:limit]
    page.after_id = rows[-1][0]["id"] if page.more else None
    _fill(session, page, rows)
    page.conflicts = _own_conflicts(session, principal)
    page.held_vouchers = _own_held_vouchers(session, principal)
    return _for_reader(session, principal, page)


def pull_changes(session: Session, principal: Principal, *, since: int, limit: int) -> Page:
    principal.require("inventory.read")
    if since < horizon(session):
        raise MustRefetch("This phone was away longer than the server keeps changes: pull "
                          "again without a cursor.", horizon=horizon(session))
    depot_ids = [d.id for d in visible_depots(session, principal)]
    rows = session.execute(select(Change.seq, Change.entity, Change.entity_id, Change.device_id)
                           .where(Change.seq > since, Change.depot_id.in_(depot_ids),
                                  Change.entity == "crate")
                           .order_by(Change.seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    latest: dict[str, str | None] = {}
    for row in rows:
        latest[row.entity_id] = row.device_id
    wanted = [cid for cid, device in latest.items() if device != principal.device_id]
    page = Page(seq=rows[-1].seq if rows else since, more=more)
    _fill(session, page, list(state_rows(session, Crate.id.in_(wanted))) if wanted else [])
    page.conflicts = _own_conflicts(session, principal)
    page.held_vouchers = _own_held_vouchers(session, principal)
    return _for_reader(session, principal, page)


def _for_reader(session: Session, principal: Principal, page: Page) -> Page:
    """A blind counter's phone gets the crates without their book figures."""
    hidden = book_fields_hidden(session, principal)
    if hidden:
        page.lots = {}
        for crate in page.crates:
            for name in hidden:
                crate.pop(name, None)
    return page


def _fill(session: Session, page: Page, rows: list[tuple[dict[str, Any], bool]]) -> None:
    weapon_crates = [state["id"] for state, _ in rows if state["kind"] == "weapon_crate"]
    weapons: dict[str, list[list[str]]] = defaultdict(list)
    if weapon_crates:
        for w in session.execute(select(Weapon.crate_id, Weapon.id, Weapon.manufacturer,
                                        Weapon.model, Weapon.serial)
                                 .where(Weapon.crate_id.in_(weapon_crates),
                                        Weapon.status.in_(IN_DEPOT))
                                 .order_by(Weapon.serial)):
            weapons[w.crate_id].append([w.id, w.manufacturer, w.model, w.serial])
    lot_ids = {state["lot"] for state, _ in rows if state["lot"]}
    for state, deleted in rows:
        if deleted:
            page.crates.append({"id": state["id"], "deleted": True, "version": state["version"]})
            continue
        item = {k: v for k, v in state.items() if v is not None and v != "" and v != []}
        if state["id"] in weapons:
            item["weapons"] = weapons[state["id"]]
        page.crates.append(item)
    if lot_ids:
        for lot in session.scalars(select(AmmoLot).where(AmmoLot.id.in_(lot_ids))
                                   .options(selectinload(AmmoLot.item_type))):
            page.lots[lot.id] = {
                "lot_number": lot.lot_number, "state": lot.lot_state.value,
                "nature": lot.item_type.nature, "calibre": lot.item_type.calibre,
                "type": lot.item_type.type, "hazard": lot.item_type.hazard_code,
                "condition": lot.condition.value, "suspended": lot.suspended}


def _own_conflicts(session: Session, principal: Principal) -> list[dict[str, Any]]:
    if principal.device_id is None:
        return []
    rows = session.scalars(select(Conflict).where(Conflict.device_id == principal.device_id,
                                                  Conflict.status == "open")
                           .order_by(Conflict.created_at).limit(500))
    return [{"id": c.id, "crate_id": c.entity_id, "field": c.field, "server": c.server_value,
             "phone": c.phone_value, "reason": c.reason, "op_id": c.op_id} for c in rows]


def _own_held_vouchers(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Vouchers this phone proposed that were held for review, and why."""
    if principal.device_id is None:
        return []
    rows = session.scalars(select(VoucherProposal).where(
        VoucherProposal.device_id == principal.device_id, VoucherProposal.status == "held")
        .order_by(VoucherProposal.proposed_at).limit(500))
    return [{"id": p.id, "op_id": p.payload.get("op_id"), "type": p.payload["type"],
             "reason": p.decision_note} for p in rows]


def cursor_after_push(session: Session, principal: Principal, since: int | None) -> int | None:
    """Move the phone's cursor over its own writes, but never past another's change."""
    if since is None:
        return None
    session.flush()
    depot_ids = [d.id for d in visible_depots(session, principal)]
    own = session.scalar(select(func.max(Change.seq)).where(
        Change.seq > since, Change.device_id == principal.device_id))
    if own is None:
        return since
    others = session.scalar(select(func.min(Change.seq)).where(
        Change.seq > since, Change.seq <= own, Change.depot_id.in_(depot_ids),
        Change.entity == "crate",
        (Change.device_id != principal.device_id) | Change.device_id.is_(None)))
    return own if others is None else others - 1


def compact_changes(session: Session, *, older_than: datetime, now: datetime) -> int:
    """Drop change rows older than the horizon; cursors from before it must refetch."""
    cut = session.scalar(select(func.max(Change.seq)).where(Change.at < older_than))
    if cut is None:
        return 0
    removed = session.execute(delete(Change).where(Change.seq <= cut)).rowcount
    state = session.get(SyncState, 1) or SyncState(id=1)
    state.horizon_seq, state.compacted_at = max(state.horizon_seq or 0, cut), now
    session.add(state)
    return removed

"""Conflicts: fields a phone changed that could not merge, kept for a person to decide.
A resolution is an ordinary versioned change, so it flows to every phone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import new_uuid
from server.errors import Conflict as ConflictError
from server.errors import InvalidInput
from server.models import Conflict, Crate, Depot
from sync.access.principal import Principal
from sync.access.scope import get_in_scope
from sync.engine import crates as wire
from sync.engine.merge import IDENTITY_FIELDS
from sync.engine.types import OpIn
from sync.journal.trail import Actor, record_audit, record_change

CHOICES = ("server", "phone", "value")


def open_conflicts(session: Session, crate: Crate, server: dict[str, Any], op: OpIn,
                   refused: dict[str, str], *, actor: Actor, now: datetime) -> list[Conflict]:
    if not refused:
        return []
    rows = [Conflict(id=new_uuid(), entity="crate", entity_id=crate.id,
                     depot_id=crate.depot_id, field=name,
                     base_value=op.base.get(name), server_value=server.get(name),
                     phone_value=op.set[name], base_version=op.base_version,
                     server_version=crate.version, reason=reason, op_id=op.op_id,
                     device_id=actor.device_id, user_id=actor.user_id, created_at=now,
                     status="open")
            for name, reason in sorted(refused.items())]
    session.add_all(rows)
    return rows


def get_conflict(session: Session, principal: Principal, conflict_id: str,
                 permission: str = "review.read") -> Conflict:
    return get_in_scope(session, principal, Conflict, conflict_id, permission, "conflict")


def resolve_conflict(session: Session, principal: Principal, conflict_id: str, *, choose: str,
                     reason: str, value: Any = None, now: datetime) -> Conflict:
    """Decide a conflict: keep the server's value, take the phone's, or set another. The
    crate's version moves on even when the server's value stays, so phones that hold the
    phone's value are corrected on their next pull."""
    conflict = get_conflict(session, principal, conflict_id, "conflicts.resolve")
    if conflict.status != "open":
        raise ConflictError("This conflict was already resolved.", conflict_id=conflict_id)
    if choose not in CHOICES:
        raise InvalidInput("choose is server, phone or value.", choose=choose)
    if not (reason or "").strip():
        raise InvalidInput("A resolution needs a reason.")
    crate = session.scalar(select(Crate).where(Crate.id == conflict.entity_id)
                           .with_for_update(of=Crate).execution_options(populate_existing=True))
    decided = {"server": wire.crate_state(crate).get(conflict.field),
               "phone": conflict.phone_value, "value": value}[choose]
    if conflict.field in IDENTITY_FIELDS and choose != "server":
        raise InvalidInput("Identity and stock are not changed by resolving a conflict: "
                           "relabel the crate or post a ledger movement instead.",
                           field=conflict.field)
    wire.check_values({conflict.field: decided})
    wire.write_fields(session, crate, {conflict.field: decided})
    crate.version += 1
    crate.updated_at = now
    actor = Actor.of(principal)
    record_change(session, "crate", crate, actor=actor, now=now)
    conflict.status, conflict.resolution = "resolved", choose
    conflict.resolved_value, conflict.resolution_reason = decided, reason.strip()
    conflict.resolved_by, conflict.resolved_at = principal.user_id, now
    record_audit(session, actor, "conflict.resolve", now=now, entity="conflict",
                 entity_id=conflict.id, country_code=principal.country_code,
                 depot_id=conflict.depot_id,
                 details={"crate": crate.label_id, "field": conflict.field, "choose": choose,
                          "value": decided, "reason": reason.strip()})
    return conflict


def list_conflicts(session: Session, principal: Principal, *, status: str | None = "open",
                   depot_code: str | None = None, limit: int = 100,
                   offset: int = 0) -> list[Conflict]:
    principal.require("review.read")
    query = (select(Conflict).join(Depot, Depot.id == Conflict.depot_id)
             .where(Depot.country_code == principal.country_code,
                    principal.depot_clause(Conflict.depot_id))
             .order_by(Conflict.created_at.desc(), Conflict.id).limit(limit).offset(offset))
    if status:
        query = query.where(Conflict.status == status)
    if depot_code:
        query = query.where(Depot.code == depot_code)
    return list(session.scalars(query))

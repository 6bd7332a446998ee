"""The journal: change-log rows for versioned records and the hash-chained audit trail.

Writers serialize from their first journal row until commit, so change seqs are handed out in
commit order and a puller that has seen seq N can never later miss a seq below N.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from server.models import AuditEvent, Change

JOURNAL_LOCK = 0x6465706F74  # one PostgreSQL advisory lock for every journal writer
GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, maybe through one of their devices; neither for the system."""

    user_id: int | None = None
    device_id: str | None = None


SYSTEM = Actor()


def canonical(value: Any) -> str:
    """The bytes a hash covers: sorted keys, no spaces, datetimes as UTC ISO strings."""

    def default(obj: Any) -> Any:
        if isinstance(obj, datetime):
            return obj.astimezone(UTC).isoformat()
        return str(obj)

    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=default)


def chain_hash(prev_hash: str, content: Any) -> str:
    return hashlib.sha256((prev_hash + canonical(content)).encode()).hexdigest()


def serialize_writers(session: Session) -> None:
    """Hold the journal lock until this transaction ends. SQLite needs nothing: every
    transaction there begins IMMEDIATE and so already holds the database's write lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # Taken again on every call: re-entrant and cheap, and still held if the savepoint that
    # first took it was rolled back.
    session.execute(select(func.pg_advisory_xact_lock(JOURNAL_LOCK)))


def record_change(session: Session, entity: str, record: Any, *, actor: Actor, now: datetime,
                  op: str = "upsert") -> None:
    """Log the current version of a versioned record (crate, weapon…) for phones to pull."""
    record_changes(session, entity, [(str(record.id), record.depot_id, record.version)],
                   actor=actor, now=now, op=op)


def record_changes(session: Session, entity: str, rows: Iterable[tuple[str, int | None, int]], *,
                   actor: Actor, now: datetime, op: str = "upsert") -> None:
    """Bulk form of record_change: rows of (entity_id, depot_id, version), one INSERT."""
    values = [{"entity": entity, "entity_id": eid, "depot_id": depot_id, "version": version,
               "op": op, "at": now, "user_id": actor.user_id, "device_id": actor.device_id}
              for eid, depot_id, version in rows]
    if not values:
        return
    serialize_writers(session)
    session.flush()
    session.execute(insert(Change), values)


def audit_content(event: AuditEvent) -> dict[str, Any]:
    return {"at": event.at, "user_id": event.user_id, "device_id": event.device_id,
            "country_code": event.country_code, "depot_id": event.depot_id,
            "action": event.action, "entity": event.entity, "entity_id": event.entity_id,
            "details": event.details}


def record_audit(session: Session, actor: Actor, action: str, *, now: datetime, entity: str = "",
                 entity_id: str = "", country_code: str | None = None,
                 depot_id: int | None = None, details: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to the audit trail, chained to the previous one."""
    serialize_writers(session)
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev = prev or GENESIS
    event = AuditEvent(at=now, user_id=actor.user_id, device_id=actor.device_id,
                       country_code=country_code, depot_id=depot_id, action=action,
                       entity=entity, entity_id=str(entity_id),
                       details=json.loads(canonical(details or {})), prev_hash=prev)
    event.hash = chain_hash(prev, audit_content(event))
    session.add(event)
    session.flush()
    return event


def verify_audit(session: Session) -> list[str]:
    """Walk the audit trail; name every event whose chain link or content was altered."""
    problems, prev = [], GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(
            yield_per=1000)):
        if event.prev_hash != prev:
            problems.append(f"audit event {event.id}: chain broken (prev_hash does not match)")
        if chain_hash(event.prev_hash, audit_content(event)) != event.hash:
            problems.append(f"audit event {event.id} ({event.action}): content altered")
        prev = event.hash
    return problems

"""The journal: change-log rows for versioned records and the hash-chained audit trail.

Change writers serialize from their first change row until commit, so change seqs are handed
out in commit order and a puller that has seen seq N can never later miss a seq below N.
Audit events are chained per depot (else per country, else globally), each chain with a
stored head, so deleting a chain's last events is detected as surely as altering one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from server.models import AuditEvent, AuditHead, Change, Depot
from sync.access.principal import Principal
from sync.journal.chains import Progress, check_chains
from sync.journal.digest import json_value, plain, row_hash

JOURNAL_LOCK = 0x6465706F74  # one PostgreSQL advisory lock for every journal writer
GENESIS = "0" * 64
PENDING = "audit_pending"  # session.info key: the events of the audit_batch in progress


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, maybe through one of their devices; neither for the system."""

    user_id: int | None = None
    device_id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        """The principal of a request or command: its user, through its device if any."""
        return cls(user_id=principal.user_id, device_id=principal.device_id)


SYSTEM = Actor()


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.astimezone(UTC).isoformat()
    return str(obj)


# what json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default) builds
# on every call, built once (a push hashes every op and every audit event)
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_default).encode


def canonical(value: Any) -> str:
    """The bytes a hash covers: sorted keys, no spaces, datetimes as UTC ISO strings."""
    return _canonical(value)


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
    session.execute(insert(Change.__table__), values)  # Core: the ORM's bulk path costs more


AUDIT_FIELDS = ("at", "user_id", "device_id", "country_code", "depot_id", "action", "entity",
                "entity_id", "details")  # what an audit event's hash covers


def chain_key(depot_id: int | None, country_code: str | None) -> str:
    """Which audit chain an event joins: its depot's, else its country's, else the global one
    ("-", which also holds every event written before the chains were split)."""
    if depot_id is not None:
        return f"d:{depot_id}"
    return f"c:{country_code}" if country_code else "-"


HEADS = AuditHead.__table__


def _lock_head(session: Session, chain: str) -> tuple[int, str]:
    """The chain's stored head (seq, hash), created at genesis if new, locked until the
    transaction ends (writers of other chains do not wait). One statement: an upsert whose
    no-op update takes the row lock and returns the head as it stands (Core, not the ORM:
    nothing in a writing request reads a head object)."""
    dialect = session.get_bind().dialect.name
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(HEADS).values(
        chain=chain, seq=0, hash=GENESIS)
    upsert = upsert.on_conflict_do_update(index_elements=["chain"],
                                          set_={"chain": upsert.excluded.chain})
    seq, digest = session.execute(upsert.returning(HEADS.c.seq, HEADS.c.hash)).one()
    return seq, digest


def record_audit(session: Session, actor: Actor, action: str, *, now: datetime, entity: str = "",
                 entity_id: str = "", country_code: str | None = None,
                 depot_id: int | None = None, details: dict[str, Any] | None = None) -> None:
    """Append one event to its chain (depot, country or global), moving the chain's head; in
    an audit_batch, when the batch ends. The event is kept as its row's values (a dict, not
    an ORM object: a push records one an op, and nothing reads them back before commit)."""
    event = {"at": now, "user_id": actor.user_id, "device_id": actor.device_id,
             "country_code": country_code, "depot_id": depot_id, "action": action,
             "entity": entity, "entity_id": str(entity_id),
             "details": json.loads(canonical(details or {})),
             "chain": chain_key(depot_id, country_code)}
    pending = session.info.get(PENDING)
    if pending is None:
        _append(session, [event])
    else:
        real = session() if isinstance(session, scoped_session) else session
        # begun here if need be (no statement is sent): a rollback must find it to drop it
        pending.append((real.get_nested_transaction() or real.get_transaction()
                        or real.begin(), event))


@contextlib.contextmanager
def audit_batch(session: Session) -> Iterator[None]:
    """Audit events recorded inside are chained and written together when the block ends:
    per chain one head lock, one insert and one head update, instead of three statements an
    event; and a chain's head stays locked only from then to commit, so writers to the same
    depot queue for that tail, not for the whole request. An event recorded inside a
    savepoint that rolls back goes with it. Re-entrant: the outermost block writes. Nothing
    inside reads the audit trail (it is not written yet)."""
    if PENDING in session.info:
        yield
        return
    session.info[PENDING] = []
    try:
        yield
        events = [event for _tx, event in session.info[PENDING]]
    finally:
        del session.info[PENDING]
    if events:
        _append(session, events)


def batch_until_commit(session: Session) -> None:
    """Batch every audit event of this session from now on, each transaction's written just
    before it commits (_write_at_commit): what a web request's session does (server/app.py).
    So a transaction locks its audit heads last, after the journal lock of any change it logs,
    in one order for every door (a writer taking them the other way round could deadlock
    with one that logs changes), and holds them only for its last statements."""
    session.info.setdefault(PENDING, [])


@listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    """The batched events of a transaction about to commit (not a savepoint's release), so
    that none is left unwritten by a commit inside an audit_batch either."""
    pending = session.info.get(PENDING)
    if not pending or session.get_nested_transaction() is not None:
        return
    events = [event for _tx, event in pending]
    pending.clear()
    _append(session, events)


@listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    """Drop the batched events recorded inside the savepoint (or transaction) that rolled
    back, as the database drops the rows a savepoint wrote."""
    pending = session.info.get(PENDING)
    if not pending:
        return
    boundary = transaction
    while boundary.parent is not None and not boundary.nested:
        boundary = boundary.parent  # a flush's inner transaction rolls back its savepoint
    pending[:] = [(tx, e) for tx, e in pending if not _inside(tx, boundary)]


def _inside(tx: SessionTransaction | None, boundary: SessionTransaction) -> bool:
    if tx is None:
        return boundary.parent is None
    while tx is not None:
        if tx is boundary:
            return True
        tx = tx.parent
    return False


def _append(session: Session, events: list[dict[str, Any]]) -> None:
    """Chain the events, in the order they were recorded, onto their chains' heads (locked
    in chain order, so two writers of the same chains cannot deadlock); one executemany."""
    session.flush()  # what the events name is written before the heads are locked
    for chain in sorted({e["chain"] for e in events}):
        seq, digest = _lock_head(session, chain)
        for link in (e for e in events if e["chain"] == chain):
            seq += 1
            link["prev_hash"], link["chain_seq"] = digest, seq
            digest = link["hash"] = chain_hash(digest, {f: link[f] for f in AUDIT_FIELDS})
        session.execute(update(HEADS).where(HEADS.c.chain == chain).values(seq=seq, hash=digest))
    session.execute(insert(AuditEvent.__table__), events)


def chain_name(session: Session, chain: str) -> str:
    if chain.startswith("d:"):
        depot = session.get(Depot, int(chain[2:]))
        return f"depot {depot.country_code}-{depot.code}" if depot else f"depot #{chain[2:]}"
    return f"country {chain[2:]}" if chain.startswith("c:") else "global"


def verify_audit(session: Session, progress: Progress | None = None, *, workers: int = 1,
                 pool: Executor | None = None) -> list[str]:
    """Walk every audit chain against its stored head; name each altered event, each gap and
    the entries missing from a chain's end. workers > 1 (or a pool) walks chains in parallel
    processes (see sync/journal/chains.py)."""
    session.expire_all()
    heads = {h.chain: (h.seq, h.hash) for h in session.scalars(select(AuditHead))}
    chains = sorted(set(heads) | set(session.scalars(select(AuditEvent.chain).distinct())))
    return check_chains(session, "Audit chains",
                        [(chain, chain_name(session, chain), heads.get(chain)) for chain in chains],
                        verify_chain, progress=progress, workers=workers, pool=pool)


def verify_chain(session: Session, chain: tuple[str, str, tuple[int, str] | None]) -> list[str]:
    """One audit chain, (key, name, stored head), walked whole in chain order."""
    key, name, head = chain
    problems, prev, seq = [], GENESIS, 0
    t = AuditEvent.__table__  # plain rows, streamed: a national trail holds millions
    events = session.execute(
        select(t.c.id, t.c.chain_seq, t.c.prev_hash, t.c.hash,
               *(plain(t.c[f]) for f in AUDIT_FIELDS))
        .where(t.c.chain == key).order_by(t.c.chain_seq).execution_options(yield_per=5000))
    for event_id, chain_seq, prev_hash, digest, *values in events:
        if chain_seq != seq + 1:
            problems.append(f"{name} audit chain: events #{seq + 1}..#{chain_seq - 1} missing")
        elif prev_hash != prev:
            problems.append(f"audit event {event_id}: chain broken (prev_hash does not match)")
        content = dict(zip(AUDIT_FIELDS, values, strict=True))
        try:
            content["details"] = json_value(content["details"])
        except ValueError:  # not JSON (SQLite keeps any text): it was not written so
            content = None
        if content is None or row_hash(prev_hash, content) != digest:
            action = values[AUDIT_FIELDS.index("action")]
            problems.append(f"audit event {event_id} ({action}): content altered")
        prev, seq = digest, chain_seq
    if head is None:
        problems.append(f"{name} audit chain: its stored head is missing")
    elif head[0] > seq:
        problems.append(f"{name} audit chain: the last {head[0] - seq} event(s), "
                        f"#{seq + 1}..#{head[0]}, are missing (the stored head is #{head[0]})")
    elif head != (seq, prev):
        problems.append(f"{name} audit chain: the stored head does not match its last event "
                        f"#{seq}")
    return problems

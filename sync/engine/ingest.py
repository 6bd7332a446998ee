"""apply_batch(): the push. Idempotent per (device, op_id); one savepoint per op, so a bad op
never fails its neighbours; an op whose same-device predecessor on the record has not arrived
is held, and released in order when it does."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from server.errors import AppError, NotFound
from server.models import AppliedOp, HeldOp, OpIncident
from sync.access.principal import Principal
from sync.engine import crates as wire
from sync.engine.batch import Answer, Batch, StagedWriteFailed
from sync.engine.ops import CHANGES_CRATES, HANDLERS, SAVEPOINTED, Blocked, OpRejected
from sync.engine.types import BatchIn, BatchResult, OpIn, OpOutcome, op_from_payload
from sync.journal.trail import audit_batch, canonical, record_audit, record_changes
from sync.stock.counts import CountBook, note_counts


def payload_hash(op: OpIn) -> str:
    return hashlib.sha256(canonical(op.raw).encode()).hexdigest()


def apply_batch(session: Session, principal: Principal, batch: BatchIn, *,
                now: datetime, audited: bool = True) -> BatchResult:
    """Apply one pushed batch. The caller commits once; a database failure propagates and the
    whole batch rolls back, so the phone's retry is clean.

    Ops are decided in memory and their rows written in bulk. Should the bulk write fail
    (a row the checks let through but the database refuses), the batch runs again with a
    savepoint per op, so that one bad op is rejected alone.

    ``audited=False``: the caller records the batch in an audit event of its own (a
    submission's derived ops go in its "submission.accept", with tally(result)), so the batch
    writes no "sync.push" event to the country's chain."""
    principal.require("sync.push")
    with audit_batch(session):  # an op's audit event is written with the others at the end
        try:
            with session.begin_nested():
                result = _apply(session, principal, batch, now, safe=False, audited=audited)
        except (IntegrityError, DataError, StagedWriteFailed):
            result = _apply(session, principal, batch, now, safe=True, audited=audited)
    if not batch.refused:
        return result
    results = list(result.results)
    for index, outcome in batch.refused:
        results.insert(index, outcome)
    return BatchResult(batch_id=result.batch_id, results=tuple(results),
                       released=result.released)


def _apply(session: Session, principal: Principal, batch: BatchIn, now: datetime, *,
           safe: bool, audited: bool) -> BatchResult:
    ctx = _load(session, principal, batch, now, safe)
    results: list[OpOutcome] = []
    released: list[OpOutcome] = []
    for op in batch.ops:
        digest = payload_hash(op)
        if op.op_id in ctx.stored or op.op_id in ctx.held:
            results.append(_answer_again(ctx, op, digest))
        elif op.prev_seq is not None and op.prev_seq not in ctx.arrived:
            results.append(_hold(ctx, op, digest))
        else:
            results.append(_run(ctx, op, digest))
            if op.seq is not None:
                released += _release(ctx, op.seq)
    _write(ctx)
    result = BatchResult(batch_id=batch.batch_id, results=tuple(results),
                         released=tuple(released))
    if audited:
        record_audit(session, ctx.actor, "sync.push", now=now, entity="batch",
                     entity_id=batch.batch_id, country_code=principal.country_code,
                     details={"ops": len(batch.ops), "statuses": tally(result)})
    return result


def _write(ctx: Batch) -> None:
    """Flush the decided changes: crate updates, then the change log, then the answers."""
    ctx.write_staged()
    counted = sorted(ctx.counts.crates_counted)
    note_counts(ctx.session, ctx.counts, now=ctx.now)
    ctx.expire_orm_copies(counted)  # their last_counted_at
    ctx.session.flush()
    record_changes(ctx.session, "crate", ctx.new_changes, actor=ctx.actor, now=ctx.now)
    if ctx.new_answers:
        ctx.session.execute(insert(AppliedOp.__table__), ctx.new_answers)


def _load(session: Session, principal: Principal, batch: BatchIn, now: datetime,
          safe: bool) -> Batch:
    device_id = principal.device_id
    ctx = Batch(session=session, principal=principal, now=now, batch_id=batch.batch_id,
                safe=safe, locations=wire.Locations(session))
    held_payloads = session.scalars(select(HeldOp.payload).where(HeldOp.device_id == device_id))
    crate_ids = sorted({op.entity_id for op in batch.ops if op.entity == "crate"}
                       | {p["entity_id"] for p in held_payloads if p["entity"] == "crate"})
    _lock_crates(ctx, crate_ids)
    # The device's answers, held ops and arrived seqs are read after the locks: a worker
    # that waited on another pushing for the same device sees what that one decided.
    for held in session.scalars(select(HeldOp).where(HeldOp.device_id == device_id)):
        ctx.held[held.op_id] = held
        ctx.waiting[held.prev_seq].append(held)
    prevs = {op.prev_seq for op in batch.ops if op.prev_seq is not None}
    prevs |= {h.prev_seq for h in ctx.held.values()}
    if prevs:
        ctx.arrived = set(session.scalars(select(AppliedOp.seq).where(
            AppliedOp.device_id == device_id, AppliedOp.seq.in_(sorted(prevs)))))
    op_ids = [op.op_id for op in batch.ops]
    for answer in session.execute(select(AppliedOp.op_id, AppliedOp.payload_hash,
                                         AppliedOp.result).where(
            AppliedOp.device_id == device_id, AppliedOp.op_id.in_(op_ids))):
        ctx.stored[answer.op_id] = Answer(answer.payload_hash, answer.result)
    versions: dict[str, set[int]] = defaultdict(set)
    for op in [*batch.ops, *(op_from_payload(h.payload) for h in ctx.held.values())]:
        if op.action == "count" and op.entity_id in ctx.crates:
            versions[op.entity_id].add(op.base_version or ctx.crates[op.entity_id].version)
    ctx.counts = CountBook.load(session, ctx.crates, versions)
    return ctx


def _lock_crates(ctx: Batch, crate_ids: list[str]) -> None:
    """Lock the batch's crates in one query, in id order so two workers cannot deadlock, and
    keep them as plain rows (CrateRow): handlers read a few fields of each, and their changes
    are written in bulk, so an ORM object a crate would cost more than it serves."""
    ctx.crates = wire.read_rows(ctx.session, crate_ids, ctx.locations, lock=True)


def _answer_again(ctx: Batch, op: OpIn, digest: str) -> OpOutcome:
    first = ctx.stored.get(op.op_id) or ctx.held.get(op.op_id)
    if first.payload_hash != digest:
        ctx.session.add(OpIncident(device_id=ctx.principal.device_id, op_id=op.op_id,
                                   kind="op_id_reused", payload=op.raw, at=ctx.now,
                                   reason="The same op_id came with another payload."))
        return OpOutcome(op.op_id, "rejected", code="sync.op_id_reused",
                         reason="This op_id was used before with another payload; the first "
                                "one stands and this one was recorded for review.")
    if isinstance(first, HeldOp):
        return OpOutcome(op.op_id, "held")
    earlier = OpOutcome.from_json(first.result)
    return OpOutcome(**{**earlier.__dict__, "status": "duplicate",
                        "original_status": earlier.status})


def _hold(ctx: Batch, op: OpIn, digest: str) -> OpOutcome:
    held = HeldOp(device_id=ctx.principal.device_id, op_id=op.op_id, seq=op.seq,
                  prev_seq=op.prev_seq, payload=op.raw, payload_hash=digest,
                  batch_id=ctx.batch_id, received_at=ctx.now)
    ctx.session.add(held)
    ctx.held[op.op_id] = held
    ctx.waiting[op.prev_seq].append(held)
    return OpOutcome(op.op_id, "held", reason=f"Waiting for this device's op #{op.prev_seq}.")


def _release(ctx: Batch, seq: int) -> list[OpOutcome]:
    """Apply the held ops that were waiting for `seq`, and those waiting for them, in order."""
    out, queue = [], [seq]
    while queue:
        for held in sorted(ctx.waiting.pop(queue.pop(0), []), key=lambda h: h.seq):
            ctx.held.pop(held.op_id, None)
            _drop(ctx.session, held)
            op = op_from_payload(held.payload)
            out.append(_run(ctx, op, held.payload_hash, batch_id=held.batch_id))
            queue.append(op.seq)
    return out


def _drop(session: Session, held: HeldOp) -> None:
    """A held op leaves once it runs; one held and released in the same batch was never
    written, so there is nothing to delete."""
    if held in session.new:
        session.expunge(held)
    else:
        session.delete(held)


def _run(ctx: Batch, op: OpIn, digest: str, *, batch_id: str | None = None,
         forced: bool = False) -> OpOutcome:
    """Decide one op and keep its answer for replays. Handlers check everything before they
    change anything, so a refused op leaves no trace; those that write rows of their own
    (new crates, findings), and every op in safe mode, also get a savepoint."""
    handler = HANDLERS.get((op.entity, op.action))
    if handler in SAVEPOINTED:  # what it may query is written first (a failure: the batch's)
        ctx.write_staged()
    try:
        if handler is None:
            raise OpRejected(f"Unknown op {op.entity}.{op.action}.", entity=op.entity,
                             action=op.action)
        if ctx.safe or handler in SAVEPOINTED:
            done = False
            try:
                with ctx.session.begin_nested():
                    outcome = handler(ctx, op)
                    ctx.write_staged()  # in safe mode, inside the op's own savepoint
                done = True
            finally:
                if handler in CHANGES_CRATES:  # a voucher's movements, through the ORM
                    ctx.session.flush()
                    ctx.mark_stale(list(ctx.crates))
                elif not done:  # its savepoint rolled back: the row as the database has it
                    ctx.mark_stale([op.entity_id])
        else:
            outcome = handler(ctx, op)
    except (Blocked, NotFound) as exc:
        outcome = OpOutcome(op.op_id, "blocked" if isinstance(exc, Blocked) else "rejected",
                            code=exc.code, reason=exc.message)
    except AppError as exc:
        outcome = OpOutcome(op.op_id, "rejected", code=exc.code, reason=exc.message)
    except (IntegrityError, DataError):
        outcome = OpOutcome(op.op_id, "rejected", code="conflict.integrity",
                            reason="The op conflicts with data already stored.")
    if forced:
        outcome = OpOutcome(**{**outcome.__dict__, "forced": True})
    result = outcome.to_json()
    ctx.new_answers.append({
        "device_id": ctx.principal.device_id, "op_id": op.op_id, "seq": op.seq,
        "payload_hash": digest, "entity": op.entity, "entity_id": op.entity_id,
        "status": outcome.status, "result": result, "batch_id": batch_id or ctx.batch_id,
        "applied_at": ctx.now})
    ctx.stored[op.op_id] = Answer(digest, result)
    if op.seq is not None:
        ctx.arrived.add(op.seq)
    return outcome


def tally(result: BatchResult) -> dict[str, int]:
    """How many of a batch's ops (and of the held ops it released) ended how."""
    return dict(Counter(outcome.status for outcome in (*result.results, *result.released)))


def release_held(session: Session, *, older_than: datetime, now: datetime) -> list[OpOutcome]:
    """Force-apply ops held longer than the configured delay, in each device's order, and
    flag each for review: its predecessor never came."""
    from server.models import Device

    outcomes: list[OpOutcome] = []
    stale = list(session.scalars(select(HeldOp).where(HeldOp.received_at < older_than)
                                 .order_by(HeldOp.device_id, HeldOp.seq)))
    by_device: dict[str, list[str]] = defaultdict(list)
    for held in stale:
        by_device[held.device_id].append(held.op_id)
    for device_id, op_ids in by_device.items():
        device = session.get(Device, device_id)
        principal = Principal.of_user(device.user, device)
        ctx = _load(session, principal, BatchIn(batch_id="release-held", ops=()), now, True)
        for op_id in op_ids:
            held = ctx.held.pop(op_id, None)
            if held is None:
                continue  # already released behind an earlier one
            ctx.waiting[held.prev_seq].remove(held)
            session.delete(held)
            session.add(OpIncident(device_id=device_id, op_id=held.op_id, kind="forced",
                                   payload=held.payload, at=now,
                                   reason=f"Op #{held.prev_seq} of this device never arrived; "
                                          f"op #{held.seq} was applied without it."))
            op = op_from_payload(held.payload)
            outcomes.append(_run(ctx, op, held.payload_hash, batch_id=held.batch_id,
                                 forced=True))
            outcomes += _release(ctx, op.seq)
        _write(ctx)
        record_audit(session, ctx.actor, "sync.release_held", now=now, entity="device",
                     entity_id=device_id, country_code=principal.country_code,
                     details={"ops": len(op_ids)})
    return outcomes

"""apply_batch(): the push. Idempotent per (device, op_id); one savepoint per op, so a bad op
never fails its neighbours; an op whose same-device predecessor on the record has not arrived
is held, and released in order when it does."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, lazyload

from server.access import Principal
from server.errors import AppError, InvalidInput, NotFound
from server.models import AmmoLot, AppliedOp, Crate, Depot, Finding, HeldOp, OpIncident
from server.models.inventory import CrateKind, CrateStatus
from sync import crates as wire
from sync.conflicts import open_conflicts
from sync.counts import CountBook, record_count
from sync.inventory import register_crate
from sync.journal import Actor, canonical, record_audit, record_changes
from sync.labelids import CheckCharacterError, parse_label
from sync.merge import CRATE_POLICIES, merge_fields
from sync.types import BatchIn, BatchResult, OpIn, OpOutcome, op_from_payload


class Blocked(AppError):
    """A valid op that policy stops: a closed record, or an action the role may not take."""

    status, code = 409, "sync.blocked"


class OpRejected(AppError):
    status, code = 422, "sync.rejected"


class BadLabel(OpRejected):
    code = "labels.bad_label"


class BadCheck(OpRejected):
    code = "labels.bad_check"


class LabelNotAllocated(OpRejected):
    code = "labels.not_allocated"


class LabelTaken(OpRejected):
    code = "labels.taken"


@dataclass
class Answer:
    """The stored answer to an op: its payload hash and result."""

    payload_hash: str
    result: dict


@dataclass
class Batch:
    """What one push knows while it runs: loaded rows, the device's sequence state, and the
    rows to write in bulk when the ops have been decided."""

    session: Session
    principal: Principal
    now: datetime
    batch_id: str
    safe: bool = False  # a savepoint around every op (the retry after a failed bulk write)
    stored: dict[str, Answer] = field(default_factory=dict)
    held: dict[str, HeldOp] = field(default_factory=dict)
    waiting: dict[int, list[HeldOp]] = field(default_factory=lambda: defaultdict(list))
    arrived: set[int] = field(default_factory=set)  # device seqs already answered
    crates: dict[str, Crate] = field(default_factory=dict)
    locations: wire.Locations | None = None
    counts: CountBook | None = None
    new_answers: list[dict] = field(default_factory=list)
    new_changes: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.principal.user_id, device_id=self.principal.device_id)


def payload_hash(op: OpIn) -> str:
    return hashlib.sha256(canonical(op.raw).encode()).hexdigest()


def apply_batch(session: Session, principal: Principal, batch: BatchIn, *,
                now: datetime) -> BatchResult:
    """Apply one pushed batch. The caller commits once; a database failure propagates and the
    whole batch rolls back, so the phone's retry is clean.

    Ops are decided in memory and their rows written in bulk. Should the bulk write fail
    (a row the checks let through but the database refuses), the batch runs again with a
    savepoint per op, so that one bad op is rejected alone."""
    principal.require("sync.push")
    try:
        with session.begin_nested():
            return _apply(session, principal, batch, now, safe=False)
    except (IntegrityError, DataError):
        return _apply(session, principal, batch, now, safe=True)


def _apply(session: Session, principal: Principal, batch: BatchIn, now: datetime, *,
           safe: bool) -> BatchResult:
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
    record_audit(session, ctx.actor, "sync.push", now=now, entity="batch",
                 entity_id=batch.batch_id, country_code=principal.country_code,
                 details={"ops": len(batch.ops), "statuses": _tally(results + released)})
    return BatchResult(batch_id=batch.batch_id, results=tuple(results),
                       released=tuple(released))


def _write(ctx: Batch) -> None:
    """Flush the decided changes: crate updates, then the change log, then the answers."""
    ctx.session.flush()
    record_changes(ctx.session, "crate", ctx.new_changes, actor=ctx.actor, now=ctx.now)
    if ctx.new_answers:
        ctx.session.execute(insert(AppliedOp), ctx.new_answers)


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
    """Lock the batch's crates in one query, in id order so two workers cannot deadlock.
    Their depot, stack and lot are many-to-one by key: loaded once here, they then come
    from the identity map instead of a join per crate."""
    session = ctx.session
    crates = list(session.scalars(
        select(Crate).where(Crate.id.in_(crate_ids)).order_by(Crate.id)
        .with_for_update(of=Crate).options(lazyload("*"))
        .execution_options(populate_existing=True)))
    depot_ids = sorted({c.depot_id for c in crates})
    list(session.scalars(select(Depot).where(Depot.id.in_(depot_ids))))
    for depot_id in depot_ids:
        ctx.locations.find(depot_id, None)
    lot_ids = sorted({c.lot_id for c in crates if c.lot_id})
    if lot_ids:
        list(session.scalars(select(AmmoLot).where(AmmoLot.id.in_(lot_ids))))
    ctx.crates = {c.id: c for c in crates}


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
            ctx.session.delete(held)
            op = op_from_payload(held.payload)
            out.append(_run(ctx, op, held.payload_hash, batch_id=held.batch_id))
            queue.append(op.seq)
    return out


def _run(ctx: Batch, op: OpIn, digest: str, *, batch_id: str | None = None,
         forced: bool = False) -> OpOutcome:
    """Decide one op and keep its answer for replays. Handlers check everything before they
    change anything, so a refused op leaves no trace; those that write rows of their own
    (new crates, findings), and every op in safe mode, also get a savepoint."""
    handler = HANDLERS.get((op.entity, op.action))
    try:
        if handler is None:
            raise OpRejected(f"Unknown op {op.entity}.{op.action}.", entity=op.entity,
                             action=op.action)
        if ctx.safe or handler in SAVEPOINTED:
            with ctx.session.begin_nested():
                outcome = handler(ctx, op)
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


def _crate_for(ctx: Batch, op: OpIn) -> Crate:
    crate = ctx.crates.get(op.entity_id) or ctx.session.get(Crate, op.entity_id)
    if crate is None or crate.deleted_at is not None or not ctx.principal.sees_depot(
            crate.depot_id, crate.depot.country_code):
        raise NotFound("No such crate.", crate_id=op.entity_id)
    return crate


def _create_crate(ctx: Batch, op: OpIn) -> OpOutcome:
    values = dict(op.set)
    try:
        label = parse_label(str(values.pop("label_id", "")))
    except CheckCharacterError as exc:
        raise BadCheck(str(exc)) from None
    except ValueError as exc:
        raise BadLabel(str(exc)) from None
    depot = ctx.session.scalar(select(Depot).where(Depot.country_code == label.country,
                                                   Depot.code == label.depot))
    if depot is None or not ctx.principal.sees_depot(depot.id, depot.country_code):
        raise NotFound("That label belongs to no depot of yours.", label_id=str(label))
    if label.seq > depot.label_seq:
        raise LabelNotAllocated(f"Label {label} was never handed out to depot {depot.code}.",
                         label_id=str(label))
    if ctx.session.get(Crate, op.entity_id) is not None:
        raise OpRejected("A crate with this id already exists.", crate_id=op.entity_id)
    taken = ctx.session.scalar(select(Crate).where(Crate.label_id == str(label)))
    if taken is not None:
        ctx.session.add(OpIncident(device_id=ctx.principal.device_id, op_id=op.op_id,
                                   kind="label_taken", payload=op.raw, at=ctx.now,
                                   reason=f"Label {label} is already on crate {taken.id}."))
        raise LabelTaken(f"Label {label} is already on another crate.", label_id=str(label))
    try:
        kind = CrateKind(values.pop("kind", None))
    except ValueError:
        raise OpRejected("kind is one of " + ", ".join(k.value for k in CrateKind)) from None
    unknown = set(values) - {"location", "seal_number", "condition", "category", "notes",
                             "tags"}
    if unknown:
        raise OpRejected("These fields cannot be set on a new crate.", fields=sorted(unknown))
    wire.check_values(values)
    crate = register_crate(ctx.session, depot, label_id=str(label), kind=kind,
                           location=ctx.locations.find(depot.id, values.pop("location", None)),
                           crate_id=op.entity_id, status=CrateStatus.REGISTERED,
                           actor=ctx.actor, now=ctx.now)
    if values:
        wire.write_fields(ctx.session, crate, values, ctx.locations)
    ctx.crates[crate.id] = crate
    return OpOutcome(op.op_id, "applied", version=crate.version)


def _patch_crate(ctx: Batch, op: OpIn) -> OpOutcome:
    crate = _crate_for(ctx, op)
    if not op.set:
        raise OpRejected("A patch sets at least one field.")
    unknown = set(op.set) - set(CRATE_POLICIES)
    if unknown:
        raise OpRejected("Unknown crate fields.", fields=sorted(unknown))
    if crate.status is CrateStatus.RETIRED:
        raise Blocked(f"Crate {crate.label_id} is retired; it takes no more changes.")
    wire.check_values(op.set)
    server = wire.crate_state(crate)
    current = op.base_version == crate.version
    merged = merge_fields(op.base, server, op.set, base_is_current=current)
    if merged.values:
        wire.write_fields(ctx.session, crate, merged.values, ctx.locations)
        crate.version += 1
        crate.updated_at = ctx.now
        ctx.new_changes.append((crate.id, crate.depot_id, crate.version))
    conflicts = open_conflicts(ctx.session, crate, server, op, merged.conflicts,
                               actor=ctx.actor, now=ctx.now)
    status = "conflict" if conflicts else ("applied" if current else "merged")
    return OpOutcome(op.op_id, status, version=crate.version,
                     conflict_ids=tuple(c.id for c in conflicts),
                     record=wire.crate_state(crate) if status != "applied" else None)


def _count_crate(ctx: Batch, op: OpIn) -> OpOutcome:
    crate = _crate_for(ctx, op)
    _, discrepancies = record_count(
        ctx.session, ctx.counts, crate, op.set, count_id=op.op_id, crate_version=op.base_version,
        device_id=ctx.principal.device_id, user_id=ctx.principal.user_id, now=ctx.now,
        counted_at=op.device_time, submission_id=op.raw.get("submission_id"))
    return OpOutcome(op.op_id, "applied", version=crate.version,
                     discrepancy_ids=tuple(d.id for d in discrepancies))


SEVERITIES = {"critical", "major", "minor"}


def _create_finding(ctx: Batch, op: OpIn) -> OpOutcome:
    values = op.set
    crate = None
    if values.get("crate_id"):
        crate = _crate_for(ctx, OpIn(op.op_id, "crate", str(values["crate_id"]), "x"))
        depot_id = crate.depot_id
    else:
        depot = ctx.session.scalar(select(Depot).where(
            Depot.country_code == ctx.principal.country_code,
            Depot.code == str(values.get("depot", ""))))
        if depot is None or not ctx.principal.sees_depot(depot.id, depot.country_code):
            raise NotFound("No such depot.", depot=values.get("depot"))
        depot_id = depot.id
    severity = values.get("severity", "minor")
    if severity not in SEVERITIES:
        raise InvalidInput("severity is critical, major or minor.", severity=severity)
    if ctx.session.get(Finding, op.entity_id) is not None:
        raise OpRejected("A finding with this id already exists.", finding_id=op.entity_id)
    finding = Finding(id=op.entity_id, depot_id=depot_id, crate_id=crate and crate.id,
                      submission_id=op.raw.get("submission_id"),
                      item=str(values.get("item", ""))[:64],
                      section=str(values.get("section", ""))[:32], severity=severity,
                      text=str(values.get("text", ""))[:10_000],
                      corrective_action=str(values.get("corrective_action", ""))[:10_000],
                      photos=[str(p)[:64] for p in values.get("photos") or []][:50],
                      device_id=ctx.principal.device_id, user_id=ctx.principal.user_id,
                      created_at=ctx.now)
    ctx.session.add(finding)
    ctx.session.flush()
    return OpOutcome(op.op_id, "applied")


HANDLERS = {
    ("crate", "create"): _create_crate,
    ("crate", "patch"): _patch_crate,
    ("crate", "count"): _count_crate,
    ("finding", "create"): _create_finding,
}
SAVEPOINTED = {_create_crate, _create_finding}


def _tally(outcomes: list[OpOutcome]) -> dict[str, int]:
    tally: dict[str, int] = defaultdict(int)
    for outcome in outcomes:
        tally[outcome.status] += 1
    return dict(tally)


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

"""The ops a phone may send, each decided against a batch's loaded state. Handlers check
everything before they change anything, so a refused op leaves no trace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from server.errors import AppError, InvalidInput, NotFound
from server.models import Crate, Finding, OpIncident
from server.models.inventory import CrateKind, CrateStatus
from sync.access.scope import get_depot
from sync.engine import crates as wire
from sync.engine.conflicts import open_conflicts
from sync.engine.merge import CRATE_POLICIES, merge_fields
from sync.engine.types import OpIn, OpOutcome
from sync.engine.voucher_ops import create_voucher
from sync.labels.ids import CheckCharacterError, parse_label
from sync.labels.registry import BadCheck, LabelInUse
from sync.register.alerts import note_seen
from sync.stock.counts import photo_ids, record_count
from sync.stock.custody import check_custody, record_custody_edit
from sync.stock.inventory import register_crate
from sync.stock.magazines import check_buildings
from sync.stock.rows import CrateRow, set_loaded

if TYPE_CHECKING:
    from sync.engine.batch import Batch


class Blocked(AppError):
    """A valid op that policy stops: a closed record, or an action the role may not take."""

    status, code = 409, "sync.blocked"


class OpRejected(AppError):
    status, code = 422, "sync.rejected"


class BadLabel(OpRejected):
    code = "labels.bad_label"


class LabelNotAllocated(OpRejected):
    code = "labels.not_allocated"


def _crate_for(ctx: Batch, op: OpIn) -> Crate | CrateRow:
    crate = ctx.crate(op.entity_id) or ctx.session.get(Crate, op.entity_id)
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
    depot = get_depot(ctx.session, ctx.principal, label.depot, country=label.country)
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
        raise LabelInUse(f"Label {label} is already on another crate.", label_id=str(label))
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
    wire.check_values({k: v for k, v in op.base.items() if k in op.set}, base=True)
    server = wire.crate_state(crate)
    current = op.base_version == crate.version
    merged = merge_fields(op.base, server, op.set, base_is_current=current)
    if merged.values:
        check_custody(crate, merged.values, server)
        building_before = crate.location and crate.location.building_id
        columns = wire.stage_fields(crate, merged.values, ctx.locations)
        set_loaded(crate, "version", crate.version + 1)
        set_loaded(crate, "updated_at", ctx.now)
        ctx.stage(crate.id, {**columns, "version": crate.version, "updated_at": ctx.now})
        ctx.new_changes.append((crate.id, crate.depot_id, crate.version))
        record_custody_edit(ctx.session, crate, server, merged.values, actor=ctx.actor,
                            now=ctx.now)
        if (crate.location is not None and crate.quantity and crate.lot_id
                and crate.location.building_id != building_before):  # moved on the ground
            ctx.write_staged()  # the check reads the building's crates back
            check_buildings(ctx.session, crate.depot, {crate.location.building_id},
                            source="phone_relocation", actor=ctx.actor, now=ctx.now,
                            enforce=False, reference=op.op_id)
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
    if op.set.get("serials"):  # dates the sightings; a lost or stolen one raises the alert
        note_seen(ctx.session, country_code=crate.depot.country_code, depot_id=crate.depot_id,
                  serials=op.set["serials"], source="count", reference=op.op_id,
                  user_id=ctx.principal.user_id, now=ctx.now)
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
        depot_id = get_depot(ctx.session, ctx.principal, values.get("depot", "")).id
    severity = values.get("severity", "minor")
    if not isinstance(severity, str) or severity not in SEVERITIES:
        raise InvalidInput("severity is critical, major or minor.", severity=severity)
    if ctx.session.get(Finding, op.entity_id) is not None:
        raise OpRejected("A finding with this id already exists.", finding_id=op.entity_id)
    finding = Finding(id=op.entity_id, depot_id=depot_id, crate_id=crate and crate.id,
                      submission_id=op.raw.get("submission_id"),
                      item=str(values.get("item", ""))[:64],
                      section=str(values.get("section", ""))[:32], severity=severity,
                      text=str(values.get("text", ""))[:10_000],
                      corrective_action=str(values.get("corrective_action", ""))[:10_000],
                      photos=photo_ids(values.get("photos")),
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
    ("voucher", "create"): create_voucher,
}
SAVEPOINTED = {_create_crate, _create_finding, create_voucher}
CHANGES_CRATES = {create_voucher}  # its movements change crates through the ORM: the batch's
# rows are read again after it



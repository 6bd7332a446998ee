"""ODK entity blocks of the `crates` dataset as ops of the engine, so crates created or
changed through ODK Collect go through the same merge, conflict and held-order rules as JSON
ops (sync/engine/ingest.py).

- create="1" -> a crate create op (label = the entity label, kind/location/seal/condition
  from the form's save_to fields); update="1" -> a patch op of the non-empty save_to values,
  with `base` = the values the phone saw (fields tagged ds:base); both -> patch if the crate
  exists, else create.
- Order. Online (no branchId) the baseVersion is a server version: it is the op's
  base_version. Offline, Collect numbers its own updates: trunkVersion is the last server
  version the branch started from, baseVersion counts up from it. Each branch of a device
  gets a number n (EntityBranch); its step p = baseVersion - trunkVersion becomes
  seq = -(n * 1024 + p), and prev_seq the step before, so the engine holds a step until the
  one before it has arrived. An entity the phone created offline (no trunkVersion) is its
  own branch whose step 0 is the create. Negative seqs never meet the JSON door's (>= 0).
  Only step 0 keeps base_version: later steps are based on a version that exists only on
  the phone, so they merge field by field against `base` (never a blind overwrite).
- Op IDs derive from the instance ID and the block's position: a retried submission
  replays the same ops and the engine answers them as duplicates.
- A count line beside an update of a crate the server does not know yet (registered
  offline, its registration still on the way) is held with that update (`count_after`):
  it waits for the update's seq and is written when the update applies.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms.instance import EntityBlock
from forms.spec import FormSpec
from server.errors import InvalidInput
from server.models import Crate, Depot, EntityBranch
from sync.engine.crates import Locations
from sync.engine.types import OpIn
from sync.inspections.visits import VISITS
from sync.labels.ids import parse_label

DATASET = "crates"
WRITABLE = {"location", "seal_number", "condition", "category", "notes", "status"}
DERIVED = {"label_key", "depot", "nature", "calibre", "hazard"}  # the server's own columns
BLANK_IS_NONE = {"location", "seal_number", "condition"}
STEPS = 1024
MAX_BRANCHES = 2**31 // STEPS - 1


@dataclass(frozen=True)
class EntityOps:
    ops: tuple[OpIn, ...]
    problems: tuple[dict, ...]
    awaited: dict[str, OpIn] = field(default_factory=dict)  # count's crate ref -> its update


def derived_op_id(instance_id: str, suffix: str) -> str:
    """A stable op ID for a part of a submission, at most 64 characters."""
    op_id = f"{instance_id}:{suffix}"
    if len(op_id) <= 64:
        return op_id
    return f"{hashlib.sha256(instance_id.encode()).hexdigest()[:40]}:{suffix}"[:64]


def entity_ops(session: Session, device_id: str, instance_id: str,
               blocks: Sequence[EntityBlock], spec: FormSpec | None) -> EntityOps:
    ops, problems, awaited = [], [], {}
    for n, block in enumerate(blocks[:1000]):
        where = f"entity[{n}]"
        if not (block.create or block.update) or block.dataset == VISITS:
            continue  # nothing to touch this time, or a visit (sync.inspections.visits)
        if block.dataset != DATASET:
            problems.append({"field": where, "problem": f"unknown entity list {block.dataset!r}"})
            continue
        entity_id = _entity_id(block.id)
        if entity_id is None:
            problems.append({"field": where, "problem": "entity id is not a UUID",
                             "value": block.id[:64]})
            continue
        values, base, unknown = _properties(block, spec)
        if unknown:
            problems.append({"field": where, "problem": "unknown crate properties",
                             "properties": sorted(unknown)})
        if not _known_location(session, block, entity_id, values.get("location")):
            problems.append({"field": where, "problem": "unknown location",
                             "value": values.pop("location")[:64]})
            base.pop("location", None)
        update = block.update and (not block.create or session.get(Crate, entity_id))
        op = (_patch if update else _create)(session, device_id, block, entity_id, values,
                                             base, derived_op_id(instance_id, f"entity:{n}"))
        if op is not None:
            ops.append(op)
            if op.seq is not None:
                awaited.update(dict.fromkeys(_count_refs(block, spec), op))
    return EntityOps(tuple(ops), tuple(problems), awaited)


def _known_location(session: Session, block: EntityBlock, entity_id: str,
                    code: str | None) -> bool:
    """Whether a location the phone typed is one of its crate's depot (also when the depot is
    not known yet: the engine decides then). An unknown one is left out of the op, so the
    block's other fields (a new seal) still apply and the submission is flagged."""
    if not code:
        return True
    crate = session.get(Crate, entity_id)
    depot_id = crate.depot_id if crate is not None else _label_depot(session, block.label)
    if depot_id is None:
        return True
    try:
        Locations(session).find(depot_id, code)
    except InvalidInput:
        return False
    return True


def _label_depot(session: Session, label: str | None) -> int | None:
    try:
        parsed = parse_label(label or "")
    except ValueError:
        return None
    return session.scalar(select(Depot.id).where(Depot.country_code == parsed.country,
                                                 Depot.code == parsed.depot))


def _count_refs(block: EntityBlock, spec: FormSpec | None) -> list[str]:
    """How the count line of the block's container names its crate (its label)."""
    fields = spec.fields_in(block.container) if spec else []
    return [str(block.values.get(f.name) or "").strip() for f in fields
            if f.ds.get("count") == "crate" and str(block.values.get(f.name) or "").strip()]


def count_after(session: Session, device_id: str, op_id: str, update: OpIn,
                values: dict) -> OpIn:
    """A count of the crate `update` changes, held until that update has applied."""
    seq = _seq(session, device_id, f"count:{op_id}", 0)
    return _op(op_id, update.entity_id, "count", values, seq=seq,
               prev_seq=update.seq if seq is not None else None, base_version=None, base={})


def _entity_id(raw: str) -> str | None:
    text = raw.strip().lower().removeprefix("uuid:")
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _properties(block: EntityBlock, spec: FormSpec | None) -> tuple[dict, dict, set]:
    """The save_to values this block carries (blank ones change nothing), the base values
    the phone saw, and the property names the server does not know."""
    values, base, unknown = {}, {}, set()
    fields = spec.fields_in(block.container) if spec else []
    for f in fields:
        value = str(block.values.get(f.name, "") or "").strip()
        if f.saveto:
            if f.saveto in WRITABLE or f.saveto == "kind":
                if value:
                    values[f.saveto] = value
            elif f.saveto not in DERIVED:
                unknown.add(f.saveto)
        prop = f.ds.get("base")
        if prop in WRITABLE:
            base[prop] = None if value == "" and prop in BLANK_IS_NONE else value
    return values, base, unknown


def _create(session: Session, device_id: str, block: EntityBlock, entity_id: str,
            values: dict, _base: dict, op_id: str) -> OpIn:
    seq = _seq(session, device_id, f"new:{entity_id}", 0)
    return _op(op_id, entity_id, "create", {"label_id": block.label or "", **values},
               seq=seq, prev_seq=None, base_version=None, base={})


def _patch(session: Session, device_id: str, block: EntityBlock, entity_id: str,
           values: dict, base: dict, op_id: str) -> OpIn | None:
    values.pop("kind", None)  # what a crate is never changes by an update
    if block.label:
        try:
            values["label_id"] = str(parse_label(block.label))
        except ValueError:
            pass  # a label the server cannot read changes nothing
    if not values:
        return None
    base_version, seq, prev_seq = _order(session, device_id, block, entity_id)
    return _op(op_id, entity_id, "patch", values, seq=seq, prev_seq=prev_seq,
               base_version=base_version, base={k: v for k, v in base.items() if k in values})


def _order(session: Session, device_id: str, block: EntityBlock,
           entity_id: str) -> tuple[int | None, int | None, int | None]:
    """(base_version, seq, prev_seq) of an update, as the module docstring explains."""
    base, trunk = _int(block.base_version), _int(block.trunk_version)
    if not block.branch_id.strip() or base is None:
        return base, None, None
    key, step = ((f"new:{entity_id}", base) if trunk is None
                 else (f"branch:{block.branch_id.strip()[:64]}", base - trunk))
    if not 0 <= step < STEPS:
        return None, None, None  # not a branch Collect makes: merge on base values alone
    seq = _seq(session, device_id, key, step)
    prev = seq + 1 if step > 0 and seq is not None else None
    return (base if step == 0 and trunk is not None else None), seq, prev


def _seq(session: Session, device_id: str, key: str, step: int) -> int | None:
    number = branch_number(session, device_id, key)
    return None if number is None else -(number * STEPS + step)


def branch_number(session: Session, device_id: str, key: str) -> int | None:
    """The device's number for a branch, given on first sight (None past the range)."""
    query = select(EntityBranch.number).where(EntityBranch.device_id == device_id,
                                              EntityBranch.key == key)
    number = session.scalar(query)
    if number is not None:
        return number
    number = (session.scalar(select(func.max(EntityBranch.number)).where(
        EntityBranch.device_id == device_id)) or 0) + 1
    if number > MAX_BRANCHES:
        return None
    try:
        with session.begin_nested():
            session.add(EntityBranch(device_id=device_id, key=key, number=number))
    except IntegrityError:  # the same phone's other request numbered it first
        return session.scalar(query)
    return number


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _op(op_id: str, entity_id: str, action: str, values: dict, *, seq: int | None,
        prev_seq: int | None, base_version: int | None, base: dict) -> OpIn:
    raw = {"op_id": op_id, "entity": "crate", "entity_id": entity_id, "action": action,
           "seq": seq, "prev_seq": prev_seq, "base_version": base_version, "base": base,
           "set": values, "device_time": None}
    return OpIn(op_id=op_id, entity="crate", entity_id=entity_id, action=action, seq=seq,
                prev_seq=prev_seq, base_version=base_version, base=base, set=values, raw=raw)

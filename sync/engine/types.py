"""Frozen values crossing the edge between the wire schemas and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

MAX_INT = 2**31 - 1  # sequence numbers and versions are 32-bit columns


@dataclass(frozen=True)
class OpIn:
    op_id: str
    entity: str  # crate | finding
    entity_id: str
    action: str  # create | patch | count
    seq: int | None = None  # the device's sequence number
    prev_seq: int | None = None  # the device's previous op on the same record
    base_version: int | None = None
    base: dict[str, Any] = field(default_factory=dict)
    set: dict[str, Any] = field(default_factory=dict)
    device_time: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)  # as received, hashed


@dataclass(frozen=True)
class BatchIn:
    batch_id: str
    ops: tuple[OpIn, ...]
    cursor: int | None = None  # the phone's pull position before this push
    # ops the door could not read, answered in their place: (index in the batch, outcome)
    refused: tuple[tuple[int, OpOutcome], ...] = ()


@dataclass(frozen=True)
class OpOutcome:
    op_id: str
    status: str  # applied|duplicate|merged|conflict|held|rejected|blocked
    version: int | None = None
    conflict_ids: tuple[str, ...] = ()
    discrepancy_ids: tuple[str, ...] = ()
    code: str | None = None
    reason: str | None = None
    record: dict[str, Any] | None = None  # the record as it now is, when it differs from the
    # phone's own view (merged, conflict) so the phone needs no echo from pull
    original_status: str | None = None  # for duplicates: what the first answer said
    forced: bool = False

    def to_json(self) -> dict[str, Any]:
        out = {}
        for name in _OUTCOME_FIELDS:
            value = getattr(self, name)
            if value is not None and value != () and value is not False:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OpOutcome:
        data = dict(data)
        for key in ("conflict_ids", "discrepancy_ids"):
            data[key] = tuple(data.get(key, ()))
        return cls(**data)


_OUTCOME_FIELDS = tuple(f.name for f in fields(OpOutcome))


@dataclass(frozen=True)
class BatchResult:
    batch_id: str
    results: tuple[OpOutcome, ...]
    released: tuple[OpOutcome, ...] = ()  # held ops of earlier batches applied now
    cursor: int | None = None


def op_from_payload(raw: dict[str, Any]) -> OpIn:
    """An op from its validated wire dict (as stored for held ops)."""
    when = raw.get("device_time")
    return OpIn(op_id=raw["op_id"], entity=raw["entity"], entity_id=raw["entity_id"],
                action=raw["action"], seq=raw.get("seq"), prev_seq=raw.get("prev_seq"),
                base_version=raw.get("base_version"), base=dict(raw.get("base") or {}),
                set=dict(raw.get("set") or {}),
                device_time=datetime.fromisoformat(when) if isinstance(when, str) else None,
                raw=raw)

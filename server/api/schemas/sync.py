"""The sync door: pushed ops and their results, pull pages, whole submissions."""

from __future__ import annotations

from datetime import UTC

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from sync.engine.types import MAX_INT, OpOutcome, op_from_payload

OP_ENTITIES = ("crate", "finding", "voucher")
OP_ACTIONS = ("create", "patch", "count")
STATUSES = ("applied", "duplicate", "merged", "conflict", "held", "rejected", "blocked")


class DeviceTime(fields.AwareDateTime):
    """A phone's clock: any offset, but a time that exists in UTC (years 1 and 9999 with an
    offset do not)."""

    def _deserialize(self, value, attr, data, **kwargs):
        when = super()._deserialize(value, attr, data, **kwargs)
        try:
            when.astimezone(UTC)
        except OverflowError:
            raise ValidationError("Not a representable time.") from None
        return when


class OpSchema(Schema):
    """One change a phone proposes. `seq` is the device's own sequence number; `prev_seq` the
    seq of the device's previous op on the same record (null for its first)."""

    op_id = fields.String(required=True, validate=validate.Length(1, 64))
    entity = fields.String(required=True, validate=validate.OneOf(OP_ENTITIES))
    entity_id = fields.String(required=True, validate=validate.Length(1, 64))
    action = fields.String(required=True, validate=validate.OneOf(OP_ACTIONS))
    seq = fields.Integer(load_default=None, allow_none=True,
                         validate=validate.Range(min=0, max=MAX_INT))
    prev_seq = fields.Integer(load_default=None, allow_none=True,
                              validate=validate.Range(min=0, max=MAX_INT))
    base_version = fields.Integer(load_default=None, allow_none=True,
                                  validate=validate.Range(min=1, max=MAX_INT))
    base = fields.Dict(keys=fields.String(validate=validate.Length(max=32)), load_default=dict)
    set = fields.Dict(keys=fields.String(validate=validate.Length(max=32)), required=True)
    device_time = DeviceTime(load_default=None, allow_none=True)

    @validates_schema
    def prev_needs_seq(self, data, **kwargs):
        if data.get("prev_seq") is not None and data.get("seq") is None:
            raise ValidationError("An op naming its prev_seq has a seq of its own.", "seq")

    @post_load
    def to_op(self, data, **kwargs):
        when = data.get("device_time")
        raw = {**data, "device_time": when.isoformat() if when else None}
        return op_from_payload(raw)


OP_KEYS = frozenset(OpSchema._declared_fields)
_DEVICE_TIME = DeviceTime(allow_none=True)


def _plain_int(value, low: int) -> bool:
    return value is None or (type(value) is int and low <= value <= MAX_INT)


def _plain_dict(value) -> bool:
    return type(value) is dict and all(type(k) is str and len(k) <= 32 for k in value)


def plain_op(value):
    """The op, when `value` is plainly well formed: exactly the JSON types OpSchema reads
    (str, int, dict, null), within its limits. Else None, and OpSchema decides, so that what
    is accepted, what it becomes and the words of a refusal stay OpSchema's: this only
    spares a batch of ordinary ops the cost of marshmallow (~0.09 ms an op)."""
    if type(value) is not dict or not value.keys() <= OP_KEYS:
        return None
    get = value.get
    op_id, entity, entity_id, action = (get("op_id"), get("entity"), get("entity_id"),
                                        get("action"))
    if not (type(op_id) is str and 0 < len(op_id) <= 64 and entity in OP_ENTITIES
            and type(entity) is str and type(entity_id) is str and 0 < len(entity_id) <= 64
            and action in OP_ACTIONS and type(action) is str):
        return None
    seq, prev_seq, base_version = get("seq"), get("prev_seq"), get("base_version")
    if not (_plain_int(seq, 0) and _plain_int(prev_seq, 0) and _plain_int(base_version, 1)
            and (prev_seq is None or seq is not None)):
        return None
    base, changes = value.get("base", _MISSING), get("set")
    if base is _MISSING:
        base = {}
    elif not _plain_dict(base):
        return None
    if not _plain_dict(changes):
        return None
    when = get("device_time")
    if when is not None:
        if type(when) is not str:
            return None
        try:
            when = _DEVICE_TIME.deserialize(when).isoformat()
        except ValidationError:
            return None
    return op_from_payload({
        "op_id": op_id, "entity": entity, "entity_id": entity_id, "action": action,
        "seq": seq, "prev_seq": prev_seq, "base_version": base_version, "base": dict(base),
        "set": dict(changes), "device_time": when})


_MISSING = object()


class OpOrRefusal(fields.Nested):
    """An op, or, for one that does not fit OpSchema, its refusal: rejected alone, so that its
    neighbours in the batch still apply. A plainly well-formed op skips marshmallow."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        op = plain_op(value)
        if op is not None:
            return op
        try:
            return super().deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            op_id = value.get("op_id") if isinstance(value, dict) else None
            return OpOutcome(op_id if isinstance(op_id, str) else "", "rejected",
                             code="sync.invalid_op",
                             reason=f"The op does not fit the schema: {exc.messages}"[:1000])


class PushSchema(Schema):
    batch_id = fields.String(required=True, validate=validate.Length(1, 64))
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=512))
    ops = fields.List(OpOrRefusal(OpSchema), required=True, validate=validate.Length(min=1))

    @post_load
    def split(self, data, **kwargs):
        """The ops to apply, and the refused ones by their place in the batch."""
        ops = data.pop("ops")
        data["ops"] = tuple(op for op in ops if not isinstance(op, OpOutcome))
        data["refused"] = tuple((n, op) for n, op in enumerate(ops)
                                if isinstance(op, OpOutcome))
        return data


class OpResultSchema(Schema):
    op_id = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    version = fields.Integer(allow_none=True)
    conflict_ids = fields.List(fields.String())
    discrepancy_ids = fields.List(fields.String())
    code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    record = fields.Dict(allow_none=True)
    original_status = fields.String(allow_none=True)
    forced = fields.Boolean()


class PushResultSchema(Schema):
    batch_id = fields.String()
    results = fields.List(fields.Nested(OpResultSchema))
    released = fields.List(fields.Nested(OpResultSchema))
    cursor = fields.String(allow_none=True)


class PullArgs(Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(1, 512))
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_INT))


class PullResultSchema(Schema):
    crates = fields.List(fields.Dict())
    lots = fields.Dict(keys=fields.String(), values=fields.Dict())
    conflicts = fields.List(fields.Dict())
    held_vouchers = fields.List(fields.Dict())
    cursor = fields.String()
    more = fields.Boolean()
    snapshot = fields.Boolean()


class SyncConfigSchema(Schema):
    max_ops_per_batch = fields.Integer()
    max_body_bytes = fields.Integer()
    tombstone_horizon_days = fields.Integer()
    pull_max_limit = fields.Integer()
    hold_release_seconds = fields.Integer()


class PhotoRefSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 255))
    photo_id = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=64))
    question = fields.String(load_default="", validate=validate.Length(max=128))


class ConditionProposalSchema(Schema):
    """F6: an inspector proposes a lot's condition or its suspension (a safety item)."""

    lot = fields.String(required=True, validate=validate.Length(1, 64))
    condition = fields.String(load_default="", validate=validate.Length(max=32))
    suspend = fields.Boolean(load_default=False)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
    crate = fields.String(load_default="", validate=validate.Length(max=64))


class SubmissionSchema(Schema):
    """A whole inspection visit in JSON; counts and findings become ops of the engine."""

    instance_id = fields.String(required=True, validate=validate.Length(1, 64))
    form_id = fields.String(required=True, validate=validate.Length(1, 64))
    form_version = fields.String(load_default="", validate=validate.Length(max=32))
    depot = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=8))
    deprecated_id = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=64))
    visit_type = fields.String(load_default="", validate=validate.Length(max=32))
    started_at = DeviceTime(load_default=None, allow_none=True)
    ended_at = DeviceTime(load_default=None, allow_none=True)
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=128)),
                          required=True)
    photos = fields.List(fields.Nested(PhotoRefSchema), load_default=list,
                         validate=validate.Length(max=500))
    counts = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=5000))
    findings = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=500))
    proposals = fields.List(fields.Nested(ConditionProposalSchema), load_default=list,
                            validate=validate.Length(max=500))


class SubmissionResultSchema(Schema):
    instance_id = fields.String()
    status = fields.String()
    problems = fields.List(fields.Dict())
    missing_photos = fields.List(fields.String())

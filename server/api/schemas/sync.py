"""The sync door: pushed ops and their results, pull pages, whole submissions."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
    post_load,
    validate,
)

from sync.engine.types import op_from_payload

OP_ENTITIES = ("crate", "finding", "voucher")
OP_ACTIONS = ("create", "patch", "count")
STATUSES = ("applied", "duplicate", "merged", "conflict", "held", "rejected", "blocked")


class OpSchema(Schema):
    """One change a phone proposes. `seq` is the device's own sequence number; `prev_seq` the
    seq of the device's previous op on the same record (null for its first)."""

    op_id = fields.String(required=True, validate=validate.Length(1, 64))
    entity = fields.String(required=True, validate=validate.OneOf(OP_ENTITIES))
    entity_id = fields.String(required=True, validate=validate.Length(1, 64))
    action = fields.String(required=True, validate=validate.OneOf(OP_ACTIONS))
    seq = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    prev_seq = fields.Integer(load_default=None, allow_none=True,
                              validate=validate.Range(min=0))
    base_version = fields.Integer(load_default=None, allow_none=True,
                                  validate=validate.Range(min=1))
    base = fields.Dict(keys=fields.String(validate=validate.Length(max=32)), load_default=dict)
    set = fields.Dict(keys=fields.String(validate=validate.Length(max=32)), required=True)
    device_time = fields.AwareDateTime(load_default=None, allow_none=True)

    @post_load
    def to_op(self, data, **kwargs):
        when = data.get("device_time")
        raw = {**data, "device_time": when.isoformat() if when else None}
        return op_from_payload(raw)


class PushSchema(Schema):
    batch_id = fields.String(required=True, validate=validate.Length(1, 64))
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=512))
    ops = fields.List(fields.Nested(OpSchema), required=True, validate=validate.Length(min=1))


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
    cursor = fields.String(load_default=None, validate=validate.Length(max=512))
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1))


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


class SubmissionSchema(Schema):
    """A whole inspection visit in JSON; counts and findings become ops of the engine."""

    instance_id = fields.String(required=True, validate=validate.Length(1, 64))
    form_id = fields.String(required=True, validate=validate.Length(1, 64))
    form_version = fields.String(load_default="", validate=validate.Length(max=32))
    depot = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=8))
    deprecated_id = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=64))
    visit_type = fields.String(load_default="", validate=validate.Length(max=32))
    started_at = fields.AwareDateTime(load_default=None, allow_none=True)
    ended_at = fields.AwareDateTime(load_default=None, allow_none=True)
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=128)),
                          required=True)
    photos = fields.List(fields.Nested(PhotoRefSchema), load_default=list,
                         validate=validate.Length(max=500))
    counts = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=5000))
    findings = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=500))


class SubmissionResultSchema(Schema):
    instance_id = fields.String()
    status = fields.String()
    problems = fields.List(fields.Dict())
    missing_photos = fields.List(fields.String())

"""Review: conflicts and discrepancies, and the decisions taken on them."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
    validate,
)

from sync.engine.types import MAX_INT
from sync.stock.discrepancies import MAX_ADJUSTMENT, OUTCOMES


class ReviewListArgs(Schema):
    status = fields.String(load_default="open", validate=validate.Length(max=24))
    depot = fields.String(load_default=None, validate=validate.Length(max=8))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT))


class ConflictSchema(Schema):
    id = fields.String()
    crate_id = fields.String(attribute="entity_id")
    field = fields.String()
    base_value = fields.Raw(allow_none=True)
    server_value = fields.Raw(allow_none=True)
    phone_value = fields.Raw(allow_none=True)
    base_version = fields.Integer(allow_none=True)
    server_version = fields.Integer()
    reason = fields.String()
    op_id = fields.String()
    device_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    status = fields.String()
    resolution = fields.String(allow_none=True)
    resolved_value = fields.Raw(allow_none=True)
    resolution_reason = fields.String()


class ResolveSchema(Schema):
    choose = fields.String(required=True, validate=validate.OneOf(["server", "phone", "value"]))
    value = fields.Raw(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class DiscrepancySchema(Schema):
    id = fields.String()
    crate = fields.String(attribute="crate.label_id")
    kind = fields.String()
    book_quantity = fields.Integer()
    observed_quantity = fields.Integer(allow_none=True)
    details = fields.Dict()
    count_ids = fields.List(fields.String())
    status = fields.String()
    opened_at = fields.DateTime()
    investigation = fields.List(fields.Dict())
    cause = fields.String()
    outcome = fields.String(allow_none=True)
    adjustment = fields.Integer(allow_none=True)
    movement_id = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class CloseSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    cause = fields.String(required=True, validate=validate.Length(1, 5000))
    adjustment = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=-MAX_ADJUSTMENT, max=MAX_ADJUSTMENT))
    # a transit shortage found or lost: the receiver's crate (label) it is booked in
    into_crate = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(max=40))


class NoteSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 5000))

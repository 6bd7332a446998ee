"""Labels: what a scanned label is, the registry, reservations and print orders."""

from __future__ import annotations

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_dump,
    post_load,
    validate,
    validates_schema,
)

from server.api.schemas.inventory import where
from server.models import LabelStatus
from sync.labels.contents import Selection
from sync.labels.printing import PrintOrder
from sync.labels.registry import MAX_RESERVE
from sync.labels.sheets import LANGUAGES, LAYOUTS


class LabelCrateSchema(Schema):
    """What a label lookup tells about a crate: which one and where, never its contents."""

    id = fields.String()
    label_id = fields.String()
    depot = fields.String(attribute="depot.code")
    kind = fields.Function(lambda c: c.kind.value)
    status = fields.Function(lambda c: c.status.value)
    location = fields.Function(where)
    version = fields.Integer()


class LookupSchema(Schema):
    """GET /labels/<value>: status is crate, unassigned, retired or location."""

    status = fields.String()
    label_id = fields.String()
    signature = fields.String()  # valid | absent (typed, or printed unsigned)
    country = fields.String(attribute="depot.country_code")
    depot = fields.String(attribute="depot.code")
    crate = fields.Nested(LabelCrateSchema)
    replaced_by = fields.String()
    reason = fields.Function(lambda a: a.label.reason if a.status == "retired" else None)
    retired_at = fields.Function(
        lambda a: a.label.retired_at.isoformat() if a.status == "retired" else None)
    location = fields.Function(where)

    @post_dump
    def drop_empty(self, data, **_kwargs):
        return {k: v for k, v in data.items() if v is not None}


class LabelSchema(Schema):
    label_id = fields.String()
    depot = fields.String(attribute="depot.code")
    status = fields.Function(lambda label: label.status.value)
    crate = fields.Nested(LabelCrateSchema, allow_none=True)
    replaces = fields.String(allow_none=True)
    reason = fields.String()
    issued_at = fields.DateTime()
    assigned_at = fields.DateTime(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)
    print_count = fields.Integer()


class ReserveIn(Schema):
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_RESERVE))


class PrintIn(Schema):
    """Exactly one of crates, building, all, blank, first+last; or signs (with building or
    all, or alone)."""

    layout = fields.String(required=True, validate=validate.OneOf(sorted(LAYOUTS)))
    lang = fields.String(load_default=None, validate=validate.OneOf(LANGUAGES))
    skip = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100))
    signed = fields.Boolean(load_default=True)
    crates = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                         validate=validate.Length(max=10_000))
    building = fields.String(load_default=None, validate=validate.Length(min=1, max=16))
    all = fields.Boolean(load_default=False)
    blank = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_RESERVE))
    first = fields.String(load_default=None, validate=validate.Length(max=64))
    last = fields.String(load_default=None, validate=validate.Length(max=64))
    signs = fields.Boolean(load_default=False)

    @validates_schema
    def range_has_both_ends(self, data, **_kwargs):
        if (data["first"] is None) != (data["last"] is None):
            raise ValidationError("A reserved range needs first and last.", "first")

    @post_load
    def make_order(self, data, **_kwargs) -> PrintOrder:
        reserved = (data["first"], data["last"]) if data["first"] is not None else None
        selection = Selection(crates=tuple(data["crates"]), building=data["building"],
                              all=data["all"], blank=data["blank"], reserved=reserved,
                              signs=data["signs"])
        return PrintOrder(selection=selection, layout=data["layout"], lang=data["lang"],
                          skip=data["skip"], signed=data["signed"])


class RetireIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class RelabelIn(RetireIn):
    new_label = fields.String(load_default=None, validate=validate.Length(max=64))


class LabelListArgs(Schema):
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in LabelStatus]))
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    after = fields.String(load_default=None, validate=validate.Length(max=32))

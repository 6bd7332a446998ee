"""Vouchers (movements as numbered documents), the approval queue and the loss clock."""

from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate

from server.api.schemas import ID
from server.models.ledger import MovementType
from sync.engine.types import MAX_INT
from sync.stock.ledger import LineIn, Voucher
from sync.stock.transfers import AckIn

TYPES = [t.value for t in MovementType]
NAME = validate.Length(max=200)


class LineInSchema(Schema):
    crate_id = fields.String(load_default=None, validate=validate.Length(max=36))
    quantity = fields.Integer(load_default=0, strict=True,
                              validate=validate.Range(min=-10_000_000, max=10_000_000))
    lot_id = fields.Integer(load_default=None, strict=True, validate=ID)
    weapon_id = fields.String(load_default=None, validate=validate.Length(max=36))
    to_crate_id = fields.String(load_default=None, validate=validate.Length(max=36))
    to_location_id = fields.Integer(load_default=None, strict=True, validate=ID)
    details = fields.Dict(load_default=None, keys=fields.String(
        validate=validate.OneOf(["condition", "category", "marking"])))

    @post_load
    def make(self, data, **kwargs) -> LineIn:
        return LineIn(**data)


class TransportSchema(Schema):
    vehicle = fields.String(load_default="", validate=NAME)
    escort = fields.String(load_default="", validate=NAME)
    seals = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                        validate=validate.Length(max=50))


class VoucherInSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    lines = fields.List(fields.Nested(LineInSchema), required=True,
                        validate=validate.Length(1, 2000))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=None)
    document_ref = fields.String(required=True, validate=validate.Length(1, 64))
    counterparty = fields.String(load_default="", validate=NAME)
    witnesses = fields.List(fields.String(validate=NAME), load_default=list,
                            validate=validate.Length(max=20))
    notes = fields.String(load_default="", validate=validate.Length(max=4000))
    issuer = fields.String(load_default="", validate=NAME)
    issuer_signed_at = fields.AwareDateTime(load_default=None)
    receiver = fields.String(load_default="", validate=NAME)
    receiver_signed_at = fields.AwareDateTime(load_default=None)
    transport = fields.Nested(TransportSchema, load_default=None)
    certificate_ref = fields.String(load_default="", validate=validate.Length(max=64))

    @post_load
    def make(self, data, **kwargs) -> dict:
        voucher = Voucher(**{k: data.pop(k) for k in (
            "issuer", "issuer_signed_at", "receiver", "receiver_signed_at", "transport",
            "certificate_ref")})
        return {**data, "lines": tuple(data["lines"]), "witnesses": tuple(data["witnesses"]),
                "voucher": voucher}


class LineOut(Schema):
    line_no = fields.Integer()
    crate_id = fields.String(allow_none=True)
    lot_id = fields.Integer(allow_none=True)
    quantity = fields.Integer()
    weapon_id = fields.String(allow_none=True)
    weapon_status = fields.String(allow_none=True)
    to_location_id = fields.Integer(allow_none=True)
    details = fields.Dict(allow_none=True)


class MovementOut(Schema):
    id = fields.String()
    number = fields.String(attribute="voucher_number")
    type = fields.Function(lambda m: MovementType(m.type).value)
    occurred_at = fields.DateTime()
    recorded_at = fields.DateTime()
    document_ref = fields.String()
    counterparty = fields.String()
    originator_id = fields.Integer()
    approver_id = fields.Integer(allow_none=True)
    witnesses = fields.List(fields.String())
    issuer = fields.String()
    issuer_signed_at = fields.DateTime(allow_none=True)
    receiver = fields.String()
    receiver_signed_at = fields.DateTime(allow_none=True)
    transport = fields.Dict()
    certificate_ref = fields.String()
    report_due_at = fields.DateTime(allow_none=True)
    reference = fields.String()
    notes = fields.String()
    lines = fields.List(fields.Nested(LineOut))


class ProposalOut(Schema):
    id = fields.String()
    depot = fields.String(attribute="depot.code")
    type = fields.Function(lambda p: MovementType(p.type).value)
    payload = fields.Dict()
    originator_id = fields.Integer()
    proposed_at = fields.DateTime()
    status = fields.String()
    decided_by = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()
    movement_id = fields.String(allow_none=True)
    report_due_at = fields.DateTime(allow_none=True)


class BookArgs(Schema):
    type = fields.String(load_default=None, validate=validate.OneOf(TYPES))
    since = fields.AwareDateTime(load_default=None)
    until = fields.AwareDateTime(load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT))


class ApprovalArgs(Schema):
    status = fields.String(load_default="pending", validate=validate.OneOf(
        ["pending", "held", "approved", "rejected", "all"]))
    depot = fields.String(load_default=None, validate=validate.Length(max=8))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT))


class RejectIn(Schema):
    note = fields.String(required=True, validate=validate.Length(1, 2000))


class LossReportIn(Schema):
    reported_to = fields.String(required=True, validate=validate.Length(1, 200))
    reference = fields.String(load_default="", validate=validate.Length(max=64))
    reported_at = fields.AwareDateTime(required=True)


class LossRowOut(Schema):
    proposal = fields.Nested(ProposalOut)
    due_at = fields.DateTime()
    reported_at = fields.Function(lambda r: r.report.reported_at.isoformat() if r.report
                                  else None)
    reported_to = fields.Function(lambda r: r.report.reported_to if r.report else None)
    overdue = fields.Boolean()


class TransferInSchema(Schema):
    to_depot = fields.String(required=True, validate=validate.Length(1, 8))
    lines = fields.List(fields.Nested(LineInSchema), required=True,
                        validate=validate.Length(1, 2000))
    occurred_at = fields.AwareDateTime(required=True)
    document_ref = fields.String(required=True, validate=validate.Length(1, 64))
    issuer = fields.String(load_default="", validate=NAME)
    issuer_signed_at = fields.AwareDateTime(load_default=None)
    transport = fields.Nested(TransportSchema, load_default=None)

    @post_load
    def make(self, data, **kwargs) -> dict:
        voucher = Voucher(issuer=data.pop("issuer"),
                          issuer_signed_at=data.pop("issuer_signed_at"),
                          transport=data.pop("transport"))
        return {**data, "voucher": voucher}


class AckLineSchema(Schema):
    line_no = fields.Integer(required=True, strict=True, validate=ID)
    received_quantity = fields.Integer(required=True, strict=True,
                                       validate=validate.Range(min=0, max=10_000_000))
    to_crate_id = fields.String(load_default=None, validate=validate.Length(max=36))
    to_location_id = fields.Integer(load_default=None, strict=True, validate=ID)
    lot_seen = fields.String(load_default=None, validate=validate.Length(max=64))

    @post_load
    def make(self, data, **kwargs) -> AckIn:
        return AckIn(**data)


class AcknowledgeSchema(Schema):
    lines = fields.List(fields.Nested(AckLineSchema), load_default=list,
                        validate=validate.Length(max=2000))
    complete = fields.Boolean(load_default=False)
    document_ref = fields.String(required=True, validate=validate.Length(1, 64))
    receiver = fields.String(load_default="", validate=NAME)
    receiver_signed_at = fields.AwareDateTime(load_default=None)

    @post_load
    def make(self, data, **kwargs) -> dict:
        voucher = Voucher(receiver=data.pop("receiver"),
                          receiver_signed_at=data.pop("receiver_signed_at"))
        return {**data, "voucher": voucher}


class ConsignmentLineOut(Schema):
    line_no = fields.Integer()
    lot_id = fields.Integer(allow_none=True)
    weapon_id = fields.String(allow_none=True)
    quantity = fields.Integer()
    received_quantity = fields.Integer()
    in_transit = fields.Integer()
    acknowledged_at = fields.DateTime(allow_none=True)
    discrepancy_id = fields.String(allow_none=True)


class ConsignmentOut(Schema):
    id = fields.String()
    from_depot = fields.String(attribute="from_depot.code")
    to_depot = fields.String(attribute="to_depot.code")
    status = fields.String()
    sent_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    out_movement_id = fields.String()
    lines = fields.List(fields.Nested(ConsignmentLineOut))

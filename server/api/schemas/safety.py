"""Explosive safety and surveillance on the wire: gauges, suspension notices, every box of a
lot, test results and safety items."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.models.inventory import Condition
from server.setup_fields import LotTestFields

SHORT, TEXT = validate.Length(max=64), validate.Length(max=2000)


class NoticeIn(Schema):
    reference = fields.String(required=True, validate=validate.Length(1, 64))
    reason = fields.String(load_default="", validate=TEXT)


class LotTestIn(LotTestFields):
    pass


class DecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("accept", "dismiss")))
    note = fields.String(required=True, validate=validate.Length(1, 2000))
    reference = fields.String(load_default="", validate=SHORT)


class SafetyItemArgs(Schema):
    status = fields.String(load_default="open",
                           validate=validate.OneOf(("open", "accepted", "dismissed", "")))
    depot = fields.String(load_default=None, validate=validate.Length(max=8))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class GaugeRowOut(Schema):
    division = fields.String()
    neq_kg = fields.Float()
    limit_kg = fields.Float(allow_none=True)
    share = fields.Float(allow_none=True)
    added = fields.List(fields.String())


class GaugeOut(Schema):
    building_id = fields.Integer(attribute="building.id")
    building = fields.String(attribute="building.code")
    depot = fields.String(attribute="depot_code")
    licence = fields.String(attribute="building.ell_licence_ref")
    ell_kg = fields.Dict(attribute="building.ell_kg")
    cgs_allowed = fields.String(attribute="building.cgs_allowed")
    rule = fields.String()
    status = fields.String()
    divisions = fields.List(fields.Nested(GaugeRowOut))
    held = fields.List(fields.Nested(GaugeRowOut))
    lots = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    pairs = fields.List(fields.List(fields.String()))


class NoticeOut(Schema):
    id = fields.String()
    lot_id = fields.Integer()
    lot_number = fields.String(attribute="lot.lot_number")
    reference = fields.String()
    reason = fields.String()
    issued_at = fields.DateTime()
    lifted_at = fields.DateTime(allow_none=True)
    tasks = fields.Method("_tasks")

    def _tasks(self, notice) -> list[dict]:
        return [{"depot": t.depot.code, "opened_at": t.opened_at.isoformat(),
                 "confirmed_at": t.confirmed_at and t.confirmed_at.isoformat()}
                for t in notice.tasks]


class BoxOut(Schema):
    depot = fields.String()
    building = fields.String(allow_none=True)
    stack = fields.String(allow_none=True)
    label_id = fields.String()
    quantity = fields.Integer()
    counted_at = fields.DateTime(allow_none=True)


class LotTestOut(Schema):
    id = fields.Integer()
    lot_id = fields.Integer()
    tested_on = fields.Date()
    laboratory = fields.String()
    test = fields.String()
    national_code = fields.String()
    condition = fields.Enum(Condition, by_value=True)
    next_test_due = fields.Date(allow_none=True)


class ItemOut(Schema):
    id = fields.String()
    depot = fields.String(attribute="depot.code")
    building = fields.String(attribute="building.code", allow_none=True)
    lot = fields.String(attribute="lot.lot_number", allow_none=True)
    kind = fields.String()
    source = fields.String()
    message = fields.String()
    details = fields.Dict()
    status = fields.String()
    opened_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()


SCHEMAS = {"NoticeIn": NoticeIn, "Notice": NoticeOut, "LotTestIn": LotTestIn, "LotTest": LotTestOut,
           "DecisionIn": DecisionIn, "SafetyItem": ItemOut, "SafetyItemArgs": SafetyItemArgs,
           "Gauge": GaugeOut, "Box": BoxOut}
OPERATIONS = {
    "/safety/buildings/{building_id}": {"get": (
        "A building's NEQ per HD against its ELL", None, "Gauge", 200)},
    "/safety/lots/{lot_id}/notices": {"post": (
        "Suspend a lot country-wide (a task per depot holding it)", "NoticeIn", "Notice",
        201)},
    "/safety/lots/{lot_id}/lift": {"post": ("Lift a lot's suspension", None, "Notice", 200)},
    "/safety/lots/{lot_id}/boxes": {"get": (
        "Find every box of a lot, by depot, building and stack", None, None, 200)},
    "/safety/lots/{lot_id}/tests": {"post": (
        "Record a proof or surveillance test result", "LotTestIn", "LotTest", 201)},
    "/safety/items": {"get": ("Safety items in scope", "SafetyItemArgs", None, 200)},
    "/safety/items/{item_id}/decision": {"post": (
        "Accept or dismiss a safety item (not its proposer)", "DecisionIn", "SafetyItem",
        200)},
}

"""The fields of the entries typed at both doors, with their bounds, once: the books' setup
entries (agency, depot, building; the API's server/api/schemas/books.py and the HQ pages'
server/web/setup_forms.py) and a lot's test result (server/api/schemas/safety.py and the HQ
lot page). Each door adds how its input arrives; the rules are the domain's
(sync/stock/setup.py, sync/stock/surveillance.py)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

SHORT, NAME = validate.Length(max=64), validate.Length(1, 200)


class AgencyFields(Schema):
    name = fields.String(required=True, validate=NAME)
    marking_code = fields.String(required=True, validate=validate.Length(1, 16))


class DepotFields(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 8))
    name = fields.String(required=True, validate=NAME)
    type = fields.String(load_default="central_depot", validate=validate.Length(max=32))
    agency = fields.String(load_default=None, validate=SHORT)
    timezone = fields.String(load_default=None, validate=SHORT)
    commander_name = fields.String(load_default="", validate=validate.Length(max=200))
    licence_ref = fields.String(load_default="", validate=SHORT)
    security_plan_date = fields.Date(load_default=None)
    risk_assessment_date = fields.Date(load_default=None)


class BuildingFields(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 16))
    type = fields.String(load_default="storehouse", validate=validate.Length(max=32))
    ell_kg = fields.Dict(keys=fields.String(validate=validate.Length(max=3)),
                         values=fields.Decimal(allow_nan=False, as_string=True),
                         load_default=dict)
    ell_licence_ref = fields.String(load_default="", validate=SHORT)
    cgs_allowed = fields.String(load_default="", validate=validate.Length(max=40))
    lightning_protection = fields.Boolean(load_default=False)
    lightning_test_date = fields.Date(load_default=None)
    alarm = fields.Boolean(load_default=False)
    lock_type = fields.String(load_default="", validate=SHORT)


class LotTestFields(Schema):
    tested_on = fields.Date(required=True)
    laboratory = fields.String(required=True, validate=NAME)
    test = fields.String(required=True, validate=validate.Length(1, 100))
    code = fields.String(required=True, validate=validate.Length(1, 32))
    next_test_due = fields.Date(load_default=None)
    notes = fields.String(load_default="", validate=validate.Length(max=2000))

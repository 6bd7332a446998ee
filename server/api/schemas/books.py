"""Setting the books up: depots, buildings, stacks, agencies, catalogues and lots."""

from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate

from server.api.schemas import ID
from server.setup_fields import SHORT, AgencyFields, BuildingFields, DepotFields
from sync.stock.setup import BuildingIn


class AgencyIn(AgencyFields):
    pass


class AgencySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    marking_code = fields.String()


class DepotIn(DepotFields):
    pass


class BuildingInSchema(BuildingFields):
    @post_load
    def make(self, data, **kwargs) -> BuildingIn:
        return BuildingIn(**data)


class LocationIn(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 16))


class BuildingSchema(Schema):
    code = fields.String()
    type = fields.String()
    ell_kg = fields.Dict()
    ell_licence_ref = fields.String()
    cgs_allowed = fields.String()
    lightning_protection = fields.Boolean()
    lightning_test_date = fields.Date(allow_none=True)
    alarm = fields.Boolean()
    lock_type = fields.String()
    locations = fields.Function(lambda b: [loc.code for loc in b.locations])


class DepotSetupSchema(Schema):
    code = fields.String()
    name = fields.String()
    country = fields.String(attribute="country_code")
    type = fields.Function(lambda d: d.type.value)
    status = fields.String()
    timezone = fields.String()
    buildings = fields.List(fields.Nested(BuildingSchema))


class AliasIn(Schema):
    alias = fields.String(required=True, validate=validate.Length(1, 100))
    maker = fields.String(required=True, validate=validate.Length(1, 100))


class WeaponModelSchema(Schema):
    id = fields.Integer(dump_only=True)
    manufacturer = fields.String(required=True, validate=validate.Length(1, 100))
    country = fields.String(required=True, validate=validate.Length(2, 2))
    type = fields.String(required=True, validate=SHORT)
    model = fields.String(required=True, validate=validate.Length(1, 100))
    calibre = fields.String(required=True, validate=validate.Length(1, 32))


class ItemTypeSchema(Schema):
    id = fields.Integer(dump_only=True)
    nature = fields.String(required=True, validate=SHORT)
    calibre = fields.String(required=True, validate=validate.Length(1, 32))
    type = fields.String(required=True, validate=validate.Length(1, 32))
    hazard_division = fields.String(required=True, validate=validate.Length(1, 3))
    compatibility_group = fields.String(required=True, validate=validate.Length(1, 1))
    neq_kg = fields.Decimal(required=True, allow_nan=False, as_string=True)
    un_number = fields.String(load_default="", validate=validate.Length(max=8))
    hazard_code = fields.String(dump_only=True)


class LotIn(Schema):
    item_type_id = fields.Integer(required=True, validate=ID)
    lot_number = fields.String(load_default=None, allow_none=True, validate=SHORT)
    lot_state = fields.String(load_default="known", validate=validate.Length(max=16))
    manufacturer = fields.String(load_default="", validate=validate.Length(max=100))
    country_of_manufacture = fields.String(load_default="", validate=validate.Length(max=2))
    manufacture_date = fields.Date(load_default=None)
    expiry_date = fields.Date(load_default=None)
    condition = fields.String(load_default="SERVICEABLE", validate=validate.Length(max=32))
    suspended = fields.Boolean(load_default=False)
    suspension_ref = fields.String(load_default="", validate=SHORT)


class LotOut(Schema):
    id = fields.Integer()
    item_type_id = fields.Integer()
    lot_number = fields.String(allow_none=True)
    lot_state = fields.Function(lambda lot: lot.lot_state.value)
    manufacturer = fields.String()
    country_of_manufacture = fields.String()
    manufacture_date = fields.Date(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    condition = fields.Function(lambda lot: lot.condition.value)
    suspended = fields.Boolean()
    suspension_ref = fields.String()


class SuspensionIn(Schema):
    suspended = fields.Boolean(required=True)
    reference = fields.String(required=True, validate=validate.Length(1, 64))

"""The setup and catalogue forms of the HQ pages, as HTML sends them: an empty field is "not
given", a checkbox is there or not, the ELL is one field per hazard division. The fields and
their bounds are the API's (server/setup_fields.py); the rules are the domain's."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, pre_load, validate

from server.models.inventory import HAZARD_GROUPS
from server.setup_fields import SHORT, AgencyFields, BuildingFields, DepotFields
from server.web.schemas import Form
from sync.engine.types import MAX_INT
from sync.stock.setup import BuildingIn

ID = validate.Range(min=1, max=MAX_INT)


class AgencyForm(Form, AgencyFields):
    pass


class DepotForm(Form, DepotFields):
    pass


class BuildingForm(Form, BuildingFields):
    @pre_load
    def drop_empty(self, data: Any, **kwargs: Any) -> dict[str, Any]:
        """ell_1.1 … ell_1.6 become the ELL per hazard division."""
        values = super().drop_empty(data)
        values["ell_kg"] = {hd: values.pop(f"ell_{hd}") for hd in HAZARD_GROUPS
                            if f"ell_{hd}" in values}
        return values

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> BuildingIn:
        return BuildingIn(**data)


class LocationForm(Form):
    code = fields.String(required=True, validate=validate.Length(1, 16))


class AliasForm(Form):
    alias = fields.String(required=True, validate=validate.Length(1, 100))
    maker = fields.String(required=True, validate=validate.Length(1, 100))


class WeaponModelForm(Form):
    manufacturer = fields.String(required=True, validate=validate.Length(1, 100))
    country = fields.String(required=True, validate=validate.Length(2, 2))
    type = fields.String(required=True, validate=SHORT)
    model = fields.String(required=True, validate=validate.Length(1, 100))
    calibre = fields.String(required=True, validate=validate.Length(1, 32))


class ItemTypeForm(Form):
    nature = fields.String(required=True, validate=SHORT)
    calibre = fields.String(required=True, validate=validate.Length(1, 32))
    type = fields.String(required=True, validate=validate.Length(1, 32))
    hazard_division = fields.String(required=True, validate=validate.Length(1, 3))
    compatibility_group = fields.String(required=True, validate=validate.Length(1, 1))
    neq_kg = fields.Decimal(required=True, allow_nan=False, as_string=True)
    un_number = fields.String(load_default="", validate=validate.Length(max=8))


class LotEditForm(Form):
    lot_number = fields.String(load_default=None, validate=SHORT)
    lot_state = fields.String(load_default="known", validate=validate.Length(max=16))
    manufacturer = fields.String(load_default="", validate=validate.Length(max=100))
    country_of_manufacture = fields.String(load_default="", validate=validate.Length(max=2))
    manufacture_date = fields.Date(load_default=None)
    expiry_date = fields.Date(load_default=None)


class LotForm(LotEditForm):
    item_type_id = fields.Integer(required=True, validate=ID)
    condition = fields.String(load_default="SERVICEABLE", validate=validate.Length(max=32))
    suspended = fields.Boolean(load_default=False)
    suspension_ref = fields.String(load_default="", validate=SHORT)


class SuspensionForm(Form):
    suspended = fields.Boolean(required=True)
    reference = fields.String(required=True, validate=validate.Length(1, 64))

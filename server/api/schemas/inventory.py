"""Depots, crates and their contents as phones read them, and keyset paging."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
    validate,
)


class DepotSchema(Schema):
    code = fields.String()
    name = fields.String()
    country = fields.String(attribute="country_code")
    type = fields.Function(lambda d: d.type.value)
    timezone = fields.String()
    buildings = fields.Function(lambda d: [b.code for b in d.buildings])


class LotSchema(Schema):
    lot_number = fields.String(allow_none=True)
    lot_state = fields.Function(lambda lot: lot.lot_state.value)
    manufacturer = fields.String()
    condition = fields.Function(lambda lot: lot.condition.value)
    suspended = fields.Boolean()
    nature = fields.String(attribute="item_type.nature")
    calibre = fields.String(attribute="item_type.calibre")
    ammo_type = fields.String(attribute="item_type.type")
    hazard_code = fields.String(attribute="item_type.hazard_code")


class WeaponSchema(Schema):
    id = fields.String()
    manufacturer = fields.String()
    model = fields.String()
    calibre = fields.String()
    serial = fields.String()
    status = fields.Function(lambda w: w.status.value)


def where(thing) -> dict | None:
    """The building and stack of anything with a location (a crate, a scanned stack sign)."""
    if thing.location is None:
        return None
    return {"building": thing.location.building.code, "stack": thing.location.code}


class CrateSchema(Schema):
    id = fields.String()
    label_id = fields.String()
    depot = fields.String(attribute="depot.code")
    kind = fields.Function(lambda c: c.kind.value)
    status = fields.Function(lambda c: c.status.value)
    category = fields.Function(lambda c: c.category.value)
    condition = fields.Function(lambda c: c.condition.value if c.condition else None)
    location = fields.Function(where)
    seal_number = fields.String(allow_none=True)
    lot = fields.Nested(LotSchema, allow_none=True)
    quantity = fields.Integer()
    version = fields.Integer()
    last_counted_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class CrateDetailSchema(CrateSchema):
    notes = fields.String()
    weapons = fields.List(fields.Nested(WeaponSchema))


class PageArgs(Schema):
    """Keyset paging: ``after`` is the last label ID of the previous page."""

    limit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    after = fields.String(load_default=None, validate=validate.Length(max=32))
    building = fields.String(load_default=None, validate=validate.Length(max=16))

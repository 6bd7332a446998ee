"""The weapon register over the API: registering a weapon, searching by any mark."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from sync.register.records import ACQUISITIONS, POSITIONS, WeaponIn

SHORT = validate.Length(max=64)
YEAR = validate.Range(min=1850, max=2100)


class MarkingIn(Schema):
    country = fields.String(required=True, validate=validate.Length(1, 3))
    agency = fields.String(required=True, validate=validate.Length(1, 16))
    year = fields.Integer(required=True, validate=YEAR)
    number = fields.String(required=True, validate=validate.Length(1, 12))


class WeaponInSchema(Schema):
    manufacturer = fields.String(required=True, validate=validate.Length(1, 100))
    model = fields.String(required=True, validate=validate.Length(1, 100))
    country_of_manufacture = fields.String(required=True, validate=validate.Length(2, 2))
    serial = fields.String(load_default="", validate=SHORT)
    type = fields.String(load_default="", validate=SHORT)
    calibre = fields.String(load_default="", validate=validate.Length(max=32))
    year = fields.Integer(load_default=None, validate=YEAR)
    import_country = fields.String(load_default=None, validate=validate.Length(2, 2))
    import_year = fields.Integer(load_default=None, validate=YEAR)
    marking = fields.Nested(MarkingIn, load_default=None)
    marking_text = fields.String(load_default="", validate=SHORT)
    marking_positions = fields.List(fields.String(validate=validate.OneOf(POSITIONS)),
                                    load_default=list, validate=validate.Length(max=7))
    marking_photos = fields.List(fields.String(validate=SHORT), load_default=list,
                                 validate=validate.Length(max=20))
    registry_serial = fields.String(load_default="", validate=SHORT)
    holder_agency = fields.String(load_default="", validate=validate.Length(max=16))
    acquisition = fields.String(load_default="", validate=validate.OneOf(ACQUISITIONS))

    @post_load
    def to_weapon(self, data: dict[str, Any], **kwargs: Any) -> WeaponIn:
        return WeaponIn(**{**data, "marking_positions": tuple(data["marking_positions"]),
                           "marking_photos": tuple(data["marking_photos"])})


class WeaponOut(Schema):
    id = fields.String()
    manufacturer = fields.String()
    model = fields.String()
    type = fields.String()
    calibre = fields.String()
    serial = fields.String()
    registry_serial = fields.String(allow_none=True)
    country_of_manufacture = fields.String()
    year = fields.Integer(allow_none=True)
    import_country = fields.String(allow_none=True)
    import_year = fields.Integer(allow_none=True)
    national_marking = fields.Dict()
    marking_positions = fields.List(fields.String())
    status = fields.Function(lambda w: w.status.value)
    acquisition = fields.String()


class RegisterSearchArgs(Schema):
    q = fields.String(required=True, validate=[validate.Length(1, 200), validate.Regexp(
        r"^[^\x00-\x1f\x7f]*$", error="Control characters are not searched.")])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ReasonOut(Schema):
    code = fields.String()
    score = fields.Integer()
    detail = fields.String()


class MatchOut(Schema):
    weapon = fields.Nested(WeaponOut)
    depot = fields.String()
    score = fields.Integer()
    reasons = fields.List(fields.Nested(ReasonOut))


class SearchResult(Schema):
    matches = fields.List(fields.Nested(MatchOut))

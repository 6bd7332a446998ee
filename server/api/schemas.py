"""marshmallow wire schemas of the API."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from sync.labelids import parse_label
from sync.photos import is_plain_filename
from sync.uploads import PhotoMeta


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


def _location(crate) -> dict | None:
    if crate.location is None:
        return None
    return {"building": crate.location.building.code, "stack": crate.location.code}


class CrateSchema(Schema):
    id = fields.String()
    label_id = fields.String()
    depot = fields.String(attribute="depot.code")
    kind = fields.Function(lambda c: c.kind.value)
    status = fields.Function(lambda c: c.status.value)
    category = fields.Function(lambda c: c.category.value)
    condition = fields.Function(lambda c: c.condition.value if c.condition else None)
    location = fields.Function(_location)
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


def _bare_filename(name: str) -> None:
    if name and not is_plain_filename(name):
        raise ValidationError("A bare file name is required, not a path.")


def _label_id(value: str) -> None:
    try:
        parse_label(value)
    except ValueError as exc:
        raise ValidationError(f"Not a crate label ID: {exc}") from None


NO_CONTROL = validate.Regexp(r"^[^\x00-\x1f\x7f]*\Z", error="Control characters are not allowed.")


class UploadMetadataSchema(Schema):
    """The Upload-Metadata of a photo (values already base64-decoded). Other keys tus clients
    add (name, type, relativePath…) are ignored."""

    class Meta:
        unknown = EXCLUDE

    photo_id = fields.UUID(required=True)
    sha256 = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9a-fA-F]{64}\Z", error="Not a hex sha256 digest."))
    filename = fields.String(load_default="", validate=_bare_filename)
    filetype = fields.String(load_default="", validate=validate.Length(max=64))
    instance_id = fields.String(load_default=None, validate=validate.Regexp(
        r"^[A-Za-z0-9:._-]{1,64}\Z", error="Not a submission instance ID."))
    label_id = fields.String(load_default=None, validate=_label_id)
    question = fields.String(load_default="", validate=[validate.Length(max=128), NO_CONTROL])

    @post_load
    def make_meta(self, data, **kwargs) -> PhotoMeta:
        label = data["label_id"]
        return PhotoMeta(photo_id=str(data["photo_id"]), sha256=data["sha256"].lower(),
                         filename=data["filename"], filetype=data["filetype"].lower(),
                         instance_id=data["instance_id"],
                         label_id=str(parse_label(label)) if label else None,
                         question=data["question"])

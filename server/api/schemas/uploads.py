"""tus uploads: the Upload-Metadata of a photo."""

from __future__ import annotations

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
)

from sync.labels.ids import parse_label
from sync.photos.records import is_plain_filename
from sync.photos.uploads import PhotoMeta


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

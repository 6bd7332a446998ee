"""marshmallow wire schemas of the API."""

from __future__ import annotations

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_dump,
    post_load,
    validate,
    validates_schema,
)

from server.models import LabelStatus
from sync.engine.types import op_from_payload
from sync.labels.ids import parse_label
from sync.labels.printing import PrintOrder, Selection
from sync.labels.registry import MAX_RESERVE
from sync.labels.sheets import LANGUAGES, LAYOUTS
from sync.photos.records import is_plain_filename
from sync.photos.uploads import PhotoMeta


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


# --- sync: push, pull, submissions ---------------------------------------------------------

OP_ENTITIES = ("crate", "finding")
OP_ACTIONS = ("create", "patch", "count")
STATUSES = ("applied", "duplicate", "merged", "conflict", "held", "rejected", "blocked")


class OpSchema(Schema):
    """One change a phone proposes. `seq` is the device's own sequence number; `prev_seq` the
    seq of the device's previous op on the same record (null for its first)."""

    op_id = fields.String(required=True, validate=validate.Length(1, 64))
    entity = fields.String(required=True, validate=validate.OneOf(OP_ENTITIES))
    entity_id = fields.String(required=True, validate=validate.Length(1, 64))
    action = fields.String(required=True, validate=validate.OneOf(OP_ACTIONS))
    seq = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    prev_seq = fields.Integer(load_default=None, allow_none=True,
                              validate=validate.Range(min=0))
    base_version = fields.Integer(load_default=None, allow_none=True,
                                  validate=validate.Range(min=1))
    base = fields.Dict(keys=fields.String(validate=validate.Length(max=32)), load_default=dict)
    set = fields.Dict(keys=fields.String(validate=validate.Length(max=32)), required=True)
    device_time = fields.AwareDateTime(load_default=None, allow_none=True)

    @post_load
    def to_op(self, data, **kwargs):
        when = data.get("device_time")
        raw = {**data, "device_time": when.isoformat() if when else None}
        return op_from_payload(raw)


class PushSchema(Schema):
    batch_id = fields.String(required=True, validate=validate.Length(1, 64))
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=512))
    ops = fields.List(fields.Nested(OpSchema), required=True, validate=validate.Length(min=1))


class OpResultSchema(Schema):
    op_id = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    version = fields.Integer(allow_none=True)
    conflict_ids = fields.List(fields.String())
    discrepancy_ids = fields.List(fields.String())
    code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    record = fields.Dict(allow_none=True)
    original_status = fields.String(allow_none=True)
    forced = fields.Boolean()


class PushResultSchema(Schema):
    batch_id = fields.String()
    results = fields.List(fields.Nested(OpResultSchema))
    released = fields.List(fields.Nested(OpResultSchema))
    cursor = fields.String(allow_none=True)


class PullArgs(Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=512))
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1))


class PullResultSchema(Schema):
    crates = fields.List(fields.Dict())
    lots = fields.Dict(keys=fields.String(), values=fields.Dict())
    conflicts = fields.List(fields.Dict())
    cursor = fields.String()
    more = fields.Boolean()
    snapshot = fields.Boolean()


class SyncConfigSchema(Schema):
    max_ops_per_batch = fields.Integer()
    max_body_bytes = fields.Integer()
    tombstone_horizon_days = fields.Integer()
    pull_max_limit = fields.Integer()
    hold_release_seconds = fields.Integer()


class PhotoRefSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 255))
    photo_id = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=64))
    question = fields.String(load_default="", validate=validate.Length(max=128))


class SubmissionSchema(Schema):
    """A whole inspection visit in JSON; counts and findings become ops of the engine."""

    instance_id = fields.String(required=True, validate=validate.Length(1, 64))
    form_id = fields.String(required=True, validate=validate.Length(1, 64))
    form_version = fields.String(load_default="", validate=validate.Length(max=32))
    depot = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=8))
    deprecated_id = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=64))
    visit_type = fields.String(load_default="", validate=validate.Length(max=32))
    started_at = fields.AwareDateTime(load_default=None, allow_none=True)
    ended_at = fields.AwareDateTime(load_default=None, allow_none=True)
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=128)),
                          required=True)
    photos = fields.List(fields.Nested(PhotoRefSchema), load_default=list,
                         validate=validate.Length(max=500))
    counts = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=5000))
    findings = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=500))


class SubmissionResultSchema(Schema):
    instance_id = fields.String()
    status = fields.String()
    problems = fields.List(fields.Dict())
    missing_photos = fields.List(fields.String())


# --- review: conflicts and discrepancies ---------------------------------------------------

class ReviewListArgs(Schema):
    status = fields.String(load_default="open", validate=validate.Length(max=24))
    depot = fields.String(load_default=None, validate=validate.Length(max=8))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class ConflictSchema(Schema):
    id = fields.String()
    crate_id = fields.String(attribute="entity_id")
    field = fields.String()
    base_value = fields.Raw(allow_none=True)
    server_value = fields.Raw(allow_none=True)
    phone_value = fields.Raw(allow_none=True)
    base_version = fields.Integer(allow_none=True)
    server_version = fields.Integer()
    reason = fields.String()
    op_id = fields.String()
    device_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    status = fields.String()
    resolution = fields.String(allow_none=True)
    resolved_value = fields.Raw(allow_none=True)
    resolution_reason = fields.String()


class ResolveSchema(Schema):
    choose = fields.String(required=True, validate=validate.OneOf(["server", "phone", "value"]))
    value = fields.Raw(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class DiscrepancySchema(Schema):
    id = fields.String()
    crate = fields.String(attribute="crate.label_id")
    kind = fields.String()
    book_quantity = fields.Integer()
    observed_quantity = fields.Integer(allow_none=True)
    details = fields.Dict()
    count_ids = fields.List(fields.String())
    status = fields.String()
    opened_at = fields.DateTime()
    investigation = fields.List(fields.Dict())
    cause = fields.String()
    outcome = fields.String(allow_none=True)
    adjustment = fields.Integer(allow_none=True)
    movement_id = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class CloseSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["adjust", "no_adjustment"]))
    cause = fields.String(required=True, validate=validate.Length(1, 5000))
    adjustment = fields.Integer(load_default=None, allow_none=True)


class NoteSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 5000))


# ---- labels -----------------------------------------------------------------------------------

class LabelCrateSchema(Schema):
    """What a label lookup tells about a crate: which one and where, never its contents."""

    id = fields.String()
    label_id = fields.String()
    depot = fields.String(attribute="depot.code")
    kind = fields.Function(lambda c: c.kind.value)
    status = fields.Function(lambda c: c.status.value)
    location = fields.Function(_location)
    version = fields.Integer()


def _place(lookup) -> dict | None:
    if lookup.location is None:
        return None
    return {"building": lookup.location.building.code, "stack": lookup.location.code}


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
    location = fields.Function(_place)

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

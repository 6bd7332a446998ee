"""Tracing requests on the wire: the boxes (sent, received, carried), one request with its
deadlines, answer and photos (never the register's own weapon ids), and the steps of its life;
each loads into what sync/tracing/requests.py takes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, pre_dump, validate

from server.api.schemas.register import MatchOut
from server.setup_fields import (
    SeizureFields,
    TracingAckFields,
    TracingAnswerFields,
    TracingHeaderFields,
    WeaponDataFields,
    request_in,
)
from sync.tracing.detail import RequestView
from sync.tracing.requests import BOXES, RequestIn

IMAGES = ("image/jpeg", "image/png", "image/webp")
COLUMNS = ("id", "reference", "requesting_country", "requested_country", "status", "weapon",
           "context", "requester_contact", "answer_contact", "requested_answer_by", "sent_at",
           "received_at", "acknowledge_due_at", "acknowledged_at", "due_at", "answered_at",
           "outcome", "released", "answer_text", "history")


class WeaponData(WeaponDataFields):
    pass


class SeizureContext(SeizureFields):
    pass


class TracingRequestIn(TracingHeaderFields):
    weapon = fields.Nested(WeaponData, required=True)
    context = fields.Nested(SeizureContext, load_default=dict)
    seized_weapon_id = fields.String(load_default=None, validate=validate.Length(1, 36))

    @post_load
    def to_request(self, data: dict[str, Any], **kwargs: Any) -> RequestIn:
        return request_in(data, data["weapon"], data["context"])


class TracingListArgs(Schema):
    box = fields.String(load_default=None, validate=validate.OneOf(BOXES))


class AcknowledgeIn(TracingAckFields):
    pass


class AnswerIn(TracingAnswerFields):
    pass


class PhotoOut(Schema):
    id = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()
    sha256 = fields.String()


class StepOut(Schema):
    step = fields.String()
    at = fields.String()
    by = fields.String()


class TracingRequestOut(Schema):
    """A RequestView (sync/tracing/detail.py): the request's own columns, flattened with
    what the view adds. The register's weapon ids (matched, seized) are never sent."""

    id = fields.String()
    reference = fields.String()
    requesting_country = fields.String()
    requested_country = fields.String()
    body = fields.String()
    status = fields.String()
    overdue = fields.Boolean()
    weapon = fields.Dict(keys=fields.String(), values=fields.String())
    context = fields.Dict(keys=fields.String(), values=fields.String())
    requester_contact = fields.String()
    answer_contact = fields.String()
    requested_answer_by = fields.AwareDateTime(allow_none=True)
    sent_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime(allow_none=True)
    acknowledge_due_at = fields.AwareDateTime(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.String()
    released = fields.Dict()
    answer_text = fields.String()
    photos = fields.List(fields.Nested(PhotoOut))
    history = fields.List(fields.Nested(StepOut))

    @pre_dump
    def flatten(self, view: RequestView, **kwargs: Any) -> dict[str, Any]:
        req = view.request
        return {**{name: getattr(req, name) for name in COLUMNS},
                "body": view.body.code if view.body else "", "overdue": view.overdue,
                "photos": view.photos, "candidates": view.candidates}


class TracingRequestDetail(TracingRequestOut):
    # the requested state's answering officer only: its own register's candidates
    candidates = fields.List(fields.Nested(MatchOut))


class TracingListOut(Schema):
    requests = fields.List(fields.Nested(TracingRequestOut))


def binary(types: tuple[str, ...]) -> dict[str, Any]:
    """An OpenAPI content map of raw image bytes (the photo routes' bodies)."""
    return {t: {"schema": {"type": "string", "format": "binary"}} for t in types}


# nested schemas first: apispec names each once
SCHEMAS = {"TracingPhoto": PhotoOut, "TracingStep": StepOut,
           "TracingRequestIn": TracingRequestIn, "TracingRequest": TracingRequestOut,
           "TracingRequestDetail": TracingRequestDetail, "TracingList": TracingListOut,
           "TracingListArgs": TracingListArgs, "TracingAcknowledge": AcknowledgeIn,
           "TracingAnswer": AnswerIn}
ONE = "/tracing/requests/{request_id}"
OPERATIONS = {
    "/tracing/requests": {
        "get": ("Tracing requests sent, received or carried (a regional body), newest first",
                "TracingListArgs", "TracingList", 200),
        "post": ("Send a tracing request, directly or through a regional body both states "
                 "work with", "TracingRequestIn", "TracingRequestDetail", 201)},
    ONE: {"get": ("One tracing request: status, deadlines, answer, photos; the answering "
                  "officer also gets the register's candidates", None,
                  "TracingRequestDetail", 200)},
    f"{ONE}/route": {"post": ("The regional body passes the request on", None,
                              "TracingRequestDetail", 200)},
    f"{ONE}/acknowledge": {"post": ("The requested state acknowledges receipt",
                                    "TracingAcknowledge", "TracingRequestDetail", 200)},
    f"{ONE}/answer": {"post": ("The requested state answers, releasing only the fields it "
                               "names", "TracingAnswer", "TracingRequestDetail", 200)},
    f"{ONE}/photos": {"post": ("Attach a photo of the weapon or its markings (the image "
                               "bytes; 201 new, 200 the same image again)", binary(IMAGES),
                               "TracingPhoto", (201, 200))},
    f"{ONE}/photos/{{photo_id}}": {"get": ("One of the request's photos", None,
                                           binary(IMAGES), 200)},
    f"{ONE}/photos/{{photo_id}}/thumbnail": {"get": ("Its thumbnail (JPEG)", None,
                                                     binary(("image/jpeg",)), 200)},
}

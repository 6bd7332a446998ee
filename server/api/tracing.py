"""Tracing requests for tools, with the same rules as the HQ pages (sync/tracing): the boxes
sent, received and carried; one request; send, route (a regional body), acknowledge, answer;
photos of the weapon and its markings, attached as image bytes and read back through the
request only."""

from __future__ import annotations

from flask import current_app, g, request

from server.api import bp
from server.api.schemas.tracing import (
    AcknowledgeIn,
    AnswerIn,
    PhotoOut,
    TracingListArgs,
    TracingListOut,
    TracingRequestDetail,
    TracingRequestIn,
)
from server.auth import device_required
from server.bodies import UnsupportedEncoding, read_json
from server.db import db, utcnow
from server.downloads import send_photo_file
from server.wiring import photo_keeper
from sync.tracing import detail, photos, requests

ONE = "/tracing/requests/<request_id>"


def _shown(request_id: str, status: int = 200):
    view = detail.view_request(db.session, g.principal, request_id, now=utcnow())
    db.session.commit()  # a lost or stolen candidate raises its alert; the search is audited
    return TracingRequestDetail().dump(view), status


@bp.get("/tracing/requests")
@device_required
def list_tracing_requests():
    args = TracingListArgs().load(request.args)
    rows = requests.list_requests(db.session, g.principal, args["box"])
    return TracingListOut().dump({"requests": detail.summaries(db.session, rows, now=utcnow())})


@bp.post("/tracing/requests")
@device_required
def send_tracing_request():
    data = TracingRequestIn().load(read_json())
    req = requests.send_request(db.session, g.principal, data, now=utcnow())
    return _shown(req.id, 201)


@bp.get(ONE)
@device_required
def show_tracing_request(request_id: str):
    return _shown(request_id)


@bp.post(f"{ONE}/route")
@device_required
def route_tracing_request(request_id: str):
    requests.route_request(db.session, g.principal, request_id, now=utcnow())
    return _shown(request_id)


@bp.post(f"{ONE}/acknowledge")
@device_required
def acknowledge_tracing_request(request_id: str):
    data = AcknowledgeIn().load(read_json())
    requests.acknowledge_request(db.session, g.principal, request_id, now=utcnow(), **data)
    return _shown(request_id)


@bp.post(f"{ONE}/answer")
@device_required
def answer_tracing_request(request_id: str):
    data = AnswerIn().load(read_json())
    requests.answer_request(db.session, g.principal, request_id, now=utcnow(), **data)
    return _shown(request_id)


@bp.post(f"{ONE}/photos")
@device_required
def attach_tracing_photo(request_id: str):
    if request.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        raise UnsupportedEncoding("A photo is sent as it is, not compressed again.")
    request.max_content_length = current_app.config["UPLOAD_MAX_SIZE"]  # 413 beyond
    photo, new = photos.attach_photo(db.session, g.principal, request_id, photo_keeper(),
                                     request.stream, filename="", now=utcnow())
    db.session.commit()
    return PhotoOut().dump(photo), 201 if new else 200


@bp.get(f"{ONE}/photos/<photo_id>")
@device_required
def tracing_photo(request_id: str, photo_id: str):
    photo = photos.request_photo(db.session, g.principal, request_id, photo_id)
    return send_photo_file(photo, thumbnail=False)


@bp.get(f"{ONE}/photos/<photo_id>/thumbnail")
@device_required
def tracing_photo_thumbnail(request_id: str, photo_id: str):
    photo = photos.request_photo(db.session, g.principal, request_id, photo_id)
    return send_photo_file(photo, thumbnail=True)

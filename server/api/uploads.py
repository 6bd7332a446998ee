"""tus 1.0.0 endpoints for photos at /api/v1/uploads/: core (HEAD, PATCH, OPTIONS), creation,
creation-with-upload, creation-defer-length, termination, checksum and expiration.

A PATCH ends its read transaction before the body streams in, so a slow link holds no
database connection or lock; the new offset is then committed by compare-and-set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request, url_for
from marshmallow import ValidationError

from server.api import bp, tus
from server.api.schemas.uploads import UploadMetadataSchema
from server.auth import device_required
from server.db import db, utcnow
from server.errors import AppError
from server.models import Upload, UploadStatus
from server.wiring import photo_store, upload_limits
from sync.access import scope as access
from sync.intake.instance_keys import instance_key
from sync.photos import uploads
from sync.photos.images import CONTENT_TYPES
from sync.photos.links import claimed_owners

PREFIX = "/api/v1/uploads"


def tus_endpoint(view: Callable[..., Any]) -> Callable[..., Any]:
    """Every tus request but OPTIONS must say Tus-Resumable: 1.0.0 (else 412)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tus.require_version(request)
        return view(*args, **kwargs)
    return wrapper


@bp.record_once
def install_method_override(state) -> None:
    state.app.wsgi_app = tus.MethodOverride(state.app.wsgi_app, PREFIX + "/")


@bp.after_app_request
def tus_headers(response: Response) -> Response:
    """Tus-Resumable on every answer under /uploads, errors and unknown URLs included."""
    if request.path.startswith(PREFIX):
        response.headers["Tus-Resumable"] = tus.VERSION
        if request.method == "HEAD":
            response.headers["Cache-Control"] = "no-store"
        if response.status_code == 460:
            response.status = "460 Checksum Mismatch"
    return response


@bp.route("/uploads/", methods=["OPTIONS"], provide_automatic_options=False)
@bp.route("/uploads/<upload_id>", methods=["OPTIONS"], provide_automatic_options=False)
def upload_options(upload_id: str | None = None):
    return "", 204, tus.server_headers(current_app.config["UPLOAD_MAX_SIZE"])


@bp.route("/uploads/", methods=["POST"], provide_automatic_options=False)
@tus_endpoint
@device_required
def create_upload():
    length = tus.upload_length(request)
    raw = tus.parse_metadata(request.headers.get("Upload-Metadata"))
    try:
        meta = UploadMetadataSchema().load(raw)
    except ValidationError as exc:
        raise tus.MetadataInvalid("Upload-Metadata did not validate.",
                                  fields=exc.messages) from None
    if meta.filetype and meta.filetype not in CONTENT_TYPES.values():
        raise tus.FiletypeNotAllowed("Photos are JPEG, PNG or WebP.",
                                     allowed=list(CONTENT_TYPES.values()))
    with_body = tus.has_body(request)
    if with_body:
        tus.require_offset_body(request)
    if meta.instance_id:  # the sender's own key when another scope holds the ID: no oracle
        meta = replace(meta, instance_id=instance_key(db.session, g.principal,
                                                      meta.instance_id))
    for owner in claimed_owners(db.session, label_id=meta.label_id,
                                instance_id=meta.instance_id):
        access.check_photo(g.principal, owner.depot, owner.device_id, "photos.upload")
    g.principal.require("photos.upload")
    upload = uploads.create_upload(db.session, g.device, meta, raw, length=length,
                                   store=photo_store(), limits=upload_limits(), now=utcnow())
    db.session.commit()  # the upload exists before its first byte: a dropped link loses nothing
    location = {"Location": url_for("api.head_upload", upload_id=upload.id)}
    if with_body and upload.status is UploadStatus.RECEIVING and upload.offset == 0:
        try:
            return _receive(upload, offset=0, length=None, status=201, headers=location)
        except AppError as exc:  # the upload exists all the same: say where
            exc.with_headers(location)
            raise
    return _answer(upload, 201, location)  # a repeated creation: where it stands


@bp.route("/uploads/<upload_id>", methods=["HEAD"], provide_automatic_options=False)
@tus_endpoint
@device_required
def head_upload(upload_id: str):
    g.principal.require("photos.upload")
    upload = uploads.get_upload(db.session, g.device, upload_id, now=utcnow())
    headers = {"Upload-Offset": str(upload.offset), "Cache-Control": "no-store"}
    if upload.length is None:
        headers["Upload-Defer-Length"] = "1"
    else:
        headers["Upload-Length"] = str(upload.length)
    if upload.meta:
        headers["Upload-Metadata"] = tus.encode_metadata(upload.meta)
    if upload.status is UploadStatus.RECEIVING:
        headers["Upload-Expires"] = tus.expires(upload.expires_at)
    return "", 200, headers


@bp.route("/uploads/<upload_id>", methods=["PATCH"], provide_automatic_options=False)
@tus_endpoint
@device_required
def patch_upload(upload_id: str):
    g.principal.require("photos.upload")
    tus.require_offset_body(request)
    offset = tus.int_header(request, "Upload-Offset", required=True)
    length = tus.int_header(request, "Upload-Length")
    upload = uploads.get_upload(db.session, g.device, upload_id, now=utcnow())
    if (upload.status is UploadStatus.COMPLETED and offset == upload.offset
            and not tus.has_body(request)):
        return _answer(upload, 204)  # the last PATCH again, its answer lost: already done
    return _receive(upload, offset=offset, length=length, status=204)


@bp.route("/uploads/<upload_id>", methods=["DELETE"], provide_automatic_options=False)
@tus_endpoint
@device_required
def terminate_upload(upload_id: str):
    g.principal.require("photos.upload")
    upload = uploads.get_upload(db.session, g.device, upload_id, now=utcnow())
    uploads.terminate_upload(db.session, upload, device=g.device, now=utcnow())
    db.session.commit()
    photo_store().remove_partial(upload.id)
    return "", 204


def _receive(upload: Upload, *, offset: int, length: int | None, status: int,
             headers: dict[str, str] | None = None):
    """Spool the body, then commit it at ``offset`` by compare-and-set (two commits: the read
    transaction ends before the body streams, so nothing waits on a slow phone)."""
    limits, device, store = upload_limits(), g.device, photo_store()
    checksum = tus.parse_checksum(request)
    try:
        room = uploads.check_patch(db.session, upload, offset=offset, length=length,
                                   body_length=request.content_length, limits=limits,
                                   now=utcnow())
    except uploads.OffsetMismatch as exc:
        raise exc.with_headers({"Upload-Offset": str(upload.offset)}) from None
    db.session.commit()  # ends the read transaction; nothing is written yet
    with store.temp_file() as (spool, _):
        spooled = tus.spool_body(request.stream, spool, room=room, checksum=checksum)
        if spooled.checksum_ok is False:
            raise tus.ChecksumMismatch("The body does not match Upload-Checksum; send it again.",
                                       offset=offset).with_headers({"Upload-Offset": str(offset)})
        now = utcnow()
        try:
            upload = uploads.commit_chunk(
                db.session, store, upload, uploads.Chunk(spool, spooled.size, offset, length),
                device=device, limits=limits, now=now)
            db.session.commit()
        except uploads.OffsetMismatch as exc:
            db.session.rollback()
            raise exc.with_headers({"Upload-Offset": str(_offset_now(upload.id))}) from None
        except uploads.ENDING as exc:
            db.session.rollback()
            uploads.fail_upload(db.session, store, upload, exc, device=device, now=now)
            db.session.commit()
            raise
    if upload.status is UploadStatus.COMPLETED:
        store.remove_partial(upload.id)  # the photo store holds the bytes now
    return _answer(upload, status, headers)


def _offset_now(upload_id: str) -> int:
    current = db.session.get(Upload, upload_id)
    return current.offset if current is not None else 0


def _answer(upload: Upload, status: int, headers: dict[str, str] | None = None):
    out = {"Upload-Offset": str(upload.offset), **(headers or {})}
    if upload.status is UploadStatus.RECEIVING:
        out["Upload-Expires"] = tus.expires(upload.expires_at)
    return "", status, out

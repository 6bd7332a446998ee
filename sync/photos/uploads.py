"""Resumable uploads (the rules behind tus): one upload per photo UUID, offsets that move only
by compare-and-set, a per-device cap on unfinished bytes, expiry, and completion into a photo.

A request body is spooled to a private file first (no transaction is open meanwhile); only the
request that wins the compare-and-set writes into the partial file, so a stale or concurrent
PATCH never lands a byte there. No Flask; the caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.errors import AppError, NotFound
from server.models import Device, Photo, Upload, UploadStatus
from server.storage import PartialLost, PhotoStore
from sync.journal.trail import Actor, record_audit
from sync.photos.images import ImageLimits, PhotoRefused
from sync.photos.links import photo_key
from sync.photos.records import PhotoConflict, PhotoIn, Sha256Mismatch, accept_photo


class UploadNotFound(NotFound):
    code = "uploads.not_found"


class UploadGone(AppError):
    status, code = 410, "uploads.gone"


class UploadExpired(UploadGone):
    code = "uploads.expired"


class UploadFailed(UploadGone):
    code = "uploads.failed"


class UploadLost(UploadGone):
    code = "uploads.partial_lost"


class OffsetMismatch(AppError):
    status, code = 409, "uploads.offset_mismatch"


class UploadTooLarge(AppError):
    status, code = 413, "uploads.too_large"


class QuotaExceeded(UploadTooLarge):
    code = "uploads.quota_exceeded"


class LengthInvalid(AppError):
    status, code = 400, "uploads.length_invalid"


# errors that end an upload: its bytes are dropped and it answers 410 from then on
ENDING = (PhotoRefused, Sha256Mismatch, PhotoConflict, UploadLost)


@dataclass(frozen=True)
class UploadLimits:
    max_size: int  # Tus-Max-Size
    device_quota: int  # bytes a device may hold in unfinished uploads
    lifetime: timedelta  # an unfinished upload expires this long after its last progress
    image: ImageLimits = ImageLimits()


@dataclass(frozen=True)
class PhotoMeta:
    """The checked Upload-Metadata of a photo upload (server/api/schemas.py)."""

    photo_id: str
    sha256: str
    filename: str = ""
    filetype: str = ""
    instance_id: str | None = None
    label_id: str | None = None
    question: str = ""


@dataclass(frozen=True)
class Chunk:
    """A request body spooled to ``file``: ``size`` bytes meant for ``offset``."""

    file: BinaryIO
    size: int
    offset: int
    length: int | None = None  # Upload-Length sent with it (deferred length)


def create_upload(session: Session, device: Device, meta: PhotoMeta, raw: dict[str, Any], *,
                  length: int | None, store: PhotoStore, limits: UploadLimits,
                  now: datetime) -> Upload:
    """A new upload for ``meta.photo_id``, or the one already made for it (a creation whose
    response was lost is repeated, never duplicated). An upload that failed or expired is
    replaced; the same photo id with other bytes is a 409."""
    meta = replace(meta, photo_id=photo_key(session, device.user.country_code, meta.photo_id))
    if length == 0:
        raise LengthInvalid("An empty file is not a photo.")
    if length is not None and length > limits.max_size:
        raise UploadTooLarge(f"At most {limits.max_size} bytes per upload.",
                             max_size=limits.max_size)
    existing = session.scalar(select(Upload).where(Upload.photo_id == meta.photo_id))
    if existing is not None:
        if (reused := _reuse(existing, device, meta, length, now)) is not None:
            return reused
        store.remove_partial(existing.id)
        session.execute(delete(Upload).where(Upload.id == existing.id))
    photo = session.get(Photo, meta.photo_id)
    if photo is not None:  # arrived another way (OpenRosa): answer as a finished upload
        if photo.sha256 != meta.sha256 or length not in (None, photo.size):
            raise PhotoConflict("Another file was already stored under this photo id.",
                                photo_id=meta.photo_id)
        upload = _new(device, meta, raw, photo.size, now, limits)
        upload.offset, upload.status, upload.completed_at = photo.size, UploadStatus.COMPLETED, now
    else:
        if device_reserved(session, device.id, now=now) + (length or 0) > limits.device_quota:
            raise QuotaExceeded("This device holds too many unfinished uploads; finish or "
                                "cancel some first.", device_quota=limits.device_quota)
        upload = _new(device, meta, raw, length, now, limits)
    try:
        with session.begin_nested():
            session.add(upload)
    except IntegrityError:  # the same creation, repeated concurrently, got there first
        existing = session.scalar(select(Upload).where(Upload.photo_id == meta.photo_id))
        if existing is None or (reused := _reuse(existing, device, meta, length, now)) is None:
            raise PhotoConflict("An upload for this photo id is being replaced; try again.",
                                photo_id=meta.photo_id) from None
        return reused
    return upload


def get_upload(session: Session, device: Device, upload_id: str, *, now: datetime) -> Upload:
    """This device's upload; 404 for anyone else's, 410 once it expired or was refused."""
    upload = session.scalar(select(Upload).where(Upload.id == upload_id,
                                                 Upload.device_id == device.id))
    if upload is None:
        raise UploadNotFound("No such upload.", upload_id=upload_id)
    if upload.status is UploadStatus.FAILED:
        raise UploadFailed("This upload was refused; create a new one.",
                           reason=upload.error_code)
    if upload.status is UploadStatus.EXPIRED or (
            upload.status is UploadStatus.RECEIVING and upload.expires_at <= now):
        raise UploadExpired("This upload expired; create a new one.")
    return upload


def check_patch(session: Session, upload: Upload, *, offset: int, length: int | None,
                body_length: int | None, limits: UploadLimits, now: datetime) -> int:
    """Refuse a PATCH that cannot apply; else how many body bytes it may carry."""
    if length is not None and upload.length is not None and length != upload.length:
        raise LengthInvalid("Upload-Length cannot change once set.", length=upload.length)
    if offset != upload.offset:
        raise OffsetMismatch("Upload-Offset does not match what the server has; ask with "
                             "HEAD and resume from there.", offset=upload.offset)
    total = upload.length if upload.length is not None else length
    if total is not None and total < offset:
        raise LengthInvalid("Upload-Length is below the bytes already received.")
    if total is not None and total > limits.max_size:
        raise UploadTooLarge(f"At most {limits.max_size} bytes per upload.",
                             max_size=limits.max_size)
    room = (total if total is not None else limits.max_size) - offset
    if body_length is not None and body_length > room:
        raise UploadTooLarge("The body goes past the end of the upload.", room=room)
    if upload.length is None:  # deferred: its bytes count against the quota as they come
        quota_room = limits.device_quota - device_reserved(session, upload.device_id, now=now)
        if body_length is not None and body_length > quota_room:
            raise QuotaExceeded("This device holds too many unfinished uploads; finish or "
                                "cancel some first.", device_quota=limits.device_quota)
        room = max(0, min(room, quota_room))
    return room


def device_reserved(session: Session, device_id: str, *, now: datetime) -> int:
    """Bytes a device has promised (or, deferred, sent) in live unfinished uploads."""
    return int(session.scalar(select(func.coalesce(func.sum(
        func.coalesce(Upload.length, Upload.offset)), 0)).where(
        Upload.device_id == device_id, Upload.status == UploadStatus.RECEIVING,
        Upload.expires_at > now)))  # int: PostgreSQL sums bigints as numeric


def commit_chunk(session: Session, store: PhotoStore, upload: Upload, chunk: Chunk, *,
                 device: Device, limits: UploadLimits, now: datetime) -> Upload:
    """Move the offset from chunk.offset by compare-and-set, then put the spooled bytes in the
    partial file (before the commit: a crash leaves bytes past the committed offset, which the
    next chunk overwrites). On the last byte, the file becomes a photo in the same
    transaction. A loser of the race gets 409 and its bytes are never written."""
    new_offset = chunk.offset + chunk.size
    total = upload.length if upload.length is not None else chunk.length
    if total is not None and new_offset > total:
        raise UploadTooLarge("The body goes past the end of the upload.")
    values: dict[str, Any] = {"offset": new_offset, "expires_at": now + limits.lifetime}
    cas = update(Upload).where(Upload.id == upload.id, Upload.offset == chunk.offset,
                               Upload.status == UploadStatus.RECEIVING)
    if upload.length is None and chunk.length is not None:
        values["length"] = chunk.length
        cas = cas.where(Upload.length.is_(None))
    if session.execute(cas.values(**values).execution_options(
            synchronize_session=False)).rowcount != 1:
        raise OffsetMismatch("Another request moved this upload first; ask with HEAD and "
                             "resume from there.")
    if chunk.size:
        try:
            store.write_partial(upload.id, chunk.offset, chunk.file, chunk.size)
        except PartialLost as exc:
            raise UploadLost("The partial upload was lost on the server; create a new one.",
                             on_disk=exc.size) from None
    session.refresh(upload)
    if upload.length is not None and upload.offset == upload.length:
        _complete(session, store, upload, device=device, limits=limits, now=now)
    return upload


def fail_upload(session: Session, store: PhotoStore, upload: Upload, error: AppError, *,
                device: Device, now: datetime) -> None:
    """End an upload whose file was refused: drop its bytes, answer 410 from now on."""
    failed = session.execute(update(Upload).where(
        Upload.id == upload.id, Upload.status == UploadStatus.RECEIVING).values(
        status=UploadStatus.FAILED, error_code=error.code).execution_options(
        synchronize_session=False)).rowcount
    if failed:
        store.remove_partial(upload.id)
        record_audit(session, Actor(device.user_id, device.id), "photo.refuse", now=now,
                     entity="upload", entity_id=upload.id,
                     country_code=device.user.country_code,
                     details={"photo_id": upload.photo_id, "reason": error.code,
                              "message": error.message})


def terminate_upload(session: Session, upload: Upload, *, device: Device,
                     now: datetime) -> None:
    """The phone gave up (tus termination). The row goes; a photo already kept stays, since
    phones never delete evidence. The caller removes the partial file after committing."""
    session.execute(delete(Upload).where(Upload.id == upload.id))
    record_audit(session, Actor(device.user_id, device.id), "upload.terminate", now=now,
                 entity="upload", entity_id=upload.id, country_code=device.user.country_code,
                 details={"photo_id": upload.photo_id, "offset": upload.offset,
                          "completed": upload.status is UploadStatus.COMPLETED})


def _complete(session: Session, store: PhotoStore, upload: Upload, *, device: Device,
              limits: UploadLimits, now: datetime) -> None:
    if store.partial_size(upload.id) != upload.length:
        raise UploadLost("The partial upload was lost on the server; create a new one.")
    accept_photo(session, store, store.partial_path(upload.id),
                 PhotoIn(photo_id=upload.photo_id, filename=upload.filename,
                         declared_sha256=upload.sha256, instance_id=upload.instance_id,
                         crate_label=upload.crate_label, question=upload.question,
                         phone_id=(upload.meta or {}).get("photo_id")),
                 device=device, limits=limits.image, now=now, upload_id=upload.id)
    upload.status, upload.completed_at = UploadStatus.COMPLETED, now
    session.flush()


def _new(device: Device, meta: PhotoMeta, raw: dict[str, Any], length: int | None,
         now: datetime, limits: UploadLimits) -> Upload:
    return Upload(id=uuid.uuid4().hex, device_id=device.id, photo_id=meta.photo_id,
                  length=length, offset=0, sha256=meta.sha256, meta=raw,
                  filename=meta.filename, instance_id=meta.instance_id,
                  crate_label=meta.label_id, question=meta.question,
                  status=UploadStatus.RECEIVING, error_code="", created_at=now,
                  expires_at=now + limits.lifetime)


def _reuse(existing: Upload, device: Device, meta: PhotoMeta, length: int | None,
           now: datetime) -> Upload | None:
    """The existing upload when this creation repeats it; None when it is to be replaced."""
    gone = existing.status in (UploadStatus.FAILED, UploadStatus.EXPIRED) or (
        existing.status is UploadStatus.RECEIVING and existing.expires_at <= now)
    if gone:
        return None
    same_length = length is None or existing.length in (None, length)
    if existing.sha256 != meta.sha256 or not same_length:
        raise PhotoConflict("This photo id was already used for other bytes.",
                            photo_id=meta.photo_id)
    if existing.device_id == device.id:
        return existing
    if existing.device.user_id != device.user_id:
        raise PhotoConflict("This photo id is already being sent by another device.",
                            photo_id=meta.photo_id)
    # the same person on a re-enrolled phone: a finished upload changes hands, an unfinished
    # one starts over (the new phone cannot resume the old one's bytes)
    if existing.status is UploadStatus.COMPLETED:
        existing.device_id = device.id
        return existing
    return None

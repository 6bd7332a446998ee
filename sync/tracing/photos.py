"""Photos of the weapon and its markings on a tracing request (MOSAIC 05.31's essential
data): the requesting state attaches them, checked and kept like every photo
(sync/photos/records.py: sizes, types, pixel bombs refused); whoever sees the request sees
them, through the request only. They belong to no depot, so no other door shows them, and a
request shows no photo but its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Forbidden, InvalidInput, NotFound
from server.models import Device, Photo, TracingRequest
from sync.access.principal import Principal
from sync.tracing.requests import WrongStep, get_request, note_step

MAX_PHOTOS = 12
OPEN = ("with_body", "received", "acknowledged")  # not yet answered

# store_photo_file bound to the app's store and limits (server.wiring.photo_keeper)
KeepPhoto = Callable[..., Photo]


class TooManyPhotos(InvalidInput):
    code = "tracing.too_many_photos"


def attach_photo(session: Session, principal: Principal, request_id: str, keep: KeepPhoto,
                 source: Any, *, filename: str, now: datetime) -> tuple[Photo, bool]:
    """Keep one photo on a request its state sent and nobody answered yet; (photo, True)
    when new, (the photo already there, False) when the same image was attached before, so
    a retried upload adds nothing. The caller commits."""
    req = get_request(session, principal, request_id)
    principal.require("tracing.send")
    if principal.country_code != req.requesting_country:
        raise Forbidden("Only the requesting state attaches photos.", permission="tracing.send")
    if req.status not in OPEN:
        raise WrongStep("An answered request takes no more photos.", status=req.status)
    device = session.get(Device, principal.device_id) if principal.device_id else None
    with session.begin_nested() as saved:
        photo = keep(session, source, photo_id=f"tracing:{uuid.uuid4().hex}",
                     filename=filename, device=device, now=now)
        earlier = _same_image(session, req, photo.sha256)
        if earlier is not None:
            saved.rollback()  # the new row goes, the file is the earlier one's
            return earlier, False
    if len(req.photos or []) >= MAX_PHOTOS:
        raise TooManyPhotos(f"A request carries at most {MAX_PHOTOS} photos.",
                            limit=MAX_PHOTOS)
    req.photos = [*(req.photos or []), photo.id]
    note_step(session, req, principal, "photo", now, photo=photo.id)
    return photo, True


def _same_image(session: Session, req: TracingRequest, sha256: str) -> Photo | None:
    if not req.photos:
        return None
    return session.scalar(select(Photo).where(Photo.id.in_(req.photos),
                                              Photo.sha256 == sha256))


def request_photo(session: Session, principal: Principal, request_id: str,
                  photo_id: str) -> Photo:
    """One of a request's own photos, to whoever sees the request; any other is not found."""
    req = get_request(session, principal, request_id)
    photo = session.get(Photo, photo_id) if photo_id in (req.photos or []) else None
    if photo is None:
        raise NotFound("No such photo on this request.", photo_id=photo_id[:64])
    return photo


def request_photos(session: Session, req: TracingRequest) -> list[Photo]:
    """The request's photos in the order attached (the caller already may see it)."""
    found = {p.id: p for p in session.scalars(select(Photo).where(
        Photo.id.in_(req.photos or [])))} if req.photos else {}
    return [found[i] for i in req.photos or [] if i in found]

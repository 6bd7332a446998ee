"""Photos for HQ pages: full size and a small thumbnail (for slow links), to people whose
scope covers the photo's depot. Cached privately by the browser, never by shared proxies."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Response, current_app, g, request, send_file
from PIL import Image, ImageOps

from server.access import get_photo
from server.db import db
from server.errors import NotFound
from server.models import Photo
from server.web import bp, login_required

THUMB_SIDE = 320
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_AGE = 7 * 24 * 3600  # a photo's bytes never change: it is named by its sha256


def photo_file(photo: Photo) -> Path:
    """Where the photo store keeps the file (content-addressed by sha256)."""
    path = Path(current_app.config["PHOTO_DIR"]) / photo.sha256[:2] / photo.sha256
    if not path.is_file():
        raise NotFound("This photo's file is not on the server.", photo_id=photo.id)
    return path


def _private(response: Response, etag: str) -> Response:
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.max_age = MAX_AGE
    response.set_etag(etag)
    return response


@bp.get("/photos/<photo_id>")
@login_required
def photo(photo_id: str):
    found = get_photo(db.session, g.principal, photo_id)
    mimetype = found.content_type if found.content_type in IMAGE_TYPES else None
    response = send_file(photo_file(found), mimetype=mimetype or "application/octet-stream",
                         as_attachment=mimetype is None, download_name=found.id,
                         conditional=True, etag=False)
    return _private(response, found.sha256).make_conditional(request)


@bp.get("/photos/<photo_id>/thumb")
@login_required
def thumbnail(photo_id: str):
    found = get_photo(db.session, g.principal, photo_id)
    with Image.open(photo_file(found)) as image:
        image.draft("RGB", (THUMB_SIDE, THUMB_SIDE))  # JPEG: decode at a fraction of the size
        small = ImageOps.exif_transpose(image).convert("RGB")
        small.thumbnail((THUMB_SIDE, THUMB_SIDE))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=70, optimize=True)
    response = Response(out.getvalue(), mimetype="image/jpeg")
    return _private(response, f"thumb-{found.sha256}").make_conditional(request)

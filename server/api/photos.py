"""Stored photos and their thumbnails for phones: GET /api/v1/photos/<photo_id>[/thumbnail],
only within the caller's scope (server/downloads.py sends them)."""

from __future__ import annotations

from server.api import bp
from server.auth import device_required
from server.downloads import send_photo


@bp.get("/photos/<photo_id>")
@device_required
def show_photo(photo_id: str):
    return send_photo(photo_id, thumbnail=False)


@bp.get("/photos/<photo_id>/thumbnail")
@device_required
def show_thumbnail(photo_id: str):
    return send_photo(photo_id, thumbnail=True)

"""Stored photos sent to whoever may see them: the one response the API (device tokens) and
the HQ pages (sessions) share, streamed from disk with an ETag (the sha256), cached privately
by the client and never by shared proxies."""

from __future__ import annotations

from flask import current_app, g, send_file

from server.db import db
from server.errors import NotFound
from server.models import Depot, Photo
from server.wiring import image_limits, photo_store
from sync.access.scope import check_photo
from sync.photos.links import photo_depot_id, photo_key
from sync.photos.records import thumbnail_file


def send_photo(photo_id: str, *, thumbnail: bool):
    """The photo or its thumbnail, if g.principal's scope covers it."""
    photo = db.session.get(Photo, photo_key(db.session, g.principal.country_code, photo_id)) \
        if len(photo_id) <= 64 else None
    if photo is None:
        raise NotFound("No such photo.", photo_id=photo_id)
    depot_id = photo_depot_id(db.session, photo)
    check_photo(g.principal, db.session.get(Depot, depot_id) if depot_id else None,
                photo.device_id)
    return send_photo_file(photo, thumbnail=thumbnail)


def send_photo_file(photo: Photo, *, thumbnail: bool):
    """A photo the caller already may see (its scope, or a tracing request it sees)."""
    store = photo_store()
    path = store.path(photo.sha256)
    if not path.is_file():
        current_app.logger.error("photo %s: file %s is missing", photo.id, path)
        raise NotFound("The photo's file is missing on the server.", photo_id=photo.id)
    if thumbnail:
        path = thumbnail_file(store, photo.sha256, image_limits())
    size = current_app.config["PHOTO_THUMBNAIL_SIZE"]
    response = send_file(path, mimetype="image/jpeg" if thumbnail else photo.content_type,
                         etag=f"{photo.sha256}.t{size}" if thumbnail else photo.sha256,
                         conditional=True, max_age=current_app.config["PHOTO_CACHE_SECONDS"])
    response.cache_control.public = False
    response.cache_control.private = True
    response.vary.add("Authorization")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

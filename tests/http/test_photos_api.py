"""GET /api/v1/photos/<id>[/thumbnail]: only within the caller's scope; ETag, caching, 304."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server.db import db, utcnow
from server.models import Device
from server.storage import PhotoStore
from sync.photos.records import store_photo_file
from tests.imaging import CRATE_JPG, ROTATED_JPG, sha256


def bearer(world, user="inspector"):
    return {"Authorization": f"Bearer {world.tokens[user]}"}


@pytest.fixture
def photos(app, world):
    """A crate photo (depot NMY) and one nothing is known about yet; plain ids."""
    with app.app_context():
        store = PhotoStore(app.config["PHOTO_DIR"])
        phone = db.session.get(Device, world.devices["inspector"])
        store_photo_file(db.session, store, ROTATED_JPG, photo_id="crate-photo",
                         filename="seal.jpg", label_id=world.crates["ammo"], device=phone,
                         now=utcnow())
        store_photo_file(db.session, store, CRATE_JPG, photo_id="orphan-photo",
                         filename="x.jpg", instance_id="uuid:not-here-yet", device=phone,
                         now=utcnow())
        db.session.commit()
    return {"crate": "crate-photo", "orphan": "orphan-photo"}


def test_a_photo_is_streamed_with_its_etag_and_private_caching(client, world, photos):
    r = client.get(f"/api/v1/photos/{photos['crate']}", headers=bearer(world))
    assert r.status_code == 200 and r.data == ROTATED_JPG.read_bytes()
    assert r.mimetype == "image/jpeg"
    assert r.headers["ETag"] == f'"{sha256(ROTATED_JPG.read_bytes())}"'
    assert "private" in r.headers["Cache-Control"] and "max-age=86400" in r.headers[
        "Cache-Control"] and "public" not in r.headers["Cache-Control"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Authorization" in r.headers["Vary"]
    again = client.get(f"/api/v1/photos/{photos['crate']}",
                       headers={**bearer(world), "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_thumbnail_is_upright(client, world, photos):
    r = client.get(f"/api/v1/photos/{photos['crate']}/thumbnail", headers=bearer(world))
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(r.data)).size == (40, 60)  # small already: portrait
    assert r.headers["ETag"] != f'"{sha256(ROTATED_JPG.read_bytes())}"'
    assert client.get(f"/api/v1/photos/{photos['crate']}/thumbnail", headers={
        **bearer(world), "If-None-Match": r.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize(("user", "photo", "status"), [
    ("inspector", "crate", 200),
    ("commander", "crate", 200),
    ("reviewer", "crate", 200),
    ("zdr_inspector", "crate", 404),
    ("ng_inspector", "crate", 404),
    ("ng_commander", "crate", 404),
    ("inspector", "orphan", 200),
    ("commander", "orphan", 404),
    ("reviewer", "orphan", 404),
    ("inspector", "no-such-photo", 404),
    ("inspector", "x" * 300, 404),
], ids=["inspector of the depot", "commander of the depot", "reviewer of the country",
        "inspector of another depot", "inspector of another country",
        "commander of another country", "the phone that sent an unlinked photo",
        "anyone else, unlinked", "reviewer, unlinked", "unknown", "absurd id"])
def test_photos_are_seen_only_within_scope(client, world, photos, user, photo, status):
    photo_id = photos.get(photo, photo)
    for path in (f"/api/v1/photos/{photo_id}", f"/api/v1/photos/{photo_id}/thumbnail"):
        r = client.get(path, headers=bearer(world, user))
        assert r.status_code == status
        if status == 404:
            assert r.json["error"]["code"] == "not_found"
            assert client.get(path, headers={**bearer(world, user), "If-None-Match": "*"})\
                .status_code == 404  # no 304 leaks existence either


def test_photos_need_a_device_token(client, photos):
    assert client.get(f"/api/v1/photos/{photos['crate']}").status_code == 401

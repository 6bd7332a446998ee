"""Photos of the sizes phone cameras take (100 kB, 1 MB, 8 MB of camera-like content) sent
through a real HTTP server on both doors: a Collect multipart submission, and tus uploads
named by a JSON submission. Every byte arrives; nothing is refused."""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import select
from tusclient.client import TusClient

from server.db import db
from server.models import Depot, Photo, Submission
from server.storage import PhotoStore
from tests.imaging import camera_jpeg, sha256, write

SIZES = (0.1, 1, 8)  # megabytes


@pytest.fixture(scope="module")
def photos():
    return {f"p{i}.jpg": camera_jpeg(mb, seed=i) for i, mb in enumerate(SIZES)}


def stored(app, digests):
    """The stored bytes of each photo, by sha256 (None when missing)."""
    with app.app_context():
        store = PhotoStore(app.config["PHOTO_DIR"])
        rows = {p.sha256: p for p in db.session.scalars(select(Photo))}
        return {d: (store.path(d).read_bytes() if d in rows else None) for d in digests}


def new_labels(app, n):
    from sync.stock.inventory import allocate_labels

    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.code == "NMY"))
        out = allocate_labels(db.session, depot, n)
        db.session.commit()
        return out


def test_collect_photos_of_phone_sizes_arrive_whole(app, collect, world, live_server, photos):
    crates = [{"label": label, "kind": "ammo_box", "location": "B2/A1",
               "condition": "SERVICEABLE", "crate_photo": name, "label_scan": label}
              for label, name in zip(new_labels(app, len(photos)), photos, strict=True)]
    xml = collect.fill("crate_registration", {
        "start": "2026-11-25T10:00:00.000+01:00", "end": "2026-11-25T10:30:00.000+01:00",
        "depot": "NMY", "new_crates": crates})
    files = {"xml_submission_file": ("submission.xml", xml, "text/xml"),
             **{name: (name, data, "image/jpeg") for name, data in photos.items()}}
    r = requests.post(f"{live_server.url}/key/{world.tokens['inspector']}/submission",
                      files=files, timeout=120)
    assert r.status_code == 201, r.text
    assert f"{len(photos)} photo(s) stored" in r.text
    by_digest = {sha256(d): d for d in photos.values()}
    assert stored(app, by_digest) == by_digest


def test_tus_photos_of_phone_sizes_arrive_whole(app, world, live_server, photos, tmp_path):
    tus = TusClient(live_server.uploads_url(),
                    headers={"Authorization": f"Bearer {world.tokens['inspector']}"})
    iid = f"uuid:{uuid.uuid4()}"
    named = []
    for name, data in photos.items():
        photo_id = str(uuid.uuid4())
        tus.uploader(file_path=str(write(tmp_path, name, data)), chunk_size=2 * 1024 * 1024,
                     metadata={"photo_id": photo_id, "sha256": sha256(data),
                               "filename": name, "filetype": "image/jpeg",
                               "instance_id": iid, "question": "fence_photo"}).upload()
        named.append({"name": name, "photo_id": photo_id, "question": "fence_photo"})
    body = {"instance_id": iid, "form_id": "pssm_visit", "form_version": "1", "depot": "NMY",
            "visit_type": "routine_internal", "answers": {"fence_intact": "yes"},
            "photos": named}
    r = requests.post(f"{live_server.url}/api/v1/submissions", json=body, timeout=60,
                      headers={"Authorization": f"Bearer {world.tokens['inspector']}"})
    assert r.status_code == 201, r.text
    assert r.json()["missing_photos"] == []
    by_digest = {sha256(d): d for d in photos.values()}
    assert stored(app, by_digest) == by_digest
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(Submission.instance_id == iid))
        assert sorted(a.name for a in sub.attachments if a.photo_id) == sorted(photos)

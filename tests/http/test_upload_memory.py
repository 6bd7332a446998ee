"""A 50 MB photo streams through a PATCH with flat memory: the body goes to disk in blocks and
is hashed, checked and stored from disk. Measured as peak traced allocation, not time."""

from __future__ import annotations

import base64
import tracemalloc
import uuid

from server.db import db
from server.models import Photo
from tests.imaging import noisy_jpeg, sha256

PEAK_LIMIT = 8 * 1024 * 1024


def test_peak_allocation_stays_flat_while_a_50_mb_upload_streams(client, world, tmp_path, app):
    data = noisy_jpeg(3600)
    assert len(data) > 50_000_000
    size, digest = len(data), sha256(data)
    path = tmp_path / "big.jpg"
    path.write_bytes(data)
    del data
    photo_id = str(uuid.uuid4())
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in {"photo_id": photo_id, "sha256": digest}.items())
    auth = {"Authorization": f"Bearer {world.tokens['inspector']}", "Tus-Resumable": "1.0.0"}
    created = client.post("/api/v1/uploads/", headers={**auth, "Upload-Length": str(size),
                                                       "Upload-Metadata": meta})
    assert created.status_code == 201

    tracemalloc.start()
    try:
        with path.open("rb") as body:
            r = client.patch(created.headers["Location"], input_stream=body, content_length=size,
                             headers={**auth, "Upload-Offset": "0",
                                      "Content-Type": "application/offset+octet-stream"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 204, r.json
    assert r.headers["Upload-Offset"] == str(size)
    with app.app_context():
        assert db.session.get(Photo, photo_id).size == size  # hashed, checked, stored
    print(f"\n50 MB upload: {size / 1e6:.1f} MB streamed, peak traced allocation "
          f"{peak / 1e6:.2f} MB")
    assert peak < PEAK_LIMIT

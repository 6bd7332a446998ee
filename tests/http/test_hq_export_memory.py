"""A large export streams: the CSV leaves in chunks while the database is read a batch at a
time, so a worker's memory stays flat whatever the size of the log."""

from __future__ import annotations

import tracemalloc
import uuid

from sqlalchemy import insert

from server.db import db, utcnow
from server.models import Submission
from tests.hq_seed import login


def add_visits(app, world, depot: str, user: str, count: int) -> None:
    now = utcnow()
    with app.app_context():
        db.session.execute(insert(Submission), [
            {"id": str(uuid.uuid4()), "instance_id": f"uuid:{depot}-{n:08d}",
             "form_id": "pssm_inspection", "source": "json", "content_hash": "h", "raw": "{}",
             "answers": {}, "status": "accepted", "problems": [],
             "depot_id": world.depots[f"NE-{depot}"], "user_id": world.users[user],
             "device_id": world.devices[user], "visit_type": "routine_internal",
             "received_at": now} for n in range(count)])
        db.session.commit()


def streamed(client, url: str) -> tuple[int, int, int]:
    """(bytes, chunks, peak bytes allocated while they were produced)."""
    tracemalloc.start()
    try:
        response = client.get(url, buffered=False)
        chunks = size = 0
        for chunk in response.response:
            chunks, size = chunks + 1, size + len(chunk)
        response.close()
        return size, chunks, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_csv_export_streams_in_flat_memory(app, client, world):
    add_visits(app, world, "ZDR", "zdr_inspector", 3_000)
    add_visits(app, world, "NMY", "inspector", 24_000)
    login(client, "reviewer")
    client.get("/hq/exports/inspections.csv?form=none")  # imports and compiled SQL, once
    small, _, small_peak = streamed(client, "/hq/exports/inspections.csv?depot=ZDR")
    large, chunks, large_peak = streamed(client, "/hq/exports/inspections.csv?depot=NMY")
    assert large > 6 * small and chunks > 40  # about 3 MB of CSV, in 64 KB pieces
    # eight times the rows and hardly more memory: buffering would add the whole file
    assert large_peak - small_peak < (large - small) / 4, (small_peak, large_peak, large)

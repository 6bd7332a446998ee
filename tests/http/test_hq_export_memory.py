"""A large export streams: the CSV leaves in chunks while the database is read a batch at a
time, so a worker's memory stays flat whatever the size of the log. An XLSX that cannot be
written whole is neither sent nor audited."""

from __future__ import annotations

import errno
import io
import tracemalloc
import uuid
from types import SimpleNamespace

from openpyxl import load_workbook
from sqlalchemy import func, insert, select

from server.db import db, utcnow
from server.models import AuditEvent, Submission
from server.web import exports
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


class FullDisk(io.BytesIO):
    """A temporary file on a disk that fills up after `room` bytes, as a busy server's
    /tmp does: the write fails with ENOSPC midway through the workbook."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data) -> int:
        if self.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_an_xlsx_export_failing_midway_is_not_audited_and_answers_cleanly(
        app, client, world, monkeypatch):
    add_visits(app, world, "NMY", "inspector", 2_000)
    login(client, "reviewer")
    files: list[FullDisk] = []

    def temporary_file(**_kwargs) -> FullDisk:
        files.append(FullDisk(room=16 * 1024))
        return files[-1]

    monkeypatch.setattr(exports, "tempfile", SimpleNamespace(TemporaryFile=temporary_file))
    failed = client.get("/hq/exports/inspections.xlsx")
    assert failed.status_code == 503
    assert failed.mimetype == "text/html" and b"could not be written" in failed.data
    assert len(files) == 1 and files[0].tell() > 0  # it broke midway
    monkeypatch.undo()
    assert audited(app) == 0
    whole = client.get("/hq/exports/inspections.xlsx")
    assert whole.status_code == 200
    sheet = load_workbook(io.BytesIO(whole.data), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows()) == 2_001
    assert audited(app) == 1


def audited(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "export.inspections"))

"""Expiry of resumable uploads: unfinished uploads past their time answer 410 and lose their
bytes; spool and partial files no live upload owns are swept, and so are stored photos no
photo row names (a phone's photo is stored before the transaction that records it, so one
that then failed leaves its file). Run by ``flask --app wsgi uploads expire``. No Flask; the
caller commits.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.models import Photo, Upload, UploadStatus
from server.storage import SHA256, UPLOAD_ID, PhotoStore

STALE_FILES_SECONDS = 24 * 3600
SPOOL_PART = re.compile(r"[0-9a-f]{32}-[0-9]{4}\.part")  # a request's file part
SPOOL_DIR = re.compile(r"[0-9a-f]{32}")  # a request's folder, as earlier versions spooled


@dataclass(frozen=True)
class Expired:
    uploads: int
    bytes_freed: int


def expire_uploads(session: Session, store: PhotoStore, *, now: datetime,
                   spools: Sequence[Path] = ()) -> Expired:
    """Mark unfinished uploads past their expiry as expired (they answer 410) and delete their
    bytes; also spool files and partial files that no live upload owns, and the request
    folders under `spools` (OpenRosa bodies) that a killed worker left behind."""
    count = freed = 0
    due = session.scalars(select(Upload.id).where(Upload.status == UploadStatus.RECEIVING,
                                                  Upload.expires_at <= now)).all()
    for upload_id in due:  # compare-and-set: a PATCH that just renewed it keeps it
        if session.execute(update(Upload).where(
                Upload.id == upload_id, Upload.status == UploadStatus.RECEIVING,
                Upload.expires_at <= now).values(status=UploadStatus.EXPIRED)
                .execution_options(synchronize_session=False)).rowcount:
            count += 1
            freed += store.remove_partial(upload_id)
    freed += store.remove_stale_temp(STALE_FILES_SECONDS)
    freed += _remove_orphan_partials(session, store, now=now)
    freed += _remove_orphan_photos(session, store, now=now)
    for root in spools:
        freed += _sweep_spool(root, now.timestamp() - STALE_FILES_SECONDS)
    return Expired(uploads=count, bytes_freed=freed)


def _sweep_spool(root: Path, cutoff: float) -> int:
    """Request part files (and folders) older than the cutoff, left by killed workers: a
    live request's are minutes old."""
    if not root.is_dir():
        return 0
    freed = 0
    for entry in os.scandir(root):
        info = entry.stat(follow_symlinks=False)
        if info.st_mtime >= cutoff:
            continue
        if SPOOL_PART.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            freed += info.st_size
            Path(entry.path).unlink(missing_ok=True)
        elif SPOOL_DIR.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
            freed += sum(f.stat().st_size for f in Path(entry.path).rglob("*") if f.is_file())
            shutil.rmtree(entry.path, ignore_errors=True)
    return freed


def _stale(folder: Path, name: re.Pattern[str], cutoff: float) -> list[str]:
    """The files of `folder` named by `name` and last written before `cutoff`."""
    if not folder.is_dir():
        return []
    return [e.name for e in os.scandir(folder) if name.fullmatch(e.name)
            and e.is_file(follow_symlinks=False) and e.stat().st_mtime < cutoff]


def _remove_orphan_partials(session: Session, store: PhotoStore, *, now: datetime) -> int:
    """Partial files whose upload finished, was terminated or failed while a crash kept the
    file (the row is the truth; a day's grace covers a creation not committed yet)."""
    old = _stale(store.partial_path("0" * 32).parent, UPLOAD_ID,
                 now.timestamp() - STALE_FILES_SECONDS)
    if not old:
        return 0
    live = set(session.scalars(select(Upload.id).where(Upload.id.in_(old),
                                                       Upload.status == UploadStatus.RECEIVING)))
    return sum(store.remove_partial(name) for name in old if name not in live)


def _remove_orphan_photos(session: Session, store: PhotoStore, *, now: datetime) -> int:
    """Stored photos (and their thumbnails) that no photo row names, a day after they were
    last stored: the transaction that was to record them failed. A day's grace covers any
    transaction still running (PhotoStore.put renews a file it is given again)."""
    cutoff, freed = now.timestamp() - STALE_FILES_SECONDS, 0
    for folder in store.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]"):
        old = _stale(folder, SHA256, cutoff)
        if not old:
            continue
        kept = set(session.scalars(select(Photo.sha256).where(Photo.sha256.in_(old))))
        for digest in set(old) - kept:
            for path in (store.path(digest), store.thumbnail_path(digest)):
                with contextlib.suppress(FileNotFoundError):
                    size = path.stat().st_size
                    path.unlink()
                    freed += size
    return freed

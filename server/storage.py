"""PhotoStore: the files behind photos, under PHOTO_DIR. No database.

Photos and thumbnails are named by the sha256 of the photo in two levels of fan-out
directories, so the same bytes are kept once. Partial uploads live in ``partial/<upload id>``,
request bodies are spooled in ``tmp/``. Every path is built from a checked hex digest or
upload id, never from a name a client chose. Finished files appear by atomic rename or link.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

BLOCK = 64 * 1024
SHA256 = re.compile(r"[0-9a-f]{64}")
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


class PhotoStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    # -- naming ---------------------------------------------------------------------------

    def path(self, sha256: str) -> Path:
        """Where the photo with this digest is (or would be) kept."""
        digest = _checked(SHA256, sha256)
        return self.root / digest[:2] / digest[2:4] / digest

    def thumbnail_path(self, sha256: str) -> Path:
        digest = _checked(SHA256, sha256)
        return self.root / "thumbs" / digest[:2] / digest[2:4] / f"{digest}.jpg"

    def partial_path(self, upload_id: str) -> Path:
        return self.root / "partial" / _checked(UPLOAD_ID, upload_id)

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    # -- spooling -------------------------------------------------------------------------

    @contextlib.contextmanager
    def temp_file(self) -> Iterator[tuple[BinaryIO, Path]]:
        """A private file in tmp/ (mode 0600), removed on exit unless the caller moved it."""
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        path = tmp / f"{secrets.token_hex(16)}.part"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w+b") as fh:
                yield fh, path
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    # -- finished files -------------------------------------------------------------------

    def put(self, sha256: str, source: Path) -> bool:
        """Keep ``source`` (already fsynced, digest checked by the caller) as the photo
        ``sha256``. The source stays where it is; the caller removes it. False when these bytes
        were already stored: content addressing makes the second copy a no-op."""
        target = self.path(sha256)
        if target.is_file():
            return self._renew(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)  # atomic, no copy; both names share the bytes
        except FileExistsError:
            return self._renew(target)  # a concurrent request stored the same bytes first
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
                raise
            with source.open("rb") as src:
                self._write_atomic(target, lambda out: shutil.copyfileobj(src, out, BLOCK))
        _fsync_dir(target.parent)
        return True

    @staticmethod
    def _renew(target: Path) -> bool:
        """These bytes were stored already: mark them as stored now, so that the sweep of
        photos no row names (uploads expire) leaves them a day to be recorded."""
        with contextlib.suppress(FileNotFoundError):
            os.utime(target)
        return False

    def put_thumbnail(self, sha256: str, write: Callable[[BinaryIO], None]) -> None:
        """Make the thumbnail of photo ``sha256`` with ``write`` unless it exists."""
        target = self.thumbnail_path(sha256)
        if not target.is_file():
            self._write_atomic(target, write)

    def _write_atomic(self, target: Path, write: Callable[[BinaryIO], None]) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            with tmp.open("xb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        _fsync_dir(target.parent)

    # -- partial uploads ------------------------------------------------------------------

    def partial_size(self, upload_id: str) -> int:
        try:
            return self.partial_path(upload_id).stat().st_size
        except FileNotFoundError:
            return 0

    def write_partial(self, upload_id: str, offset: int, source: BinaryIO, length: int) -> None:
        """Put ``length`` bytes of ``source`` at ``offset`` of the partial file, cut what lies
        beyond (left by an attempt whose offset was never committed), and fsync: the caller
        commits the new offset only after this returns."""
        path = self.partial_path(upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_nlink > 1:
                # put() linked it into the store but that completion never committed: never
                # write through a link, or a stored photo would change under its digest
                os.close(fd)
                fd = self._unshare(path, offset)
            if os.fstat(fd).st_size < offset:
                raise PartialLost(upload_id, os.fstat(fd).st_size)
            source.seek(0)
            position, left = offset, length
            while left:
                block = source.read(min(BLOCK, left))
                if not block:
                    raise OSError(f"spooled chunk ended {left} bytes early")
                os.pwrite(fd, block, position)
                position += len(block)
                left -= len(block)
            os.ftruncate(fd, position)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _unshare(self, path: Path, offset: int) -> int:
        """Replace ``path`` by a private copy of its first ``offset`` bytes; an open fd."""
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        with path.open("rb") as src, tmp.open("xb") as out:
            shutil.copyfileobj(_Window(src, offset), out, BLOCK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        return os.open(path, os.O_WRONLY)

    def remove_partial(self, upload_id: str) -> int:
        """Delete a partial file; the number of bytes freed."""
        path = self.partial_path(upload_id)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def remove_stale_temp(self, older_than_seconds: float) -> int:
        """Delete spool files left by crashed workers; the number of bytes freed."""
        freed, cutoff = 0, time.time() - older_than_seconds
        tmp = self.root / "tmp"
        if not tmp.is_dir():
            return 0
        for entry in os.scandir(tmp):
            stat = entry.stat(follow_symlinks=False)
            if entry.is_file(follow_symlinks=False) and stat.st_mtime < cutoff:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    freed += stat.st_size
        return freed


class PartialLost(OSError):
    """The partial file is shorter than the committed offset (removed or damaged on disk)."""

    def __init__(self, upload_id: str, size: int) -> None:
        super().__init__(f"partial upload {upload_id} has only {size} bytes on disk")
        self.size = size


class _Window:
    def __init__(self, fh: BinaryIO, length: int) -> None:
        self.fh, self.left = fh, length

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(self.left if n < 0 else min(n, self.left))
        self.left -= len(data)
        return data


def _checked(pattern: re.Pattern[str], value: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"not a valid store key: {value!r}")
    return value


def _fsync_dir(path: Path) -> None:
    """Make a rename or link in ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

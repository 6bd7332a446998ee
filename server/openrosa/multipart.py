"""multipart/form-data bodies streamed to disk, never held in memory: every file part is
written to a private temporary directory as it arrives, each part and the whole body are
capped, and the directory is removed when the request is done, whatever happened."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from server.errors import AppError, PayloadTooLarge


class BadMultipart(AppError):
    status, code = 400, "multipart.invalid"


@dataclass(frozen=True)
class Limits:
    body: int  # the whole request body
    part: int  # any one file part
    # a non-file field, in memory; werkzeug (3.1.9) also checks every chunk it reads (64 KiB)
    # plus what it holds against this, so a smaller cap refuses any photo over ~64 KiB
    fields: int = 512 * 1024
    parts: int = 1000


@dataclass
class Parts:
    fields: dict[str, str]
    files: dict[str, Path]  # part name -> file on disk
    sizes: dict[str, int]


class _CappedFile:
    """A file part on its way to disk; refuses to grow past the part limit."""

    def __init__(self, path: Path, limit: int) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        self.file: IO[bytes] = os.fdopen(fd, "w+b")
        self.path, self.limit, self.size = path, limit, 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise PayloadTooLarge(f"A part of the body is over {self.limit} bytes.",
                                  limit=self.limit)
        return self.file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.file, name)


@contextlib.contextmanager
def spooled_parts(environ: dict, tmp_root: str | os.PathLike[str],
                  limits: Limits) -> Iterator[Parts]:
    """Parse the request body into fields and files on disk, removed on exit."""
    folder = Path(tmp_root) / secrets.token_hex(16)
    folder.mkdir(parents=True, mode=0o700)
    opened: list[_CappedFile] = []

    def factory(**_kwargs: Any) -> _CappedFile:
        part = _CappedFile(folder / f"{len(opened):04d}.part", limits.part)
        opened.append(part)
        return part

    try:
        parser = FormDataParser(stream_factory=factory, max_form_memory_size=limits.fields,
                                max_content_length=limits.body, silent=False,
                                max_form_parts=limits.parts)
        try:
            _stream, form, files = parser.parse_from_environ(environ)
        except RequestEntityTooLarge:
            raise PayloadTooLarge(f"The body is over {limits.body} bytes, or has too many "
                                  "parts.", limit=limits.body) from None
        except ValueError as exc:
            raise BadMultipart(f"The multipart body cannot be read: {exc}") from None
        for part in opened:
            part.file.flush()
        yield _collect(form, files)
    finally:
        for part in opened:
            part.file.close()
        shutil.rmtree(folder, ignore_errors=True)


def _collect(form, files) -> Parts:
    found: dict[str, Path] = {}
    sizes: dict[str, int] = {}
    for name, storage in files.items(multi=True):
        storage: FileStorage
        container = storage.stream
        if not isinstance(container, _CappedFile):
            continue
        # Collect names a part after its file; other clients only give the filename
        for key in (name, storage.filename):
            if key and key not in found:
                found[key] = container.path
                sizes[key] = container.size
    return Parts(fields={k: v for k, v in form.items()}, files=found, sizes=sizes)

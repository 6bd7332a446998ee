"""multipart/form-data bodies streamed to disk, never held in memory: every file part is
written to a private temporary file of the spool folder as it arrives (named by the request's
random prefix and the part's number), each part and the whole body are capped, and the files
are removed when the request is done, whatever happened. (No folder of its own a request:
creating and removing one cost more than the rest of a small submission's file work.)"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import MultiPartParser
from werkzeug.http import parse_options_header
from werkzeug.wsgi import get_content_length, get_input_stream

from server.errors import AppError, PayloadTooLarge


class BadMultipart(AppError):
    status, code = 400, "multipart.invalid"


@dataclass(frozen=True)
class Limits:
    body: int  # the whole request body
    part: int  # any one file part
    fields: int = 64 * 1024  # a non-file field, in memory
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
    root = Path(tmp_root)
    root.mkdir(parents=True, mode=0o700, exist_ok=True)
    prefix = secrets.token_hex(16)
    opened: list[_CappedFile] = []

    def factory(**_kwargs: Any) -> _CappedFile:
        part = _CappedFile(root / f"{prefix}-{len(opened):04d}.part", limits.part)
        opened.append(part)
        return part

    try:
        try:
            form, files = _parse(environ, factory, limits)
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
            part.path.unlink(missing_ok=True)


def _parse(environ: dict, factory, limits: Limits):
    """Werkzeug's parser with a read buffer well under the field limit: its decoder checks the
    field limit against the buffer (a read plus the partial boundary left from the last one),
    so with both at 64 KiB any file whose bytes end a read with CR or LF was refused (413)."""
    mimetype, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    if mimetype != "multipart/form-data":
        return MultiDict(), MultiDict()
    boundary = options.get("boundary", "").encode("ascii", "replace")
    if not boundary:
        raise ValueError("Missing boundary")
    stream = get_input_stream(environ, max_content_length=limits.body)
    parser = MultiPartParser(stream_factory=factory, max_form_memory_size=limits.fields,
                             max_form_parts=limits.parts, buffer_size=limits.fields // 4)
    return parser.parse(stream, boundary, get_content_length(environ))


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

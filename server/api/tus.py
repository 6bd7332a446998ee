"""The tus 1.0.0 wire format: protocol headers in and out, and a request body spooled to disk
in blocks. HTTP only; the upload rules are in sync/photos/uploads.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from flask import Request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import http_date

from server.errors import AppError
from server.storage import BLOCK
from sync.photos.uploads import UploadTooLarge

VERSION = "1.0.0"
EXTENSIONS = ("creation,creation-with-upload,creation-defer-length,termination,checksum,"
              "expiration")
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
OFFSET_TYPE = "application/offset+octet-stream"
MAX_METADATA = 4096  # bytes of Upload-Metadata header
KEY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
DIGITS = re.compile(r"\d{1,15}")


class TusRequestInvalid(AppError):
    status, code = 400, "uploads.bad_request"


class VersionUnsupported(AppError):
    status, code = 412, "uploads.version_unsupported"


class MetadataMalformed(TusRequestInvalid):
    code = "uploads.metadata_malformed"


class MetadataInvalid(TusRequestInvalid):
    code = "uploads.metadata_invalid"


class ContentTypeInvalid(AppError):
    status, code = 415, "uploads.content_type"


class FiletypeNotAllowed(AppError):
    status, code = 415, "uploads.filetype_not_allowed"


class ChecksumAlgorithmUnsupported(TusRequestInvalid):
    code = "uploads.checksum_algorithm"


class ChecksumMismatch(AppError):
    status, code = 460, "uploads.checksum_mismatch"


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


@dataclass(frozen=True)
class Spooled:
    size: int
    interrupted: bool  # the client went away before the end of the body
    checksum_ok: bool | None  # None: no Upload-Checksum was sent


def require_version(request: Request) -> None:
    if request.headers.get("Tus-Resumable") != VERSION:
        raise VersionUnsupported("This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.",
                                 supported=[VERSION]).with_headers({"Tus-Version": VERSION})


def int_header(request: Request, name: str, *, required: bool = False) -> int | None:
    value = request.headers.get(name)
    if value is None:
        if required:
            raise TusRequestInvalid(f"The {name} header is required.", header=name)
        return None
    if not DIGITS.fullmatch(value.strip()):
        raise TusRequestInvalid(f"{name} must be a non-negative integer.", header=name)
    return int(value)


def upload_length(request: Request) -> int | None:
    """Upload-Length, or None for Upload-Defer-Length: 1 (exactly one of them)."""
    length = int_header(request, "Upload-Length")
    deferred = request.headers.get("Upload-Defer-Length")
    if deferred is not None and deferred.strip() != "1":
        raise TusRequestInvalid("Upload-Defer-Length must be 1.", header="Upload-Defer-Length")
    if (length is None) == (deferred is None):
        raise TusRequestInvalid("Send Upload-Length or Upload-Defer-Length: 1 (one of them).",
                                header="Upload-Length")
    return length


def parse_metadata(value: str | None) -> dict[str, str]:
    """Upload-Metadata: comma-separated ``key base64(value)`` pairs; values are UTF-8."""
    if not value or not value.strip():
        return {}
    if len(value) > MAX_METADATA:
        raise MetadataMalformed(f"Upload-Metadata is over {MAX_METADATA} bytes.")
    pairs: dict[str, str] = {}
    for item in value.split(","):
        parts = item.strip().split(" ")
        key = parts[0]
        if not KEY.fullmatch(key) or len(parts) > 2 or key in pairs:
            raise MetadataMalformed("Upload-Metadata is not a list of distinct 'key base64' "
                                    "pairs.", key=key[:64])
        try:
            pairs[key] = (base64.b64decode(parts[1], validate=True).decode("utf-8")
                          if len(parts) == 2 else "")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise MetadataMalformed(f"The value of {key!r} is not base64 of UTF-8 text.",
                                    key=key) from None
    return pairs


def encode_metadata(pairs: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" if v else k
                    for k, v in pairs.items())


def parse_checksum(request: Request) -> Checksum | None:
    value = request.headers.get("Upload-Checksum")
    if value is None:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise ChecksumAlgorithmUnsupported(
            f"Checksum algorithm {algorithm[:16]!r} is not supported.",
            supported=sorted(CHECKSUM_ALGORITHMS)).with_headers(
            {"Tus-Checksum-Algorithm": ",".join(sorted(CHECKSUM_ALGORITHMS))})
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != CHECKSUM_ALGORITHMS[algorithm]().digest_size:
        raise TusRequestInvalid("Upload-Checksum is not '<algorithm> <base64 digest>'.",
                                header="Upload-Checksum")
    return Checksum(algorithm, digest)


def require_offset_body(request: Request) -> None:
    if request.mimetype != OFFSET_TYPE:
        raise ContentTypeInvalid(f"The body must be sent as {OFFSET_TYPE}.",
                                 content_type=request.mimetype)


def has_body(request: Request) -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()


def spool_body(stream: BinaryIO, out: BinaryIO, *, room: int,
               checksum: Checksum | None) -> Spooled:
    """Copy the body into ``out`` a block at a time (never whole in memory), at most ``room``
    bytes. A client that drops the link mid-body leaves what arrived, as tus intends."""
    hasher = CHECKSUM_ALGORITHMS[checksum.algorithm]() if checksum else None
    size, interrupted = 0, False
    while True:
        try:
            block = stream.read(min(BLOCK, room - size + 1))
        except (ClientDisconnected, OSError):
            interrupted = True
            break
        if not block:
            break
        size += len(block)
        if size > room:
            raise UploadTooLarge("The body goes past the end of the upload.", room=room)
        out.write(block)
        if hasher:
            hasher.update(block)
    out.flush()
    ok = None if checksum is None else (
        not interrupted and hmac.compare_digest(hasher.digest(), checksum.digest))
    return Spooled(size=size, interrupted=interrupted, checksum_ok=ok)


class MethodOverride:
    """WSGI middleware for tus's X-HTTP-Method-Override: a POST under ``prefix`` that says
    PATCH or DELETE is one (for phones behind proxies that pass only GET and POST)."""

    METHODS = frozenset({"PATCH", "DELETE"})

    def __init__(self, app: Any, prefix: str) -> None:
        self.app, self.prefix = app, prefix

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        override = environ.get("HTTP_X_HTTP_METHOD_OVERRIDE", "").strip().upper()
        if (environ.get("REQUEST_METHOD") == "POST" and override in self.METHODS
                and environ.get("PATH_INFO", "").startswith(self.prefix)):
            environ["REQUEST_METHOD"] = override
        return self.app(environ, start_response)


def expires(at: datetime) -> str:
    return http_date(at)


def server_headers(max_size: int) -> dict[str, str]:
    return {"Tus-Version": VERSION, "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(max_size),
            "Tus-Checksum-Algorithm": ",".join(sorted(CHECKSUM_ALGORITHMS))}

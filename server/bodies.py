"""Request bodies for the JSON API: gzip accepted, size capped after inflation (a gzip bomb
gets 413 after at most the cap has been inflated), malformed JSON a clear 400. Responses are
gzipped when the client accepts it."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

from flask import Response, current_app, request

from server.errors import AppError, PayloadTooLarge

BLOCK = 64 * 1024


class InvalidJson(AppError):
    status, code = 400, "invalid_json"


class UnsupportedEncoding(AppError):
    status, code = 415, "unsupported_encoding"


def read_body(limit: int) -> bytes:
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        data = request.stream.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"The body is over {limit} bytes.", limit=limit)
        return data
    if encoding != "gzip":
        raise UnsupportedEncoding("Only gzip request bodies are accepted.", encoding=encoding)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    while chunk := request.stream.read(BLOCK):
        while chunk:
            try:
                out += inflater.decompress(chunk, limit + 1 - len(out))
            except zlib.error:
                raise InvalidJson("The body is not valid gzip.") from None
            if len(out) > limit:
                raise PayloadTooLarge(f"The body inflates to over {limit} bytes.", limit=limit)
            chunk = inflater.unconsumed_tail
        if inflater.eof:
            break
    if not inflater.eof:
        raise InvalidJson("The gzip body is truncated.")
    return bytes(out)


def read_json(limit: int | None = None) -> Any:
    data = read_body(limit or current_app.config["SYNC_MAX_BODY_BYTES"])
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJson(f"The body is not valid JSON: {exc}") from None


def gzip_response(response: Response) -> Response:
    """after_request: gzip a JSON answer for a client that accepts it."""
    if (response.direct_passthrough or response.status_code < 200
            or "Content-Encoding" in response.headers
            or response.mimetype != "application/json"
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()):
        return response
    data = response.get_data()
    if len(data) < 512:
        return response
    response.set_data(gzip.compress(data, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response

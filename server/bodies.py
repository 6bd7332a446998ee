"""Request bodies for the JSON API: gzip accepted, size capped after inflation (a gzip bomb
gets 413 after at most the cap has been inflated), malformed JSON a clear 400. Responses are
gzipped when the client accepts it."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from typing import Any

from flask import Response, current_app, request

from server.errors import AppError, PayloadTooLarge

BLOCK = 64 * 1024


class InvalidJson(AppError):
    status, code = 400, "invalid_json"


class InvalidText(AppError):
    status, code = 400, "invalid_text"


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


MAX_DEPTH = 32  # the deepest body a door reads (forms nest groups a few levels deep)
# lone surrogates (JSON escapes allow them, UTF-8 does not) and NUL (PostgreSQL text cannot
# hold it): no page or database can keep them
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# how either can come in a JSON body: a \u escape (of NUL or a surrogate half), a surrogate
# encoded as UTF-8 bytes (json.loads lets them pass) or a NUL byte (which every UTF-16 or
# UTF-32 body holds). A body with none of them has no text to clean.
UNSTORABLE_BYTES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\xed[\xa0-\xbf]|\x00")


def read_json(limit: int | None = None) -> Any:
    """The parsed body, no deeper than MAX_DEPTH, with unstorable characters replaced by
    U+FFFD."""
    data = read_body(limit or current_app.config["SYNC_MAX_BODY_BYTES"])
    try:
        if UNSTORABLE_BYTES.search(data) is None:  # most bodies: walked, not rebuilt
            value = json.loads(data)
            if type(value) in (dict, list) and _too_deep(value, 0):
                raise InvalidJson(f"The body nests deeper than {MAX_DEPTH} levels.",
                                  limit=MAX_DEPTH)
            return value
        return _clean(json.loads(data))
    except RecursionError:
        raise InvalidJson(f"The body nests deeper than {MAX_DEPTH} levels.",
                          limit=MAX_DEPTH) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJson(f"The body is not valid JSON: {exc}") from None


def refuse_unstorable() -> None:
    """before_request: the query, the path's values and (on HQ pages) the form, which a
    browser or script may fill with %00 or an encoded surrogate, hold no unstorable text."""
    values = [*request.args.items(multi=True), *(request.view_args or {}).items()]
    if request.blueprint == "web" and request.mimetype == "application/x-www-form-urlencoded":
        values += request.form.items(multi=True)
    for key, value in values:
        if isinstance(value, str) and (UNSTORABLE.search(value) or UNSTORABLE.search(key)):
            raise InvalidText("The request holds a character that cannot be stored (NUL or "
                              "a lone surrogate).", field=UNSTORABLE.sub("?", key)[:64])


def _too_deep(container: dict | list, depth: int) -> bool:
    """Whether a dict or list lies MAX_DEPTH or more levels deep (what _clean refuses)."""
    if depth >= MAX_DEPTH:
        return True
    for child in container.values() if type(container) is dict else container:
        if type(child) in (dict, list) and _too_deep(child, depth + 1):
            return True
    return False


def _clean(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:
        raise InvalidJson(f"The body nests deeper than {MAX_DEPTH} levels.", limit=MAX_DEPTH)
    if isinstance(value, dict):
        return {_clean(k): _clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, depth + 1) for v in value]
    return value


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

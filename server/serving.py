"""Serving behind gunicorn: the requests gunicorn refuses before the app sees them (a request
line or a header over its limits, a request that is not well-formed HTTP) are answered in the
doors' error envelope with its stable code, not gunicorn's HTML page. gunicorn.conf.py, read
from the working directory, selects these workers."""

from __future__ import annotations

import gc
import json

from gunicorn import util
from gunicorn.http import errors as http
from gunicorn.workers.gthread import ThreadWorker as GThreadWorker
from gunicorn.workers.sync import SyncWorker as GSyncWorker

MALFORMED = (http.InvalidRequestLine, http.InvalidRequestMethod, http.InvalidHTTPVersion,
             http.InvalidHeader, http.InvalidHeaderName, http.ObsoleteFolding,
             http.InvalidChunkSize, http.ChunkMissingTerminator, http.InvalidChunkExtension)
APP_FAULTS = (http.InvalidResponseHeader, http.InvalidResponseHeaderName)  # gunicorn's 500


def refusal(exc: Exception, line_limit: int, field_limit: int) -> bytes | None:
    """The whole HTTP answer to a request gunicorn could not read, or None for the errors
    gunicorn itself should answer (the app's own faults)."""
    if isinstance(exc, http.LimitRequestLine):
        answer = (414, "URI Too Long", "request.line_too_long",
                  f"The request line (method and URL) is over {line_limit} bytes.",
                  {"limit": line_limit})
    elif isinstance(exc, http.LimitRequestHeaders):
        answer = (431, "Request Header Fields Too Large", "request.headers_too_large",
                  f"A header is over {field_limit} bytes, or there are too many headers.",
                  {"limit": field_limit})
    elif isinstance(exc, MALFORMED) and not isinstance(exc, APP_FAULTS):
        answer = (400, "Bad Request", "bad_request", "The request is not well-formed HTTP.",
                  {})
    else:
        return None
    status, reason, code, message, details = answer
    body = json.dumps({"error": {"code": code, "message": message, "details": details}})
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Depotsync-Error: {code}\r\nDate: {util.http_date()}\r\n\r\n")
    return (head + body).encode("ascii")


class DoorErrors:
    """Mixed into a gunicorn worker: its client-error answers in the doors' envelope."""

    def handle_error(self, req, client, addr, exc):
        answer = refusal(exc, self.cfg.limit_request_line, self.cfg.limit_request_field_size)
        if answer is None:
            return super().handle_error(req, client, addr, exc)
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, answer)
        except Exception:  # the client is gone: nothing to tell it
            self.log.debug("Failed to send error message.")


class SyncDoorWorker(DoorErrors, GSyncWorker):
    pass


class ThreadDoorWorker(DoorErrors, GThreadWorker):  # -k server.serving.ThreadDoorWorker
    pass


def settle_heap() -> int:
    """What a worker has built by the time the app is loaded (modules, the app, its routes,
    SQLAlchemy's mappers: some 200,000 objects) is moved out of the garbage collector's
    reach. It lives as long as the worker, and every full collection walked all of it again
    (about 45 ms in a new worker here; in bench/sync.py the two or three full collections of
    a 10,000-op push took 0.26-0.30 s, 2 ms once frozen). Returns how many objects were
    moved."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()

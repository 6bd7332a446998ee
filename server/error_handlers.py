"""The one place exceptions become responses: JSON for the API, HTML for /hq pages.

Doors with envelopes of their own (OpenRosa) register a renderer for their path prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from server.errors import AppError

HTTP_CODES = {400: "bad_request", 401: "auth.unauthenticated", 403: "auth.forbidden",
              404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
              409: "conflict", 411: "length_required", 413: "payload_too_large",
              415: "unsupported_media_type", 429: "rate_limited"}

Renderer = Callable[[int, str, str, Any], Any]
RENDERERS: list[tuple[str, Renderer]] = []  # (path prefix, renderer), first match wins


def register(app: Flask) -> None:
    app.register_error_handler(AppError, _app_error)
    app.register_error_handler(
        ValidationError,
        lambda e: respond(422, "invalid_payload", "The body did not validate.", e.messages))
    app.register_error_handler(IntegrityError, _integrity)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(Exception, _unexpected)


def renderer_for(prefix: str) -> Callable[[Renderer], Renderer]:
    def add(fn: Renderer) -> Renderer:
        RENDERERS.append((prefix, fn))
        return fn
    return add


def respond(status: int, code: str, message: str, details: Any = None):
    for prefix, render in RENDERERS:
        if request.path.startswith(prefix):
            return render(status, code, message, details)
    return {"error": {"code": code, "message": message, "details": details or {}}}, status


def _app_error(e: AppError):
    response = current_app.make_response(respond(e.status, e.code, e.message, e.details))
    response.headers.update(e.headers)
    return response


def _http(e: HTTPException):
    if e.code is None or e.code >= 500:
        return _unexpected(e)
    response = respond(e.code, HTTP_CODES.get(e.code, f"http_{e.code}"),
                       e.description or e.name, {})
    if e.code == 405 and e.valid_methods:
        body, status = response if isinstance(response, tuple) else (response, e.code)
        return body, status, {"Allow": ", ".join(e.valid_methods)}
    return response


def _integrity(e: IntegrityError):
    current_app.logger.info("integrity error: %s", e.orig)
    return respond(409, "conflict.integrity",
                   "The change conflicts with data already stored; nothing was written.")


def _unavailable(e: OperationalError):
    current_app.logger.exception("database unavailable")
    return respond(503, "unavailable", "The database is busy or unavailable; try again.")


def _unexpected(e: Exception):
    current_app.logger.exception("unexpected error")
    return respond(500, "internal_error", "Something went wrong on the server; nothing was "
                                          "written. The error was logged.")

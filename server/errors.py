"""Errors a client can act on. Each subclass fixes an HTTP status and a stable code.

Plain Python: domain code in sync/ and forms/ raises these without knowing about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self


class AppError(Exception):
    status, code = 400, "bad_request"
    headers: Mapping[str, str] = {}  # response headers the protocol requires with this error

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def with_headers(self, headers: Mapping[str, str]) -> Self:
        self.headers = {**self.headers, **headers}
        return self


class Unauthenticated(AppError):
    status, code = 401, "auth.unauthenticated"


class Forbidden(AppError):
    status, code = 403, "auth.forbidden"


class NotFound(AppError):
    """Also what another country's data looks like: invisible, not forbidden."""

    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class InvalidInput(AppError):
    status, code = 422, "invalid_input"

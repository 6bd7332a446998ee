"""Blueprint "api" at /api/v1, for phones and tools (device bearer tokens)."""

from flask import Blueprint

from server.bodies import gzip_response

bp = Blueprint("api", __name__)
bp.after_request(gzip_response)

from server.api import (  # noqa: E402,F401  (routes register)
    books,
    inventory,
    labels,
    openapi,
    photos,
    register,
    review,
    safety,
    sync,
    tracing,
    transfers,
    uploads,
    vouchers,
)

"""Blueprint "api" at /api/v1, for phones and tools (device bearer tokens)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from server.api import inventory, photos, uploads  # noqa: E402,F401  (routes register on import)

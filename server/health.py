"""GET /healthz: the app runs and its database answers."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from server.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "database": db.engine.dialect.name}

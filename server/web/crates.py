"""The crate page: current state, versions, ledger, counts over time, photos, and for
reviewing roles its conflicts, discrepancies and their audit trail."""

from __future__ import annotations

from flask import g, render_template

from server.db import db, utcnow
from server.web import bp, login_required
from sync.views.crate_history import crate_view


@bp.get("/crates/<label_id>")
@login_required
def crate(label_id: str):
    view = crate_view(db.session, g.principal, label_id, now=utcnow())
    db.session.commit()  # a restricted read (serial lists) is audited
    return render_template("crate.html", view=view, crate=view.crate)

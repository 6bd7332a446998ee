"""Depots in scope with what is open in each, and one depot's dashboard."""

from __future__ import annotations

from flask import g, render_template
from flask_babel import get_locale

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.charts import month_bars, rrpl_steps
from sync.views.dashboard import depot_dashboard, depot_overview
from sync.views.visit_detail import depot_rrpl


@bp.get("/depots")
@login_required
def depots():
    return render_template("depots.html", rows=depot_overview(db.session, g.principal))


@bp.get("/depots/<code>")
@login_required
def depot(code: str):
    board = depot_dashboard(db.session, g.principal, code, language=str(get_locale()),
                            now=utcnow())
    points, estimate = depot_rrpl(db.session, g.principal, code)
    return render_template("dashboard.html", board=board, depot=board.depot,
                           chart=month_bars(board.months), rrpl=rrpl_steps(points),
                           estimate=estimate)

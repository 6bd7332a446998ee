"""Stock at a glance: a depot's crates (filters, sorting and paging in the URL) with its
totals by nature and by hazard division."""

from __future__ import annotations

from flask import current_app, g, render_template, request

from server.db import db
from server.models.inventory import Condition, CrateKind, CrateStatus, StockCategory
from server.web import bp, login_required
from server.web.schemas import CrateArgs
from sync.views.stock import crate_choices, crate_page, stock_totals


@bp.get("/depots/<code>/crates")
@login_required
def crate_list(code: str):
    flt, page = CrateArgs().load(request.args)
    result = crate_page(db.session, g.principal, code, flt, page=page,
                        per_page=current_app.config["HQ_PAGE_SIZE"])
    by_nature, by_hd = stock_totals(db.session, g.principal, code)
    return render_template("stock/crates.html", page=result, flt=flt, depot=result.depot,
                           choices=crate_choices(db.session, result.depot),
                           by_nature=by_nature, by_hd=by_hd, **VALUES)


VALUES = {"kinds": [k.value for k in CrateKind], "statuses": [s.value for s in CrateStatus],
          "conditions": [c.value for c in Condition],
          "categories": [c.value for c in StockCategory]}

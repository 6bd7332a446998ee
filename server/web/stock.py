"""Stock at a glance: a depot's crates (filters, sorting and paging in the URL) with its
totals by nature and by hazard division; label sheets of ticked crates or a building."""

from __future__ import annotations

import io

from flask import current_app, g, render_template, request, send_file

from server.db import db, utcnow
from server.models.inventory import Condition, CrateKind, CrateStatus, StockCategory
from server.web import bp, login_required
from server.web.schemas import CrateArgs, LabelSheetForm
from server.wiring import label_key
from sync.access.scope import get_depot
from sync.journal.trail import Actor
from sync.labels.pdf import render_pdf
from sync.labels.printing import prepare_print
from sync.labels.sheets import LANGUAGES as LABEL_LANGUAGES
from sync.labels.sheets import LAYOUTS, get_layout
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


@bp.app_context_processor
def _label_choices() -> dict:
    """For the label sheet form on the crate list and the depot page."""
    return {"layouts": sorted(LAYOUTS), "label_languages": LABEL_LANGUAGES}


@bp.post("/depots/<code>/labels.pdf")
@login_required
def label_sheet(code: str):
    order = LabelSheetForm().load(request.form)
    depot = get_depot(db.session, g.principal, code, "labels.print")
    job = prepare_print(db.session, depot, order, key=label_key(),
                        actor=Actor.of(g.principal), now=utcnow(),
                        limit=current_app.config.get("LABELS_MAX_PER_PDF", 2000))
    pdf = io.BytesIO()
    render_pdf(job.faces, get_layout(order.layout), pdf,
               title=f"{depot.country_code}-{depot.code} labels")
    db.session.commit()  # every print is logged
    pdf.seek(0)
    return send_file(pdf, mimetype="application/pdf", as_attachment=True,
                     download_name=f"labels-{depot.country_code}-{depot.code}-"
                                   f"{job.job_id[:8]}.pdf")

"""The inspection log (filters, sorting and paging in the URL) and one inspection's page."""

from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_babel import get_locale

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.schemas import LogArgs
from server.web.templating import country_zone
from sync.views.inspection_detail import inspection_view
from sync.views.inspection_log import inspection_page, log_choices


@bp.get("/inspections")
@login_required
def inspections():
    flt, page = LogArgs().load(request.args)
    result = inspection_page(db.session, g.principal, flt, country_zone(), page=page,
                             per_page=current_app.config["HQ_PAGE_SIZE"])
    return render_template("inspections/list.html", page=result, flt=flt,
                           choices=log_choices(db.session, g.principal))


@bp.get("/inspections/<submission_id>")
@login_required
def inspection(submission_id: str):
    view = inspection_view(db.session, g.principal, submission_id, str(get_locale()),
                           now=utcnow())
    db.session.commit()  # a restricted read (serial lists) is audited
    return render_template("inspections/detail.html", view=view, sub=view.submission)

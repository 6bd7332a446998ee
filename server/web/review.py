"""Review queues: conflicts (base, server and phone values side by side; resolve with a
reason) and discrepancies (investigation notes; close; a second person approves a stock
adjustment). Every decision goes through the domain functions, which audit it."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.schemas import CloseForm, NoteForm, QueueArgs, ResolveForm
from sync.access.scope import visible_depots
from sync.stock import discrepancies
from sync.views import review


def _window(page: int) -> dict[str, int]:
    """One row past the page (HQ_PAGE_SIZE), so _page_of can tell whether another follows."""
    size = current_app.config["HQ_PAGE_SIZE"]
    return {"limit": size + 1, "offset": (page - 1) * size}


def _page_of(rows: list) -> tuple[list, bool]:
    size = current_app.config["HQ_PAGE_SIZE"]
    return rows[:size], len(rows) > size


@bp.get("/conflicts")
@login_required
def conflict_queue():
    args = QueueArgs().load(request.args)
    rows = review.conflict_queue(db.session, g.principal, status=args["status_filter"],
                                 depot_code=args["depot"], **_window(args["page"]))
    rows, more = _page_of(rows)
    return render_template("review/conflicts.html", rows=rows, more=more, args=args,
                           depots=visible_depots(db.session, g.principal))


@bp.get("/conflicts/<conflict_id>")
@login_required
def conflict(conflict_id: str):
    view = review.conflict_view(db.session, g.principal, conflict_id)
    return render_template("review/conflict.html", view=view, c=view.conflict)


@bp.post("/conflicts/<conflict_id>/resolve")
@login_required
def resolve_conflict(conflict_id: str):
    form = ResolveForm().load(request.form)
    review.resolve_typed(db.session, g.principal, conflict_id, choose=form["choose"],
                         reason=form["reason"], text=form["value"], now=utcnow())
    db.session.commit()
    flash(_("Conflict resolved."))
    return redirect(url_for("web.conflict", conflict_id=conflict_id))


@bp.get("/discrepancies")
@login_required
def discrepancy_queue():
    args = QueueArgs().load(request.args)
    rows = discrepancies.list_discrepancies(
        db.session, g.principal, status=args["status_filter"], depot_code=args["depot"],
        **_window(args["page"]))
    rows, more = _page_of(rows)
    return render_template("review/discrepancies.html", rows=rows, more=more, args=args,
                           depots=visible_depots(db.session, g.principal))


@bp.get("/discrepancies/<discrepancy_id>")
@login_required
def discrepancy(discrepancy_id: str):
    view = review.discrepancy_view(db.session, g.principal, discrepancy_id, now=utcnow())
    db.session.commit()  # a restricted read (serial lists) is audited
    return render_template("review/discrepancy.html", view=view, d=view.discrepancy,
                           outcomes=discrepancies.outcomes_for(view.discrepancy.kind))


@bp.post("/discrepancies/<discrepancy_id>/notes")
@login_required
def note_discrepancy(discrepancy_id: str):
    form = NoteForm().load(request.form)
    discrepancies.add_note(db.session, g.principal, discrepancy_id, form["text"], now=utcnow())
    db.session.commit()
    flash(_("Note added."))
    return redirect(url_for("web.discrepancy", discrepancy_id=discrepancy_id))


@bp.post("/discrepancies/<discrepancy_id>/close")
@login_required
def close_discrepancy(discrepancy_id: str):
    form = CloseForm().load(request.form)
    found = discrepancies.close_discrepancy(
        db.session, g.principal, discrepancy_id, outcome=form["outcome"], cause=form["cause"],
        adjustment=form["adjustment"] if form["outcome"] == "adjust" else None,
        into_crate=form["into_crate"], now=utcnow())
    db.session.commit()
    if found.status != "awaiting_approval":
        flash(_("Discrepancy closed."))
    elif found.outcome == "adjust":
        flash(_("Adjustment proposed: another person must approve it."))
    else:
        flash(_("Closure proposed: another person must approve it."))
    return redirect(url_for("web.discrepancy", discrepancy_id=discrepancy_id))


@bp.post("/discrepancies/<discrepancy_id>/approve")
@login_required
def approve_discrepancy(discrepancy_id: str):
    found = discrepancies.approve_discrepancy(db.session, g.principal, discrepancy_id,
                                              now=utcnow())
    db.session.commit()
    flash(_("Adjustment approved and posted to the ledger.") if found.movement_id
          else _("Closure approved."))
    return redirect(url_for("web.discrepancy", discrepancy_id=discrepancy_id))

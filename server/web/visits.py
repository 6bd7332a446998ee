"""A visit with all its parts, the findings queue (overdue per depot), one finding's steps
to closure (plan, done, verify at a follow-up visit, close), and the registers' anomalies."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.schemas import DoneForm, FindingArgs, PlanForm, VerifyForm
from sync.access.scope import visible_depots
from sync.inspections import findings
from sync.inspections.registers import register_anomalies
from sync.views.visit_detail import finding_view, visit_view


@bp.get("/visits/<visit_id>")
@login_required
def visit(visit_id: str):
    view = visit_view(db.session, g.principal, visit_id, now=utcnow())
    db.session.commit()  # a restricted read (the position) is audited
    return render_template("visits/detail.html", view=view, v=view.visit)


@bp.get("/findings")
@login_required
def finding_queue():
    g.principal.require("review.read")
    args = FindingArgs().load(request.args)
    size, now = current_app.config["HQ_PAGE_SIZE"], utcnow()
    query = findings.findings_query(g.principal, status=args["status_filter"],
                                    depot_code=args["depot"],
                                    overdue_at=now if args["overdue"] else None)
    rows = list(db.session.scalars(query.limit(size + 1).offset((args["page"] - 1) * size)))
    return render_template(
        "visits/findings.html", rows=rows[:size], more=len(rows) > size, args=args, now=now,
        overdue=findings.overdue_by_depot(db.session, g.principal, now=now),
        depots=visible_depots(db.session, g.principal))


@bp.get("/findings/<finding_id>")
@login_required
def finding(finding_id: str):
    view = finding_view(db.session, g.principal, finding_id)
    return render_template("visits/finding.html", view=view, f=view.finding, now=utcnow())


def _done(finding_id: str, message: str):
    db.session.commit()
    flash(message)
    return redirect(url_for("web.finding", finding_id=finding_id))


@bp.post("/findings/<finding_id>/plan")
@login_required
def plan_finding(finding_id: str):
    form = PlanForm().load(request.form)
    findings.plan_action(db.session, g.principal, finding_id, action=form["action"],
                         owner_id=form["owner_id"], due=form["due"], now=utcnow())
    return _done(finding_id, _("Corrective action planned."))


@bp.post("/findings/<finding_id>/done")
@login_required
def finding_done(finding_id: str):
    form = DoneForm().load(request.form)
    findings.mark_done(db.session, g.principal, finding_id, note=form["note"], now=utcnow())
    return _done(finding_id, _("Marked as done: a follow-up visit verifies it."))


@bp.post("/findings/<finding_id>/verify")
@login_required
def verify_finding(finding_id: str):
    form = VerifyForm().load(request.form)
    findings.verify(db.session, g.principal, finding_id, visit_id=form["visit_id"],
                    now=utcnow())
    return _done(finding_id, _("Verified at the follow-up visit."))


@bp.post("/findings/<finding_id>/close")
@login_required
def close_finding(finding_id: str):
    findings.close_finding(db.session, g.principal, finding_id, now=utcnow())
    return _done(finding_id, _("Finding closed."))


@bp.get("/registers")
@login_required
def register_anomaly_list():
    return render_template("visits/registers.html",
                           anomalies=register_anomalies(db.session, g.principal, now=utcnow()))

"""Stock checks: what is due per the country's frequencies (overdue first), the planned and
done checks, planning one (type, scope, team with an independent member, blind or not), and
one check's start, completion, lines and accuracy."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.schemas import PlanCheckForm
from sync.access.scope import visible_depots
from sync.inspections import stock_checks
from sync.views.visit_detail import assignable_users


@bp.get("/stock-checks")
@login_required
def stock_check_list():
    return render_template(
        "visits/stock_checks.html", kinds=stock_checks.KINDS,
        due=stock_checks.due_checks(db.session, g.principal, now=utcnow()),
        checks=stock_checks.planned_checks(db.session, g.principal),
        depots=visible_depots(db.session, g.principal),
        users=assignable_users(db.session, g.principal))


@bp.post("/stock-checks")
@login_required
def plan_stock_check():
    form = PlanCheckForm.of(request.form)
    check = stock_checks.plan_check(db.session, g.principal, form.pop("depot"), now=utcnow(),
                                    **form)
    db.session.commit()
    flash(_("Stock check planned."))
    return redirect(url_for("web.stock_check", check_id=check.id))


@bp.get("/stock-checks/<check_id>")
@login_required
def stock_check(check_id: str):
    check = stock_checks.get_check(db.session, g.principal, check_id)
    return render_template("visits/stock_check.html", c=check,
                           users=assignable_users(db.session, g.principal))


@bp.post("/stock-checks/<check_id>/start")
@login_required
def start_stock_check(check_id: str):
    stock_checks.start_check(db.session, g.principal, check_id, now=utcnow())
    db.session.commit()
    flash(_("Stock check started."))
    return redirect(url_for("web.stock_check", check_id=check_id))


@bp.post("/stock-checks/<check_id>/complete")
@login_required
def complete_stock_check(check_id: str):
    stock_checks.complete_check(db.session, g.principal, check_id, now=utcnow())
    db.session.commit()
    flash(_("Stock check completed."))
    return redirect(url_for("web.stock_check", check_id=check_id))

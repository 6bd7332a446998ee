"""The weapon register's HQ pages: search by any mark (ranked, with why each matched), a
weapon's record, and the alerts that lost and stolen weapons seen again raise."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.schemas import AlertCloseForm, ReconcileArgs, SearchArgs
from sync.register.alerts import close_alert, list_alerts
from sync.register.reconciliation import reconcile
from sync.register.records import get_weapon
from sync.register.search import search_register

REASONS = {
    "serial_exact": _l("the serial as marked"),
    "serial_confusable": _l("the serial, reading %(detail)s"),
    "serial_zeros": _l("the serial, leading zeros or separators apart"),
    "serial_prefix": _l("the beginning of the serial"),
    "serial_part": _l("a part of the serial"),
    "registry_serial": _l("the registry serial %(detail)s"),
    "marking": _l("the national marking"),
    "marking_prefix": _l("the beginning of the national marking"),
    "model": _l("the model %(detail)s"),
    "maker": _l("the maker (%(detail)s)"),
}


def reason_text(reason) -> str:
    return str(REASONS.get(reason.code, reason.code)) % {"detail": reason.detail}


@bp.get("/register/search")
@login_required
def register_search():
    g.principal.require("restricted.read")  # hits are serial lists
    query = SearchArgs().load(request.args)["q"]
    matches = search_register(db.session, g.principal, query, now=utcnow()) if query else None
    db.session.commit()  # a lost or stolen weapon found raises its alert
    return render_template("register/search.html", query=query, matches=matches,
                           reason_text=reason_text)


@bp.get("/register/weapons/<weapon_id>")
@login_required
def register_weapon(weapon_id: str):
    weapon = get_weapon(db.session, g.principal, weapon_id)
    return render_template("register/weapon.html", w=weapon)


@bp.get("/register/alerts")
@login_required
def register_alerts():
    status = request.args.get("status") if request.args.get("status") in ("open",
                                                                           "closed") else None
    alerts = list_alerts(db.session, g.principal, status=status or "open")
    return render_template("register/alerts.html", alerts=alerts, status=status or "open")


@bp.post("/register/alerts/<int(max=2147483647):alert_id>/close")
@login_required
def close_register_alert(alert_id: int):
    form = AlertCloseForm().load(request.form)
    close_alert(db.session, g.principal, alert_id, note=form["note"], now=utcnow())
    db.session.commit()
    flash(_("Alert closed."))
    return redirect(url_for("web.register_alerts"))


@bp.get("/register/reconciliation")
@login_required
def register_reconciliation():
    months = ReconcileArgs().load(request.args)["months"]
    found = reconcile(db.session, g.principal, months=months, now=utcnow())
    return render_template("register/reconciliation.html", r=found)

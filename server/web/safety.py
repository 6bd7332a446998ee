"""Explosive safety at HQ: each building's gauge, the country safety report and its export,
every box of a suspended lot, a lot's test results (recorded here too), and the queue of
safety items (breaches accepted under "warn", an inspector's proposals) decided by a second
person."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.exports import HEADERS, _send
from server.web.schemas import LotTestForm, SafetyDecisionForm, SafetyQueueArgs, SuspensionForm
from server.web.templating import country_zone
from server.web.vocabulary import WORDS, word
from sync.access.scope import visible_depots
from sync.stock import safety_items, surveillance
from sync.views.safety import building_gauge, lot_view, safety_export, safety_report

WORDS.update({
    "ell_exceeded": _l("explosive limit exceeded"),
    "cg_incompatible": _l("incompatible compatibility groups"),
    "condition_proposed": _l("condition change proposed"),
    "suspension_proposed": _l("suspension proposed"), "dismissed": _l("dismissed"),
    "phone_relocation": _l("relocation by a phone"), "inspection": _l("inspection"),
    "gauge.no_ell": _l("no ELL on record"), "gauge.near": _l("near its limit"),
    "gauge.ok": _l("within limits"), "gauge.over": _l("over its limit"),
    "gauge.empty": _l("no explosives"), "rule.collective": _l("all divisions added up"),
    "rule.separate": _l("each division on its own"),
    "awaiting_disposal": _l("awaiting disposal"),
    "due_for_test": _l("due for test"), "unsegregated": _l("not segregated"),
    "suspended_box": _l("box of a suspended lot"),
})
HEADERS.update({"section": _l("Section"), "building": _l("Building"), "stack": _l("Stack"),
                "lot": _l("Lot"), "hazard_division": _l("HD"), "neq_kg": _l("NEQ (kg)"),
                "limit_kg": _l("Limit (kg)"), "detail": _l("Detail")})


@bp.get("/safety")
@login_required
def safety_page():
    report = safety_report(db.session, g.principal, today=utcnow().astimezone(
        country_zone()).date())
    return render_template("safety/report.html", report=report)


@bp.get("/safety/buildings/<int(max=2147483647):building_id>")
@login_required
def safety_building(building_id: int):
    gauge = building_gauge(db.session, g.principal, building_id)
    return render_template("safety/building.html", gauge=gauge)


@bp.get("/safety/lots/<int(max=2147483647):lot_id>")
@login_required
def safety_lot(lot_id: int):
    view = lot_view(db.session, g.principal, lot_id)
    return render_template("safety/lot.html", view=view)


@bp.post("/safety/lots/<int(max=2147483647):lot_id>/suspend")
@login_required
def safety_suspend(lot_id: int):
    form = SuspensionForm().load(request.form)
    surveillance.suspend_lot(db.session, g.principal, lot_id, now=utcnow(), **form)
    db.session.commit()
    flash(_("Lot suspended: every depot holding it has a task until each box is counted."))
    return redirect(url_for("web.safety_lot", lot_id=lot_id))


@bp.post("/safety/lots/<int(max=2147483647):lot_id>/lift")
@login_required
def safety_lift(lot_id: int):
    surveillance.lift_suspension(db.session, g.principal, lot_id, now=utcnow())
    db.session.commit()
    flash(_("Suspension lifted."))
    return redirect(url_for("web.safety_lot", lot_id=lot_id))


@bp.post("/safety/lots/<int(max=2147483647):lot_id>/tests")
@login_required
def safety_test(lot_id: int):
    form = LotTestForm().load(request.form)
    row = surveillance.record_test(db.session, g.principal, lot_id, now=utcnow(), **form)
    db.session.commit()
    flash(_("Test result recorded: the lot is now %(condition)s.",
            condition=word(row.condition)))
    return redirect(url_for("web.safety_lot", lot_id=lot_id))


@bp.get("/safety/items")
@login_required
def safety_items_page():
    args = SafetyQueueArgs().load(request.args)
    size = current_app.config["HQ_PAGE_SIZE"]
    rows = safety_items.list_items(
        db.session, g.principal, status=None if args["status"] == "all" else args["status"],
        depot_code=args["depot"], limit=size + 1, offset=(args["page"] - 1) * size)
    return render_template("safety/items.html", rows=rows[:size], more=len(rows) > size,
                           args=args, depots=visible_depots(db.session, g.principal))


@bp.get("/safety/items/<item_id>")
@login_required
def safety_item(item_id: str):
    item = safety_items.get_item(db.session, g.principal, item_id)
    return render_template("safety/item.html", item=item)


@bp.post("/safety/items/<item_id>/decision")
@login_required
def safety_decide(item_id: str):
    form = SafetyDecisionForm().load(request.form)
    safety_items.decide(db.session, g.principal, item_id, now=utcnow(), **form)
    db.session.commit()
    flash(_("Decision recorded."))
    return redirect(url_for("web.safety_item", item_id=item_id))


@bp.get("/exports/safety.<any(csv, xlsx):fmt>")
@login_required
def export_safety(fmt: str):
    export = safety_export(db.session, g.principal, today=utcnow().astimezone(
        country_zone()).date(), now=utcnow())
    return _send(export, fmt, "safety")

"""Devices: one's own phones and those of the people one manages; enrol (the token is shown
once, with the ODK Collect settings QR code that carries it); revoke."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.collect import collect_qr_svg, server_url
from server.db import db, utcnow
from server.web import bp, login_required
from server.web.schemas import EnrolForm
from sync.people import devices


@bp.get("/devices")
@login_required
def device_list():
    overview = devices.device_overview(db.session, g.principal, now=utcnow(),
                                       silent_days=current_app.config["DEVICE_SILENT_DAYS"])
    return render_template("devices/list.html", overview=overview, devices=overview.devices,
                           users=devices.managed_users(db.session, g.principal))


@bp.post("/devices")
@login_required
def enrol():
    form = EnrolForm().load(request.form)
    enrolment = devices.enrol_device(db.session, g.principal, form["user_id"],
                                     name=form["name"], now=utcnow())
    db.session.commit()
    base_url, token = current_app.config["PUBLIC_URL"], enrolment.token
    qr = collect_qr_svg(base_url, token, project_name=f"depotsync {form['name']}".strip())
    return render_template("devices/enrolled.html", enrolment=enrolment, public_url=base_url,
                           collect_url=server_url(base_url, token), collect_qr=qr)


@bp.post("/devices/<device_id>/revoke")
@login_required
def revoke(device_id: str):
    device = devices.revoke(db.session, g.principal, device_id, now=utcnow())
    db.session.commit()
    flash(_("Device %(name)s revoked: it is refused from now on.", name=device.name))
    return redirect(url_for("web.device_list"))

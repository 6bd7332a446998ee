"""Devices: one's own phones and those of the people one manages; enrol (the token is shown
once, with the ODK Collect settings QR code when that door is installed); revoke."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.db import db, utcnow
from server.web import bp, login_required
from server.web.schemas import EnrolForm
from sync import devices


@bp.get("/devices")
@login_required
def device_list():
    return render_template("devices/list.html", devices=devices.list_devices(
        db.session, g.principal), users=devices.managed_users(db.session, g.principal))


@bp.post("/devices")
@login_required
def enrol():
    form = EnrolForm().load(request.form)
    enrolment = devices.enrol_device(db.session, g.principal, form["user_id"],
                                     name=form["name"], now=utcnow())
    db.session.commit()
    return render_template("devices/enrolled.html", enrolment=enrolment,
                           server_url=request.host_url.rstrip("/"),
                           collect_qr=collect_qr(enrolment.token))


def collect_qr(token: str) -> str | None:
    """The ODK Collect settings QR code as inline SVG (img-src allows no data: URLs), or None
    while the OpenRosa door (server/collect.py) is not installed."""
    return None


@bp.post("/devices/<device_id>/revoke")
@login_required
def revoke(device_id: str):
    device = devices.revoke(db.session, g.principal, device_id, now=utcnow())
    db.session.commit()
    flash(_("Device %(name)s revoked: it is refused from now on.", name=device.name))
    return redirect(url_for("web.device_list"))

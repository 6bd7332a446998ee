"""Depot setup on HQ pages, for administrators (books.setup): agencies, depots, their storage
buildings (type, ELL per HD, CGs allowed, protection, alarm, lock) and stacks, through the
same domain functions as the API. A refused entry shows its reason on the error page, with a
way back to the form."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.db import db, utcnow
from server.models.inventory import HAZARD_GROUPS
from server.models.places import DepotType
from server.web import bp, login_required
from server.web.setup_forms import AgencyForm, BuildingForm, DepotForm, LocationForm
from sync.access import scope as access
from sync.journal.trail import Actor
from sync.stock import setup


def setup_actor() -> Actor:
    g.principal.require("books.setup")
    return Actor.of(g.principal)


def _depot(code: str):
    return access.get_depot(db.session, g.principal, code, "books.setup")


def _choices() -> dict:
    return {"depot_types": [t.value for t in DepotType], "divisions": list(HAZARD_GROUPS),
            "building_types": setup.BUILDING_TYPES}


@bp.get("/setup")
@login_required
def setup_home():
    g.principal.require("books.setup")
    return render_template(
        "setup/index.html", depots=access.visible_depots(db.session, g.principal),
        agencies=setup.list_agencies(db.session, g.principal.country_code), **_choices())


@bp.post("/setup/agencies")
@login_required
def setup_agency():
    data = AgencyForm().load(request.form)
    setup.create_agency(db.session, country_code=g.principal.country_code, actor=setup_actor(),
                        now=utcnow(), **data)
    db.session.commit()
    flash(_("Agency added."))
    return redirect(url_for("web.setup_home"))


@bp.post("/setup/depots")
@login_required
def setup_new_depot():
    data = DepotForm().load(request.form)
    depot = setup.create_depot(db.session, setup.DepotIn(
        country_code=g.principal.country_code, agency_code=data.pop("agency"), **data),
        actor=setup_actor(), now=utcnow())
    db.session.commit()
    flash(_("Depot %(code)s created.", code=depot.code))
    return redirect(url_for("web.setup_depot", code=depot.code))


@bp.get("/setup/depots/<code>")
@login_required
def setup_depot(code: str):
    depot = _depot(code)
    return render_template("setup/depot.html", depot=depot, agencies=setup.list_agencies(
        db.session, depot.country_code), **_choices())


@bp.post("/setup/depots/<code>")
@login_required
def setup_edit_depot(code: str):
    data = DepotForm(partial=("code",)).load(request.form)
    depot = _depot(code)
    setup.edit_depot(db.session, depot, setup.DepotIn(
        country_code=depot.country_code, code=depot.code, agency_code=data.pop("agency"),
        **data), actor=setup_actor(), now=utcnow())
    db.session.commit()
    flash(_("Depot saved."))
    return redirect(url_for("web.setup_depot", code=depot.code))


@bp.post("/setup/depots/<code>/buildings")
@login_required
def setup_new_building(code: str):
    data = BuildingForm().load(request.form)
    depot = _depot(code)
    building = setup.add_building(db.session, depot, data, actor=setup_actor(), now=utcnow())
    db.session.commit()
    flash(_("Building %(code)s added.", code=building.code))
    return redirect(url_for("web.setup_depot", code=depot.code))


@bp.get("/setup/depots/<code>/buildings/<building>")
@login_required
def setup_building(code: str, building: str):
    depot = _depot(code)
    found = setup.get_building(db.session, depot, building)
    return render_template("setup/building.html", depot=depot, b=found, **_choices())


@bp.post("/setup/depots/<code>/buildings/<building>")
@login_required
def setup_edit_building(code: str, building: str):
    data = BuildingForm().load(request.form)  # its code comes back unchanged, hidden
    depot = _depot(code)
    found = setup.get_building(db.session, depot, building)
    setup.edit_building(db.session, found, data, actor=setup_actor(), now=utcnow())
    db.session.commit()
    flash(_("Building saved."))
    return redirect(url_for("web.setup_building", code=depot.code, building=found.code))


@bp.post("/setup/depots/<code>/buildings/<building>/stacks")
@login_required
def setup_new_stack(code: str, building: str):
    data = LocationForm().load(request.form)
    depot = _depot(code)
    found = setup.get_building(db.session, depot, building)
    setup.add_location(db.session, found, data["code"], actor=setup_actor(), now=utcnow())
    db.session.commit()
    flash(_("Stack added."))
    return redirect(url_for("web.setup_building", code=depot.code, building=found.code))

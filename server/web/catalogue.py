"""The catalogues and lots on HQ pages, for administrators (books.setup): weapon models and
makers' aliases, ammunition item types, lots and their suspension. A country sees its own
entries and the shared defaults, edits its own; another country's entry is a 404."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.db import db, utcnow
from server.models import AmmoItemType, AmmoLot, MakerAlias, WeaponModel
from server.models.inventory import HAZARD_GROUPS, Condition, LotState
from server.web import bp, login_required
from server.web.setup import setup_actor
from server.web.setup_forms import (
    AliasForm,
    ItemTypeForm,
    LotEditForm,
    LotForm,
    SuspensionForm,
    WeaponModelForm,
)
from sync.stock import catalogue, lots


def _country() -> str:
    g.principal.require("books.setup")
    return g.principal.country_code


@bp.get("/catalogue/weapons")
@login_required
def weapon_catalogue():
    country = _country()
    return render_template(
        "setup/weapons.html", country=country,
        models=catalogue.list_entries(db.session, WeaponModel, country,
                                      WeaponModel.manufacturer, WeaponModel.model),
        aliases=catalogue.list_entries(db.session, MakerAlias, country, MakerAlias.maker,
                                       MakerAlias.alias))


@bp.post("/catalogue/weapons")
@login_required
def new_weapon_model():
    data = WeaponModelForm().load(request.form)
    row = catalogue.create_weapon_model(db.session, actor=setup_actor(), now=utcnow(),
                                        country_code=_country(), **data)
    db.session.commit()
    flash(_("%(maker)s %(model)s added.", maker=row.manufacturer, model=row.model))
    return redirect(url_for("web.weapon_catalogue"))


@bp.post("/catalogue/aliases")
@login_required
def new_maker_alias():
    data = AliasForm().load(request.form)
    catalogue.add_maker_alias(db.session, data["alias"], data["maker"], actor=setup_actor(),
                              now=utcnow(), country_code=_country())
    db.session.commit()
    flash(_("Alias added."))
    return redirect(url_for("web.weapon_catalogue"))


@bp.get("/catalogue/weapons/<int(max=2147483647):model_id>")
@login_required
def weapon_model(model_id: int):
    row = catalogue.get_entry(db.session, WeaponModel, model_id, _country(), editing=True)
    return render_template("setup/weapon_model.html", m=row)


@bp.post("/catalogue/weapons/<int(max=2147483647):model_id>")
@login_required
def edit_weapon_model(model_id: int):
    data = WeaponModelForm().load(request.form)
    catalogue.edit_weapon_model(db.session, model_id, country_code=_country(), actor=setup_actor(),
                                now=utcnow(), **data)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("web.weapon_catalogue"))


@bp.get("/catalogue/items")
@login_required
def item_catalogue():
    country = _country()
    return render_template("setup/items.html", country=country, divisions=HAZARD_GROUPS,
                           items=catalogue.list_entries(db.session, AmmoItemType, country,
                                                        AmmoItemType.calibre))


@bp.post("/catalogue/items")
@login_required
def new_item_type():
    data = ItemTypeForm().load(request.form)
    row = catalogue.add_item_type(db.session, actor=setup_actor(), now=utcnow(),
                                  country_code=_country(), **data)
    db.session.commit()
    flash(_("Item type %(calibre)s %(type)s added.", calibre=row.calibre, type=row.type))
    return redirect(url_for("web.item_catalogue"))


@bp.get("/catalogue/items/<int(max=2147483647):item_id>")
@login_required
def item_type(item_id: int):
    row = catalogue.get_entry(db.session, AmmoItemType, item_id, _country(), editing=True)
    return render_template("setup/item_type.html", i=row, divisions=HAZARD_GROUPS)


@bp.post("/catalogue/items/<int(max=2147483647):item_id>")
@login_required
def edit_item_type(item_id: int):
    data = ItemTypeForm().load(request.form)
    catalogue.edit_item_type(db.session, item_id, country_code=_country(), actor=setup_actor(),
                             now=utcnow(), **data)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("web.item_catalogue"))


@bp.get("/lots")
@login_required
def lot_list():
    country = _country()
    return render_template(
        "setup/lots.html", country=country, states=[s.value for s in LotState],
        conditions=[c.value for c in Condition],
        lots=lots.list_lots(db.session, country,
                            suspended_only=request.args.get("suspended") == "1"),
        items=catalogue.list_entries(db.session, AmmoItemType, country, AmmoItemType.calibre))


@bp.post("/lots")
@login_required
def new_lot():
    data = LotForm().load(request.form)
    lot = lots.add_lot(db.session, data.pop("item_type_id"), actor=setup_actor(), now=utcnow(),
                       country_code=_country(), **data)
    db.session.commit()
    flash(_("Lot %(number)s added.", number=lot.lot_number or lot.lot_state.value))
    return redirect(url_for("web.lot_page", lot_id=lot.id))


@bp.get("/lots/<int(max=2147483647):lot_id>")
@login_required
def lot_page(lot_id: int):
    lot = catalogue.get_entry(db.session, AmmoLot, lot_id, _country())
    return render_template("setup/lot.html", lot=lot, states=[s.value for s in LotState])


@bp.post("/lots/<int(max=2147483647):lot_id>")
@login_required
def edit_lot(lot_id: int):
    data = LotEditForm().load(request.form)
    lots.edit_lot(db.session, lot_id, country_code=_country(), actor=setup_actor(), now=utcnow(),
                  **data)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("web.lot_page", lot_id=lot_id))


@bp.post("/lots/<int(max=2147483647):lot_id>/suspension")
@login_required
def suspend_lot(lot_id: int):
    data = SuspensionForm().load(request.form)
    lot = lots.set_lot_suspension(db.session, lot_id, actor=setup_actor(), now=utcnow(),
                                  country_code=_country(), **data)
    db.session.commit()
    flash(_("Lot suspended.") if lot.suspended else _("Suspension lifted."))
    return redirect(url_for("web.lot_page", lot_id=lot_id))

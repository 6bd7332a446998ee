"""Setting the books up through the API: agencies, depots, buildings, stacks, the catalogues
and lots. Depot setup and the catalogues need books.setup (administrators)."""

from __future__ import annotations

from flask import g, request

from server.api import bp
from server.api.schemas.books import (
    AgencyIn,
    AgencySchema,
    AliasIn,
    BuildingInSchema,
    BuildingSchema,
    DepotIn,
    DepotSetupSchema,
    ItemTypeSchema,
    LocationIn,
    LotIn,
    LotOut,
    SuspensionIn,
    WeaponModelSchema,
)
from server.auth import device_required
from server.bodies import read_json
from server.db import db, utcnow
from server.models import AmmoItemType, WeaponModel
from sync.access import scope as access
from sync.journal.trail import Actor
from sync.stock import catalogue, lots, setup


def _setup_actor() -> Actor:
    g.principal.require("books.setup")
    return Actor.of(g.principal)


@bp.post("/books/agencies")
@device_required
def create_agency():
    data = AgencyIn().load(read_json())
    agency = setup.create_agency(db.session, country_code=g.principal.country_code,
                                 actor=_setup_actor(), now=utcnow(), **data)
    db.session.commit()
    return AgencySchema().dump(agency), 201


@bp.post("/books/depots")
@device_required
def create_depot():
    data = DepotIn().load(read_json())
    agency = data.pop("agency")
    depot = setup.create_depot(
        db.session, setup.DepotIn(country_code=g.principal.country_code, agency_code=agency,
                                  **data), actor=_setup_actor(), now=utcnow())
    db.session.commit()
    return DepotSetupSchema().dump(depot), 201


@bp.get("/books/depots/<code>")
@device_required
def show_depot_setup(code: str):
    depot = access.get_depot(db.session, g.principal, code)
    return DepotSetupSchema().dump(depot)


@bp.post("/books/depots/<code>/buildings")
@device_required
def add_building(code: str):
    data = BuildingInSchema().load(read_json())
    depot = access.get_depot(db.session, g.principal, code, "books.setup")
    building = setup.add_building(db.session, depot, data, actor=_setup_actor(), now=utcnow())
    db.session.commit()
    return BuildingSchema().dump(building), 201


@bp.post("/books/depots/<code>/buildings/<building>/locations")
@device_required
def add_location(code: str, building: str):
    data = LocationIn().load(read_json())
    depot = access.get_depot(db.session, g.principal, code, "books.setup")
    found = setup.get_building(db.session, depot, building)
    location = setup.add_location(db.session, found, data["code"], actor=_setup_actor(),
                                  now=utcnow())
    db.session.commit()
    return {"building": found.code, "code": location.code}, 201


@bp.post("/catalogue/maker-aliases")
@device_required
def add_maker_alias():
    data = AliasIn().load(read_json())
    row = catalogue.add_maker_alias(db.session, data["alias"], data["maker"],
                                    actor=_setup_actor(), now=utcnow(),
                                    country_code=g.principal.country_code)
    db.session.commit()
    return {"alias": row.alias, "maker": row.maker}, 201


@bp.get("/catalogue/weapon-models")
@device_required
def list_weapon_models():
    g.principal.require("inventory.read")
    rows = catalogue.list_entries(db.session, WeaponModel, g.principal.country_code,
                                  WeaponModel.manufacturer, WeaponModel.model)
    return {"items": WeaponModelSchema(many=True).dump(rows)}


@bp.post("/catalogue/weapon-models")
@device_required
def create_weapon_model():
    data = WeaponModelSchema().load(read_json())
    row = catalogue.create_weapon_model(db.session, actor=_setup_actor(), now=utcnow(),
                                        country_code=g.principal.country_code, **data)
    db.session.commit()
    return WeaponModelSchema().dump(row), 201


@bp.get("/catalogue/item-types")
@device_required
def list_item_types():
    g.principal.require("inventory.read")
    rows = catalogue.list_entries(db.session, AmmoItemType, g.principal.country_code,
                                  AmmoItemType.calibre)
    return {"items": ItemTypeSchema(many=True).dump(rows)}


@bp.post("/catalogue/item-types")
@device_required
def create_item_type():
    data = ItemTypeSchema().load(read_json())
    row = catalogue.add_item_type(db.session, actor=_setup_actor(), now=utcnow(),
                                  country_code=g.principal.country_code, **data)
    db.session.commit()
    return ItemTypeSchema().dump(row), 201


@bp.get("/lots")
@device_required
def list_lots():
    g.principal.require("inventory.read")
    rows = lots.list_lots(db.session, g.principal.country_code,
                          suspended_only=request.args.get("suspended") in ("1", "true"))
    return {"items": LotOut(many=True).dump(rows)}


@bp.post("/lots")
@device_required
def create_lot():
    data = LotIn().load(read_json())
    lot = lots.add_lot(db.session, data.pop("item_type_id"), actor=_setup_actor(),
                       now=utcnow(), country_code=g.principal.country_code, **data)
    db.session.commit()
    return LotOut().dump(lot), 201


@bp.post("/lots/<int(max=2147483647):lot_id>/suspension")
@device_required
def suspend_lot(lot_id: int):
    data = SuspensionIn().load(read_json())
    lot = lots.set_lot_suspension(db.session, lot_id, actor=_setup_actor(), now=utcnow(),
                                  country_code=g.principal.country_code, **data)
    db.session.commit()
    return LotOut().dump(lot)

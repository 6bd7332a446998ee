"""Read API for phones and tools: depots in scope, their crates (paged), one crate."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from server.api import bp
from server.api.schemas.inventory import CrateDetailSchema, CrateSchema, DepotSchema, PageArgs
from server.auth import device_required
from server.db import db
from server.models import Crate, Location, StorageBuilding
from sync.access import scope as access
from sync.labels.ids import parse_label


@bp.get("/depots")
@device_required
def list_depots():
    g.principal.require("inventory.read")
    depots = access.visible_depots(db.session, g.principal)
    return {"items": DepotSchema(many=True).dump(depots)}


@bp.get("/depots/<code>/crates")
@device_required
def list_crates(code: str):
    args = PageArgs().load(request.args)
    depot = access.get_depot(db.session, g.principal, code)
    limit = min(args["limit"] or current_app.config["API_PAGE_SIZE"],
                current_app.config["API_MAX_PAGE_SIZE"])
    # the depot is the one just read: joined again to each of 1,000 crates, its country's
    # settings would be decoded 1,000 times; a lazy load finds it in the session instead
    query = (select(Crate).where(Crate.depot_id == depot.id, Crate.deleted_at.is_(None))
             .options(lazyload(Crate.depot)).order_by(Crate.label_id).limit(limit + 1))
    if args["after"]:
        query = query.where(Crate.label_id > args["after"])
    if args["building"]:
        query = query.join(Location, Crate.location_id == Location.id).join(
            StorageBuilding).where(StorageBuilding.code == args["building"])
    crates = list(db.session.scalars(query))
    more = len(crates) > limit
    crates = crates[:limit]
    hidden = access.book_fields_hidden(db.session, g.principal)
    return {"items": [_without(c, hidden) for c in CrateSchema(many=True).dump(crates)],
            "next": crates[-1].label_id if more else None}


@bp.get("/crates/<label_id>")
@device_required
def show_crate(label_id: str):
    try:
        label_id = str(parse_label(label_id))  # typed bare, lower case or with typos of O/I
    except ValueError:
        pass  # not a well-formed ID: looked up as given, and so not found
    crate = access.get_crate(db.session, g.principal, label_id)
    return _without(CrateDetailSchema().dump(crate),
                    access.book_fields_hidden(db.session, g.principal))


def _without(crate: dict, hidden: tuple[str, ...]) -> dict:
    return {k: v for k, v in crate.items() if k not in hidden}

"""Explosive safety and surveillance for tools and HQ scripts: a building's gauge, suspension
notices and every box of a lot, test results, and the safety items HQ decides."""

from __future__ import annotations

from flask import g, request

from server.api import bp
from server.api.schemas.safety import (
    BoxOut,
    DecisionIn,
    GaugeOut,
    ItemOut,
    LotTestIn,
    LotTestOut,
    NoticeIn,
    NoticeOut,
    SafetyItemArgs,
)
from server.auth import device_required
from server.bodies import read_json
from server.db import db, utcnow
from sync.stock import safety_items, surveillance
from sync.views.safety import building_gauge

LOT = "<int(max=2147483647):lot_id>"


@bp.get("/safety/buildings/<int(max=2147483647):building_id>")
@device_required
def show_gauge(building_id: int):
    return GaugeOut().dump(building_gauge(db.session, g.principal, building_id))


@bp.post(f"/safety/lots/{LOT}/notices")
@device_required
def issue_notice(lot_id: int):
    data = NoticeIn().load(read_json())
    notice = surveillance.suspend_lot(db.session, g.principal, lot_id, now=utcnow(), **data)
    db.session.commit()
    return NoticeOut().dump(notice), 201


@bp.post(f"/safety/lots/{LOT}/lift")
@device_required
def lift_notice(lot_id: int):
    notice = surveillance.lift_suspension(db.session, g.principal, lot_id, now=utcnow())
    db.session.commit()
    return NoticeOut().dump(notice)


@bp.get(f"/safety/lots/{LOT}/boxes")
@device_required
def every_box(lot_id: int):
    notice = surveillance.live_notice(db.session, g.principal.country_code, lot_id)
    boxes = surveillance.find_every_box(db.session, g.principal, lot_id,
                                        since=notice.issued_at if notice else None)
    return {"notice": NoticeOut().dump(notice) if notice else None,
            "boxes": BoxOut(many=True).dump(boxes)}


@bp.post(f"/safety/lots/{LOT}/tests")
@device_required
def record_lot_test(lot_id: int):
    data = LotTestIn().load(read_json())
    row = surveillance.record_test(db.session, g.principal, lot_id, now=utcnow(), **data)
    db.session.commit()
    return LotTestOut().dump(row), 201


@bp.get("/safety/items")
@device_required
def list_safety_items():
    args = SafetyItemArgs().load(request.args)
    rows = safety_items.list_items(db.session, g.principal, status=args["status"] or None,
                                   depot_code=args["depot"], limit=args["limit"],
                                   offset=args["offset"])
    return {"items": ItemOut(many=True).dump(rows)}


@bp.post("/safety/items/<item_id>/decision")
@device_required
def decide_safety_item(item_id: str):
    data = DecisionIn().load(read_json())
    item = safety_items.decide(db.session, g.principal, item_id[:36], now=utcnow(), **data)
    db.session.commit()
    return ItemOut().dump(item)

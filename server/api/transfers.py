"""Transfers through the API: send (a consignment in transit), acknowledge line by line at
the receiver, and what is still in transit."""

from __future__ import annotations

from flask import g

from server.api import bp
from server.api.schemas.vouchers import AcknowledgeSchema, ConsignmentOut, TransferInSchema
from server.auth import device_required
from server.bodies import read_json
from server.db import db, utcnow
from sync.access import scope as access
from sync.stock import transfers


@bp.post("/depots/<code>/transfers")
@device_required
def send_transfer(code: str):
    data = TransferInSchema().load(read_json())
    depot = access.get_depot(db.session, g.principal, code)
    consignment = transfers.send_transfer(db.session, g.principal, depot, now=utcnow(), **data)
    db.session.commit()
    return ConsignmentOut().dump(consignment), 201


@bp.get("/consignments/<consignment_id>")
@device_required
def show_consignment(consignment_id: str):
    consignment = transfers.get_consignment(db.session, g.principal, consignment_id)
    return ConsignmentOut().dump(consignment)


@bp.post("/consignments/<consignment_id>/acknowledge")
@device_required
def acknowledge(consignment_id: str):
    data = AcknowledgeSchema().load(read_json())
    consignment = transfers.acknowledge(db.session, g.principal, consignment_id,
                                        data.pop("lines"), now=utcnow(), **data)
    db.session.commit()
    return ConsignmentOut().dump(consignment)


@bp.get("/in-transit")
@device_required
def in_transit():
    rows = transfers.in_transit(db.session, g.principal)
    return {"items": [{"consignment": row.consignment.id, "from": row.consignment.from_depot.code,
                       "to": row.consignment.to_depot.code, "line_no": row.line.line_no,
                       "lot_id": row.line.lot_id, "weapon_id": row.line.weapon_id,
                       "in_transit": row.line.in_transit} for row in rows]}

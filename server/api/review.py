"""Review API for headquarters and depot commanders: conflicts and discrepancies."""

from __future__ import annotations

from flask import g, request

from server.api import bp
from server.api.schemas.review import (
    CloseSchema,
    ConflictSchema,
    DiscrepancySchema,
    NoteSchema,
    ResolveSchema,
    ReviewListArgs,
)
from server.auth import device_required
from server.bodies import read_json
from server.db import db, utcnow
from sync.engine import conflicts
from sync.stock import discrepancies


@bp.get("/conflicts")
@device_required
def list_conflicts():
    args = ReviewListArgs().load(request.args)
    rows = conflicts.list_conflicts(db.session, g.principal,
                                    status=None if args["status"] == "all" else args["status"],
                                    depot_code=args["depot"], limit=args["limit"],
                                    offset=args["offset"])
    return {"items": ConflictSchema(many=True).dump(rows)}


@bp.post("/conflicts/<conflict_id>/resolve")
@device_required
def resolve_conflict(conflict_id: str):
    data = ResolveSchema().load(read_json())
    conflict = conflicts.resolve_conflict(db.session, g.principal, conflict_id,
                                          choose=data["choose"], value=data["value"],
                                          reason=data["reason"], now=utcnow())
    db.session.commit()
    return ConflictSchema().dump(conflict)


@bp.get("/discrepancies")
@device_required
def list_discrepancies():
    args = ReviewListArgs().load(request.args)
    rows = discrepancies.list_discrepancies(
        db.session, g.principal, status=None if args["status"] == "all" else args["status"],
        depot_code=args["depot"], limit=args["limit"], offset=args["offset"])
    return {"items": DiscrepancySchema(many=True).dump(rows)}


@bp.post("/discrepancies/<discrepancy_id>/notes")
@device_required
def note_discrepancy(discrepancy_id: str):
    data = NoteSchema().load(read_json())
    found = discrepancies.add_note(db.session, g.principal, discrepancy_id, data["text"],
                                   now=utcnow())
    db.session.commit()
    return DiscrepancySchema().dump(found)


@bp.post("/discrepancies/<discrepancy_id>/close")
@device_required
def close_discrepancy(discrepancy_id: str):
    data = CloseSchema().load(read_json())
    found = discrepancies.close_discrepancy(db.session, g.principal, discrepancy_id,
                                            outcome=data["outcome"], cause=data["cause"],
                                            adjustment=data["adjustment"],
                                            into_crate=data["into_crate"], now=utcnow())
    db.session.commit()
    return DiscrepancySchema().dump(found)


@bp.post("/discrepancies/<discrepancy_id>/approve")
@device_required
def approve_discrepancy(discrepancy_id: str):
    found = discrepancies.approve_discrepancy(db.session, g.principal, discrepancy_id,
                                              now=utcnow())
    db.session.commit()
    return DiscrepancySchema().dump(found)

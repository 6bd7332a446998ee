"""Vouchers through the API: post one (201) or propose one that needs a second person (202),
a depot's voucher book, the approval queue, and the loss-report clock."""

from __future__ import annotations

from flask import g, request

from server.api import bp
from server.api.schemas.vouchers import (
    ApprovalArgs,
    BookArgs,
    LossReportIn,
    LossRowOut,
    MovementOut,
    ProposalOut,
    RejectIn,
    VoucherInSchema,
)
from server.auth import device_required
from server.bodies import read_json
from server.db import db, utcnow
from sync.access import scope as access
from sync.stock import losses, vouchers


@bp.post("/depots/<code>/vouchers")
@device_required
def submit_voucher(code: str):
    data = VoucherInSchema().load(read_json())
    depot = access.get_depot(db.session, g.principal, code)
    posted = vouchers.submit_voucher(db.session, g.principal, depot,
                                     vouchers.VoucherIn(**data), now=utcnow())
    db.session.commit()
    if posted.movement is not None:
        return MovementOut().dump(posted.movement), 201
    return ProposalOut().dump(posted.proposal), 202


@bp.get("/depots/<code>/vouchers")
@device_required
def voucher_book(code: str):
    args = BookArgs().load(request.args)
    depot = access.get_depot(db.session, g.principal, code)
    rows = vouchers.voucher_book(db.session, g.principal, depot, **args)
    return {"items": MovementOut(many=True).dump(rows)}


@bp.get("/approvals")
@device_required
def approval_queue():
    args = ApprovalArgs().load(request.args)
    rows = vouchers.list_proposals(
        db.session, g.principal, status=None if args["status"] == "all" else args["status"],
        depot_code=args["depot"], limit=args["limit"], offset=args["offset"])
    return {"items": ProposalOut(many=True).dump(rows)}


@bp.post("/approvals/<proposal_id>/approve")
@device_required
def approve(proposal_id: str):
    proposal = vouchers.approve_proposal(db.session, g.principal, proposal_id, now=utcnow())
    db.session.commit()
    return ProposalOut().dump(proposal)


@bp.post("/approvals/<proposal_id>/reject")
@device_required
def reject(proposal_id: str):
    data = RejectIn().load(read_json())
    proposal = vouchers.reject_proposal(db.session, g.principal, proposal_id,
                                        note=data["note"], now=utcnow())
    db.session.commit()
    return ProposalOut().dump(proposal)


@bp.get("/losses")
@device_required
def loss_queue():
    rows = losses.loss_queue(db.session, g.principal, now=utcnow(),
                             overdue_only=request.args.get("overdue") in ("1", "true"))
    return {"items": LossRowOut(many=True).dump(rows)}


@bp.post("/losses/<proposal_id>/report")
@device_required
def report_loss(proposal_id: str):
    data = LossReportIn().load(read_json())
    losses.report_loss(db.session, g.principal, proposal_id, now=utcnow(), **data)
    db.session.commit()
    return {"proposal_id": proposal_id, "reported": True}, 201

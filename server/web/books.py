"""The books on HQ pages: a depot's voucher book (filtered; each voucher as PDF with its
signatures, in the reader's language), the approval queue, and consignments in transit."""

from __future__ import annotations

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from server.db import db, utcnow
from server.errors import InvalidInput
from server.web import bp, login_required
from server.web.schemas import AcknowledgeForm, ApprovalForm, RejectForm, VoucherBookArgs
from sync.access import scope as access
from sync.stock import transfers, vouchers
from sync.views.voucher_pdf import voucher_pdf


@bp.get("/depots/<code>/vouchers")
@login_required
def voucher_book(code: str):
    args = VoucherBookArgs().load(request.args)
    depot = access.get_depot(db.session, g.principal, code)
    size = current_app.config["HQ_PAGE_SIZE"]
    rows = vouchers.voucher_book(db.session, g.principal, depot, type=args["type"],
                                 limit=size + 1, offset=(args["page"] - 1) * size)
    return render_template("books/vouchers.html", depot=depot, rows=rows[:size],
                           more=len(rows) > size, args=args, types=VoucherBookArgs.TYPES)


@bp.get("/depots/<code>/vouchers/<int:seq>.pdf")
@login_required
def voucher_document(code: str, seq: int):
    depot = access.get_depot(db.session, g.principal, code)
    movement = vouchers.get_voucher(db.session, g.principal, depot, seq)
    data = voucher_pdf(db.session, movement, language=str(get_locale()), zone=depot.zone())
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{movement.voucher_number}.pdf"'})


@bp.get("/approvals")
@login_required
def approval_queue():
    args = ApprovalForm().load(request.args)
    rows = vouchers.list_proposals(db.session, g.principal, status=args["status"])
    return render_template("books/approvals.html", rows=rows, args=args)


@bp.post("/approvals/<proposal_id>/approve")
@login_required
def approve_proposal(proposal_id: str):
    vouchers.approve_proposal(db.session, g.principal, proposal_id, now=utcnow())
    db.session.commit()
    flash(_("Approved and posted to the ledger."))
    return redirect(url_for("web.approval_queue"))


@bp.post("/approvals/<proposal_id>/reject")
@login_required
def reject_proposal(proposal_id: str):
    form = RejectForm().load(request.form)
    vouchers.reject_proposal(db.session, g.principal, proposal_id, note=form["note"],
                             now=utcnow())
    db.session.commit()
    flash(_("Rejected."))
    return redirect(url_for("web.approval_queue"))


@bp.get("/in-transit")
@login_required
def in_transit():
    return render_template("books/in_transit.html",
                           rows=transfers.in_transit(db.session, g.principal))


@bp.get("/consignments/<consignment_id>")
@login_required
def consignment(consignment_id: str):
    found = transfers.get_consignment(db.session, g.principal, consignment_id)
    return render_template("books/consignment.html", c=found,
                           places=transfers.receiving_places(db.session, found))


@bp.post("/consignments/<consignment_id>/acknowledge")
@login_required
def acknowledge_consignment(consignment_id: str):
    form = AcknowledgeForm().load(request.form)
    found = transfers.get_consignment(db.session, g.principal, consignment_id)
    acks = [transfers.AckIn(line_no=line.line_no, received_quantity=got, **target)
            for line in found.lines if line.acknowledged_at is None
            for got, target in [_ack_of(request.form, line)] if got is not None]
    transfers.acknowledge(db.session, g.principal, consignment_id, acks,
                          complete=form["complete"], document_ref=form["document_ref"],
                          now=utcnow())
    db.session.commit()
    flash(_("Receipt recorded."))
    return redirect(url_for("web.consignment", consignment_id=consignment_id))


def _ack_of(form, line) -> tuple[int | None, dict]:
    """One line's fields of the acknowledgement form: received_<n> and place_<n>
    ("c:<crate id>" or "l:<location id>"); a line left blank is not acknowledged yet."""
    got = form.get(f"received_{line.line_no}", "").strip()
    if not got:
        return None, {}
    if not got.isdigit():
        raise InvalidInput(_("Line %(n)s: the quantity received is a whole number.",
                             n=line.line_no))
    kind, _sep, ref = form.get(f"place_{line.line_no}", "").partition(":")
    target = ({"to_crate_id": ref} if kind == "c" else
              {"to_location_id": int(ref)} if kind == "l" and ref.isdigit() else {})
    return int(got), target

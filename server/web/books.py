"""The books on HQ pages: a depot's voucher book (filtered; each voucher as PDF with its
signatures, in the reader's language), the approval queue, consignments in transit and their
acknowledgement, and the opening-balance import (template, preview with row-numbered errors,
booking)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from server.db import db, utcnow
from server.errors import InvalidInput, NotFound
from server.web import bp, login_required
from server.web.schemas import (
    AcknowledgeForm,
    ApprovalForm,
    ImportForm,
    RejectForm,
    VoucherBookArgs,
)
from sync.access import scope as access
from sync.stock import imports, transfers, vouchers
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


@bp.get("/depots/<code>/vouchers/<int(max=2147483647):seq>.pdf")
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


@bp.get("/import-template.<fmt>")
@login_required
def import_template(fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise NotFound("No such template.")
    mimetype = "text/csv" if fmt == "csv" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(imports.template(fmt), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="opening-balance.{fmt}"'})


@bp.get("/depots/<code>/import")
@login_required
def import_form(code: str):
    depot = access.get_depot(db.session, g.principal, code)
    return render_template("books/import.html", depot=depot, preview=None)


@bp.post("/depots/<code>/import")
@login_required
def import_register(code: str):
    """Upload: check every row and show the preview. Book: the checked file, by its sha256."""
    form = ImportForm().load(request.form)
    depot = access.get_depot(db.session, g.principal, code)
    stored = _stored_register(form.get("sha256"), form.get("ext"))
    rows = imports.read_rows(stored.read_bytes(), stored.name)
    if not form["book"]:
        preview = imports.check_register(db.session, depot, rows)
        return render_template("books/import.html", depot=depot, preview=preview,
                               sha256=stored.stem, ext=stored.suffix[1:],
                               source=form["source"])
    imports.import_register(db.session, g.principal, depot, rows,
                            source_document=form["source"], now=utcnow())
    db.session.commit()
    flash(_("Opening balance booked: %(n)s rows.", n=len(rows)))
    return redirect(url_for("web.voucher_book", code=depot.code))


def _stored_register(sha256: str | None, ext: str | None) -> Path:
    """The uploaded register, kept under its sha256 between preview and booking."""
    folder = Path(current_app.instance_path) / "imports"
    if sha256:
        path = folder / f"{sha256}.{ext}"
        if not (len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)
                and ext in ("csv", "xlsx") and path.exists()):
            raise NotFound("That register is no longer here; upload it again.")
        return path
    upload = request.files.get("register")
    name = (upload.filename or "").lower() if upload else ""
    if not name.endswith((".csv", ".xlsx")):
        raise InvalidInput(_("Upload the register as CSV or XLSX."))
    data = upload.read()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()}.{name.rsplit('.', 1)[1]}"
    path.write_bytes(data)
    return path

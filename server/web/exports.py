"""CSV and XLSX downloads of the inspection log and of discrepancies, as filtered on screen.
CSV streams row by row; XLSX is written by openpyxl's write-only mode to a temporary file (it
cannot write to a socket) and then streamed, so memory stays flat for any size. CSV headers
are stable keys for scripts; XLSX headers and code words are in the reader's language."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator

from flask import Response, g, request, send_file, stream_with_context
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from server.db import db, utcnow
from server.errors import AppError
from server.web import bp, login_required
from server.web.schemas import LogArgs, QueueArgs
from server.web.templating import country_zone
from server.web.vocabulary import word
from sync.views.exports import Export, discrepancy_export, inspection_export

WORDED = ("visit_type", "status", "kind", "outcome")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FLUSH_BYTES = 64 * 1024
HEADERS = {
    "instance_id": _l("Instance ID"), "received_at": _l("Received"), "depot": _l("Depot"),
    "form_id": _l("Form"), "form_version": _l("Form version"), "visit_type": _l("Visit type"),
    "inspector": _l("Inspector"), "device": _l("Device"), "started_at": _l("Started"),
    "ended_at": _l("Ended"), "status": _l("Status"), "counts": _l("Crates counted"),
    "findings": _l("Findings"), "discrepancies": _l("Discrepancies"),
    "conflicts": _l("Conflicts"), "photos_missing": _l("Photos missing"), "id": _l("ID"),
    "crate": _l("Crate"), "kind": _l("Kind"), "opened_at": _l("Opened"),
    "book_quantity": _l("Book"), "observed_quantity": _l("Observed"), "details": _l("Details"),
    "investigation_notes": _l("Investigation notes"), "outcome": _l("Outcome"),
    "adjustment": _l("Adjustment"), "cause": _l("Cause"), "proposed_by": _l("Proposed by"),
    "approved_by": _l("Approved by"), "closed_at": _l("Closed"),
    "movement_id": _l("Ledger movement"),
}


class ExportFailed(AppError):
    status, code = 503, "export.failed"


@bp.get("/exports/inspections.<any(csv, xlsx):fmt>")
@login_required
def export_inspections(fmt: str):
    flt, _page = LogArgs().load(request.args)
    export = inspection_export(db.session, g.principal, flt, country_zone(), now=utcnow())
    return _send(export, fmt, "inspections")


@bp.get("/exports/discrepancies.<any(csv, xlsx):fmt>")
@login_required
def export_discrepancies(fmt: str):
    args = QueueArgs().load(request.args)
    export = discrepancy_export(db.session, g.principal, country_zone(),
                                status=args["status_filter"],
                                depot_code=args["depot"], now=utcnow())
    return _send(export, fmt, "discrepancies")


def _send(export: Export, fmt: str, name: str) -> Response:
    """Commit the export's audit: a CSV before its first row leaves (it streams), an XLSX
    once its file is whole, so an export that failed is not recorded as done."""
    filename = f"{name}-{utcnow():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        db.session.commit()
        return Response(stream_with_context(_csv_chunks(export)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    handle = _xlsx_file(export, name)
    db.session.commit()
    return send_file(handle, mimetype=XLSX_TYPE, as_attachment=True, download_name=filename)


def _csv_chunks(export: Export) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(export.columns)
    for row in export.rows:
        writer.writerow(row)
        if buffer.tell() >= FLUSH_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_file(export: Export, title: str):
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # gone once it is closed or collected
    try:
        _write_xlsx(export, title, handle)
    except OSError as exc:  # the disk filled up midway: nothing is sent, nothing audited
        raise ExportFailed("The export could not be written; nothing was recorded. Try "
                           "again later.", reason=exc.strerror or type(exc).__name__) from None
    handle.seek(0)
    return handle


def _write_xlsx(export: Export, title: str, handle) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title)
    sheet.append([str(HEADERS.get(c, c)) for c in export.columns])
    worded = [n for n, c in enumerate(export.columns) if c in WORDED]
    for row in export.rows:
        for n in worded:  # codes in CSV (for scripts), words in the reader's language here
            row[n] = word(row[n]) if row[n] else row[n]
        sheet.append(row)
    book.save(handle)

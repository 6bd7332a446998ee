"""How errors look on /hq pages: one HTML page, in the reader's language. server/
error_handlers.py decides the status and code; this only renders them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import render_template, request
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from server.error_handlers import renderer_for
from server.web import safe_next

# by code, for messages the engine words with details (names, numbers) of its own
BY_CODE = {
    "not_found": _l("This page does not exist, or is outside what you may see."),
    "auth.forbidden": _l("Your role does not allow this."),
    "bad_request": _l("The request was not understood. If you were filling in a form, "
                      "reload the page and try again."),
    "invalid_input": _l("Some of what was entered is not valid."),
    "invalid_payload": _l("Some of what was entered is not valid."),
    "conflict": _l("This was already decided by someone else; reload the page."),
    "books.setup_invalid": _l("This depot setup entry is not valid."),
    "books.catalogue_invalid": _l("This catalogue entry is not valid."),
    "books.shared_entry": _l("This is a shared default: add your country's own entry "
                             "instead."),
    "inventory.hazard_invalid": _l("This is not a valid UN hazard classification."),
    "conflict.integrity": _l("This conflicts with data already stored; nothing was written."),
    "ledger.self_approval": _l("The adjustment must be approved by someone other than the "
                               "person who proposed it."),
    "ledger.approval_required": _l("This needs an approver other than its originator."),
    "ledger.negative_stock": _l("This would take the book below zero."),
    "people.unqualified": _l("This person does not hold the qualification this requires."),
    "rate_limited": _l("Too many failed attempts. Wait a few minutes and try again."),
    "method_not_allowed": _l("This action is not available here."),
    "internal_error": _l("Something went wrong on the server; nothing was written. The error "
                         "was logged."),
    "unavailable": _l("The database is busy or unavailable; try again."),
    # refusals a submission is flagged with (a photo, one of its changes)
    "photos.refused": _l("The photo was refused."),
    "photos.not_an_image": _l("The file is not a JPEG, PNG or WebP image."),
    "photos.too_many_pixels": _l("The image has more pixels than allowed."),
    "photos.corrupt_image": _l("The image is damaged."),
    "photos.sha256_mismatch": _l("The file was damaged on the way; send it again."),
    "photos.id_conflict": _l("Another file was already stored under this photo id."),
    "labels.taken": _l("This label is already on another crate."),
    "labels.bad_check": _l("The label's check character is wrong: it was misread or "
                           "mistyped."),
    "labels.bad_label": _l("This is not a crate label."),
    "labels.not_allocated": _l("This label was never handed out to this depot."),
    "sync.invalid_op": _l("The phone sent a change the server cannot read."),
    "sync.rejected": _l("The change was refused."),
    "sync.blocked": _l("The crate is retired; it takes no more changes."),
    "sync.op_id_reused": _l("The same change came again with other content; the first "
                            "stands."),
}

# messages the engine raises word for word, so the reader gets them in their language
MESSAGES = (
    _l("A resolution needs a reason."),
    _l("choose is server, phone or value."),
    _l("This conflict was already resolved."),
    _l("Identity and stock are not changed by resolving a conflict: relabel the crate or "
       "post a ledger movement instead."),
    _l("An investigation note needs text."),
    _l("This discrepancy is already closed."),
    _l("outcome is adjust or no_adjustment."),
    _l("Closing a discrepancy needs the investigation's outcome (cause)."),
    _l("An adjustment is a signed, non-zero whole quantity."),
    _l("The adjustment would take the book below zero."),
    _l("Nothing awaits approval on this discrepancy."),
    _l("The adjustment must be approved by someone other than the person who proposed it."),
    _l("The language is en, fr or ar."),
    _l("A depot has a name."),
    _l("A lightning test date needs lightning protection."),
    _l("A weapon model has a manufacturer, type, model and calibre."),
    _l("The country of manufacture is an ISO 3166 alpha-2 code."),
    _l("An item type has a nature, a calibre and a type."),
    _l("NEQ per item is zero or more kg."),
    _l("An alias names both the other name and the maker."),
    _l("A known lot has a lot number; otherwise say it is unknown, mixed or none."),
    _l("A lot cannot expire before it was made."),
    _l("A suspension cites a reference."),
    _l("A suspension or its lifting cites a reference."),
    _l("This is a shared default: add your country's own entry instead."),
    _l("A shortage in transit is closed as found, returned to the sender, lost or stolen."),
    _l("Name the receiving depot's crate the missing quantity goes into."),
    _l("The CSRF token is missing."),
    _l("The CSRF token is invalid."),
    _l("The CSRF token has expired."),
    _l("The CSRF session token is missing."),
    _l("The CSRF tokens do not match."),
)


def reader_message(code: str, message: str) -> str:
    """The engine's message if the catalogue has it, else the wording for its code."""
    translated = gettext(message) if message else ""
    if translated and (translated != message or str(get_locale()) == "en"):
        return translated
    return str(BY_CODE.get(code, message))


@renderer_for("/hq")
def render_error(status: int, code: str, message: str, details: Any):
    fields = sorted(details) if code == "invalid_payload" and isinstance(details, dict) else []
    return render_template("error.html", status=status, code=code, fields=fields,
                           message=reader_message(code, message), back=_back()), status


def _back() -> str | None:
    """After a refused form, the page the form was on (this site's own pages only)."""
    if request.method == "GET" or not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))

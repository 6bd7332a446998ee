"""Words the engine stores as codes (statuses, kinds, fields, roles…) as a reader sees them,
in French or English. Unknown codes are shown as they are."""

from __future__ import annotations

import re

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from forms.sources.common import AR, EN, FR
from forms.sources.visit import VISIT_TYPES

WORDS = {
    # statuses
    "open": _l("open"), "resolved": _l("resolved"), "closed": _l("closed"),
    "awaiting_approval": _l("awaiting approval"), "accepted": _l("accepted"),
    "flagged": _l("flagged"), "replaced": _l("replaced"),
    # finding steps and visit types
    "planned": _l("action planned"), "done": _l("done"), "verified": _l("verified"),
    "routine_internal": _l("routine internal inspection"),
    "external_national": _l("external national inspection"),
    "partner_assessment": _l("partner assessment"), "follow_up": _l("follow-up visit"),
    "unannounced": _l("unannounced visit"),
    "owner_id": _l("owner"), "due": _l("due date"), "visit_id": _l("visit"),
    "action": _l("corrective action"),
    "key_out_overnight": _l("key out overnight"), "alarm_unanswered": _l("alarm without response"),
    # stock checks: types, steps, line results
    "full": _l("full count (100%)"), "sample": _l("random sample"),
    "spot": _l("spot check"), "handover": _l("handover"), "post_incident": _l("post-incident"),
    "after_movement": _l("after a movement"), "independent": _l("independent audit"),
    "started": _l("started"), "match": _l("match"),
    "short": _l("short"), "over": _l("over"), "missed": _l("not counted"),
    # discrepancy kinds and outcomes
    "shortage": _l("shortage"), "surplus": _l("surplus"), "wrong_lot": _l("wrong lot"),
    "recorded_serial_missing": _l("recorded serial missing"),
    "unknown_serial_found": _l("unknown serial found"),
    "security_breach": _l("security breach"), "count_disagreement": _l("counts disagree"),
    "adjust": _l("adjust the book"), "no_adjustment": _l("no adjustment"),
    # conflict choices and reasons
    "server": _l("server value"), "phone": _l("phone value"), "value": _l("another value"),
    "changed_since_base": _l("changed on the server since the phone's copy"),
    "identity": _l("identity never merges"), "backward": _l("status cannot move back"),
    # crate fields and states
    "location": _l("location"), "seal_number": _l("seal number"), "status": _l("status"),
    "condition": _l("condition"), "category": _l("category"), "notes": _l("notes"),
    "tags": _l("tags"), "label_id": _l("label"), "kind": _l("kind"), "lot": _l("lot"),
    "quantity": _l("quantity"),
    "registered": _l("registered"), "in_store": _l("in store"), "emptied": _l("emptied"),
    "retired": _l("retired"), "ammo_box": _l("ammunition box"),
    "weapon_crate": _l("weapon crate"), "pallet": _l("pallet"),
    "fraction_package": _l("fraction package"), "operational": _l("operational"),
    "reserve": _l("reserve"), "training": _l("training"),
    "awaiting_disposal": _l("awaiting disposal"),
    # severities and roles
    "critical": _l("critical"), "major": _l("major"), "minor": _l("minor"),
    "inspector": _l("inspector"), "commander": _l("depot commander"),
    "reviewer": _l("headquarters reviewer"), "admin": _l("administrator"),
    "regional": _l("regional body"), "partner": _l("programme partner"),
    # movements
    "receipt": _l("receipt"), "issue": _l("issue"), "return": _l("return"),
    "transfer_out": _l("transfer out"), "transfer_in": _l("transfer in"),
    "relocation": _l("relocation"), "adjustment": _l("adjustment"), "loss": _l("loss"),
    "theft": _l("theft"), "found": _l("found"), "write_off": _l("write-off"),
    "returned": _l("returned to the sender"),
    "destruction": _l("destruction"), "export": _l("export"),
    # answers
    "yes": _l("yes"), "no": _l("no"), "na": _l("N/A"),
    # version causes
    "op": _l("phone"), "applied": _l("applied"), "merged": _l("merged"),
    "conflict": _l("conflict"), "movement": _l("ledger movement"),
    "conflict_resolution": _l("conflict resolved"),
    # what a pushed op became (a device's last sync)
    "duplicate": _l("duplicate"), "held": _l("held"), "rejected": _l("rejected"),
    "blocked": _l("blocked"), "relabel": _l("relabelled"),
    # label states
    "reserved": _l("reserved"), "assigned": _l("on the crate"),
    # form fields, named when one is missing or not valid
    "reason": _l("reason"), "cause": _l("cause"), "text": _l("note"),
    "choose": _l("decision"), "outcome": _l("outcome"), "user_id": _l("user"),
    "name": _l("name"), "username": _l("username"), "password": _l("password"),
    "language": _l("language"), "from": _l("from"), "to": _l("to"), "page": _l("page"),
    "sort": _l("sort"), "dir": _l("order"), "form": _l("form"),
    "depot": _l("depot"),
    "building": _l("building"), "nature": _l("nature"), "calibre": _l("calibre"),
    "hd": _l("hazard division"), "cg": _l("compatibility group"), "q": _l("search"),
    # weapon statuses
    "issued": _l("issued"), "in_transit": _l("in transit"), "in_repair": _l("in repair"),
    "lost": _l("lost"), "stolen": _l("stolen"), "recovered": _l("recovered"),
    "surplus_awaiting_disposal": _l("surplus awaiting disposal"),
    "destroyed": _l("destroyed"), "deactivated": _l("deactivated"), "exported": _l("exported"),
    # conditions
    "SERVICEABLE": _l("serviceable"), "SERVICEABLE_RESTRICTED": _l("serviceable, restricted"),
    "SUSPENDED": _l("suspended"), "UNSERVICEABLE_REPAIRABLE": _l("unserviceable, repairable"),
    "UNSERVICEABLE_FOR_DISPOSAL": _l("unserviceable, for disposal"), "UNKNOWN": _l("unknown"),
    # what a discrepancy found (its details)
    "missing": _l("missing"), "extra": _l("extra"), "book_lot": _l("lot on the book"),
    "observed_lot": _l("lot seen"),
    "serials": _l("serials"), "seal": _l("seal"), "broken": _l("broken"),
    "counts": _l("counts"), "observed": _l("observed"),
    # why an answer was flagged (forms/answers.py, sync/intake)
    "required": _l("required"), "breaks the question's constraint": _l(
        "breaks the question's constraint"), "not a single answer": _l("not a single answer"),
    "too long": _l("too long"), "not one of the choices": _l("not one of the choices"),
    "not a repeat (a list)": _l("not a repeat (a list)"),
    "not a question of this form": _l("not a question of this form"),
    "no depot named": _l("no depot named"),
    "no published form has this ID": _l("no published form has this ID"),
    "not a published version of this form": _l("not a published version of this form"),
    "unknown crate": _l("unknown crate"), "entity id is not a UUID": _l(
        "entity id is not a UUID"), "unknown crate properties": _l("unknown crate properties"),
    "forged label: its QR signature is not this server's": _l(
        "forged label: its QR signature is not this server's"),
    "no time": _l("no time"), "not a register": _l("not a register"),
    "not a user of this country": _l("not a user of this country"),
    "not users of this country": _l("not users of this country"),
    "not a version": _l("not a version"), "not a visit id": _l("not a visit id"),
    "the visit is at another depot": _l("the visit is at another depot"),
    "needs a severity, an owner of this country and a due date": _l(
        "needs a severity, an owner of this country and a due date"),
    # depot types
    "central_depot": _l("central depot"), "unit_armoury": _l("unit armoury"),
    "small_unit_store": _l("small unit store"), "container_armoury": _l("container armoury"),
    # the books: more movements, proposals, consignments
    "condition_change": _l("condition change"), "marking": _l("marking"),
    "pending": _l("pending"), "proposal.held": _l("held for review"),
    "approved": _l("approved"), "transit_shortage": _l("short on receipt"),
    "consignment.short": _l("received short"),
    "received": _l("received"),
}


# flag reasons the rules word around a value: (how they begin, the reader's wording)
PROBLEM_PREFIXES = (
    ("replaces unknown ", _l("replaces unknown %(rest)s")),
    ("unknown entity list ", _l("unknown entity list %(rest)s")),
    ("photo refused: ", _l("photo refused: %(rest)s")),
)
OVER_ENTRIES = re.compile(r"over (\d+) entries")


# the visit types, as the visit header form names them in each language
CHOICES = {c["name"]: c for c in VISIT_TYPES}


def word(code: object, context: str | None = None) -> str:
    """The reader's word for a code; `context` picks a meaning where one code has two
    (a consignment received "short" against a stock-check line counted "short")."""
    if code is None:
        return ""
    text = str(getattr(code, "value", code))
    found = WORDS.get(f"{context}.{text}") if context else None
    found = found if found is not None else WORDS.get(text)
    if found is not None:
        return str(found)
    choice = CHOICES.get(text)
    if choice is not None:
        column = {"fr": FR, "ar": AR}.get(str(get_locale()), EN)
        return choice.get(f"label::{column}", text)
    return text

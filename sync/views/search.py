"""The HQ search box: one value, read as a crate label (printed, scanned, or typed with a
wrong check character: then why it is wrong and what the right one would be), a lot number,
a weapon serial or a submission instance id. Only what the reader may see is found
(sync/access/scope.py); something outside that scope is simply not found."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import Crate, Depot, Submission, Weapon
from server.models.inventory import AmmoLot
from sync.access.principal import Principal
from sync.access.scope import submission_clause
from sync.labels.ids import SEQ_DIGITS, SIG_LEN, SIG_SEP, TYPO, check_character, make_label
from sync.labels.registry import BadCheck, ForgedLabel, NotALabel
from sync.labels.scan import look_up_label

MAX_HITS = 50


@dataclass(frozen=True)
class Hit:
    """One thing found: kind crate (target = label ID), lot (target = lot number, with the
    depot in `depot`) or submission (target = its id)."""

    kind: str
    target: str
    title: str
    detail: str = ""
    depot: str = ""


@dataclass(frozen=True)
class Found:
    query: str
    hits: list[Hit] = field(default_factory=list)
    # a stable code (labels.bad_check, labels.forged, labels.retired, labels.unassigned) and
    # what the page needs to explain it: label, typed, expected, suggestion, replaced_by
    problem: str | None = None
    details: dict[str, str] = field(default_factory=dict)


def search(session: Session, principal: Principal, query: str, *, key: bytes) -> Found:
    """Everything `query` may name, in scope; a label's problem is explained, not raised."""
    query = query.strip()
    found = _as_label(session, principal, query, key)
    if found is not None and (found.hits or found.problem):
        return found
    hits = (_by_serial(session, principal, query) + _by_lot(session, principal, query)
            + _by_instance(session, principal, query))
    return Found(query, hits[:MAX_HITS])


def _as_label(session: Session, principal: Principal, query: str, key: bytes) -> Found | None:
    try:
        lookup = look_up_label(session, query, key=key, reader=principal)
    except BadCheck:
        return _bad_check(query)
    except ForgedLabel as exc:
        return Found(query, problem=exc.code, details={"label": exc.details["label_id"]})
    except (NotFound, NotALabel):
        return None  # then it may be a serial, a lot or an instance id
    if lookup.status == "location" and lookup.location is not None:
        place = f"{lookup.location.building.code}/{lookup.location.code}"
        return Found(query, [Hit("location", place, place, depot=lookup.depot.code)])
    if lookup.crate is None:
        return Found(query, problem="labels.unassigned", details={"label": lookup.label_id})
    hits = [_crate_hit(lookup.crate)]
    if lookup.status == "retired":
        return Found(query, hits, problem="labels.retired",
                     details={"label": lookup.label_id, "replaced_by": lookup.replaced_by or ""})
    return Found(query, hits)


def _bad_check(query: str) -> Found:
    """The other characters read as an ID of a real shape (parse_label checked that before
    the check character): say which check character they call for. The typo may be
    elsewhere, so the right ID is a suggestion, not a correction."""
    head, sep, tail = query.strip().upper().rpartition(SIG_SEP)
    text = head if sep and len(tail) == SIG_LEN else query.strip().upper()
    text = re.sub(r"[\s\-_.]", "", text).translate(TYPO)
    body = text[:-1]
    digits = SEQ_DIGITS
    suggestion = make_label(body[:2], body[2:-digits], int(body[-digits:]))
    return Found(query, problem=BadCheck.code, details={
        "typed": text[-1], "expected": check_character(body), "suggestion": suggestion})


def _in_scope(principal: Principal):
    return (Depot.country_code == principal.country_code) & principal.depot_clause()


def _crate_hit(crate: Crate) -> Hit:
    return Hit("crate", crate.label_id, crate.label_id, crate.kind.value,
               depot=crate.depot.code)


def _by_serial(session: Session, principal: Principal, query: str) -> list[Hit]:
    principal.require("inventory.read")
    wanted = query.upper()
    rows = session.execute(
        select(Weapon, Crate).join(Crate, Weapon.crate_id == Crate.id)
        .join(Depot, Crate.depot_id == Depot.id)
        .where(or_(func.upper(Weapon.serial) == wanted,
                   func.upper(Weapon.registry_serial) == wanted),
               Crate.deleted_at.is_(None), _in_scope(principal))
        .limit(MAX_HITS)).all()
    return [Hit("crate", crate.label_id, crate.label_id,
                f"{weapon.manufacturer} {weapon.model} {weapon.serial}", depot=crate.depot.code)
            for weapon, crate in rows]


def _by_lot(session: Session, principal: Principal, query: str) -> list[Hit]:
    rows = session.execute(
        select(AmmoLot.lot_number, Depot.code, func.count(Crate.id))
        .join(Crate, Crate.lot_id == AmmoLot.id).join(Depot, Crate.depot_id == Depot.id)
        .where(func.upper(AmmoLot.lot_number) == query.upper(), Crate.deleted_at.is_(None),
               _in_scope(principal))
        .group_by(AmmoLot.lot_number, Depot.code).order_by(Depot.code)).all()
    return [Hit("lot", lot, lot, str(n), depot=code) for lot, code, n in rows]


def _by_instance(session: Session, principal: Principal, query: str) -> list[Hit]:
    if not (principal.can("inspections.read") or principal.can("inspections.read_own")):
        return []
    ids = {query, f"uuid:{query}"} if not query.startswith("uuid:") else {query}
    rows = session.scalars(select(Submission).where(
        Submission.instance_id.in_(ids), submission_clause(principal)))
    return [Hit("submission", s.id, s.instance_id, s.form_id,
                depot=s.depot.code if s.depot else "") for s in rows]

"""The label registry: reserve blank labels, put a label on a new crate, relabel, retire.
Functions take a session and plain values; the caller commits.

A crate registered before the registry existed (or by a path that writes crates in bulk) has
no registry row; it is still found by its label (sync/labelscan.py), and gets a row the first
time it is printed, relabelled or retired.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput, NotFound
from server.models import Crate, Depot, Label, LabelStatus, Weapon
from server.models.inventory import CrateStatus
from sync.journal.trail import Actor, record_audit, record_change
from sync.labels.ids import (
    SEQ_DIGITS,
    CheckCharacterError,
    LabelFormatError,
    make_label,
    parse_label,
)

MAX_RESERVE = 5000  # labels per reservation: a pad of 200 A4 sheets


class NotALabel(InvalidInput):
    code = "labels.not_a_label"


class BadCheck(InvalidInput):
    code = "labels.bad_check"


class ForgedLabel(InvalidInput):
    code = "labels.forged"


class LabelRetired(Conflict):
    code = "labels.retired"


class LabelInUse(Conflict):
    code = "labels.taken"  # also what a pushed crate create with a taken label is refused with


class CrateNotEmpty(Conflict):
    code = "labels.crate_not_empty"


class SequenceExhausted(Conflict):
    code = "labels.sequence_exhausted"


def canonical_label(value: str) -> str:
    """The printed form of a typed label ID, or NotALabel / BadCheck saying what is wrong."""
    try:
        return str(parse_label(value))
    except CheckCharacterError as exc:
        raise BadCheck(str(exc), value=value) from None
    except LabelFormatError as exc:
        raise NotALabel(str(exc), value=value) from None


def issue_labels(session: Session, depot: Depot, count: int, *, now: datetime,
                 actor: Actor | None = None) -> list[str]:
    """The next `count` label IDs of a depot, each with a `reserved` registry row. The depot
    row is locked until commit, so two issuers never hand out the same sequence."""
    if count < 1:
        raise InvalidInput("Issue at least one label.", count=count)
    depot = session.scalar(select(Depot).where(Depot.id == depot.id).with_for_update(of=Depot)
                           .execution_options(populate_existing=True))
    first = depot.label_seq + 1
    if first + count - 1 >= 10**SEQ_DIGITS:
        raise SequenceExhausted(f"Depot {depot.code} has {10**SEQ_DIGITS - first} label IDs "
                                "left.", depot=depot.code)
    depot.label_seq += count
    ids = [make_label(depot.country_code, depot.code, seq) for seq in range(first, first + count)]
    session.execute(insert(Label), [
        {"label_id": label_id, "depot_id": depot.id, "status": LabelStatus.RESERVED,
         "issued_at": now, "issued_by": actor and actor.user_id, "reason": "",
         "print_count": 0} for label_id in ids])
    return ids


def reserve_labels(session: Session, depot: Depot, count: int, *, actor: Actor,
                   now: datetime) -> list[str]:
    """A commander reserves a range of blank labels, so that crates can be registered offline
    without two phones choosing the same ID."""
    if not 1 <= count <= MAX_RESERVE:
        raise InvalidInput(f"Reserve 1 to {MAX_RESERVE} labels at a time.", count=count)
    ids = issue_labels(session, depot, count, now=now, actor=actor)
    record_audit(session, actor, "labels.reserve", now=now, entity="depot",
                 entity_id=str(depot.id), country_code=depot.country_code, depot_id=depot.id,
                 details={"first": ids[0], "last": ids[-1], "count": count})
    return ids


def check_unused(session: Session, label_id: str) -> None:
    """Refuse a label that is retired or on another crate, before anything is written."""
    label = session.get(Label, label_id)
    if label is not None and label.status is LabelStatus.RETIRED:
        raise LabelRetired(f"Label {label_id} is retired; use another label.",
                           label_id=label_id)
    if label is not None and label.status is LabelStatus.ASSIGNED:
        raise LabelInUse(f"Label {label_id} is already on a crate.", label_id=label_id)


def claim_label(session: Session, depot: Depot, label_id: str, crate: Crate, *,
                now: datetime) -> None:
    """The registry side of registering a crate (after check_unused): a reserved label
    becomes assigned; a label never reserved is entered as assigned. A value that is not a
    label ID stays off the registry (older data)."""
    label = session.get(Label, label_id)
    if label is not None:
        label.status, label.crate_id, label.assigned_at = LabelStatus.ASSIGNED, crate.id, now
        return
    try:
        parse_label(label_id)
    except ValueError:
        return
    session.add(Label(label_id=label_id, depot_id=depot.id, status=LabelStatus.ASSIGNED,
                      crate_id=crate.id, issued_at=now, assigned_at=now, reason="",
                      print_count=0))


def registry_row(session: Session, crate: Crate, *, now: datetime) -> Label:
    """The registry row of a crate's current label, made if the crate predates the registry."""
    label = session.get(Label, crate.label_id)
    if label is None:
        canonical_label(crate.label_id)  # "relabel it": a crate whose label is not an ID
        label = Label(label_id=crate.label_id, depot_id=crate.depot_id,
                      status=LabelStatus.ASSIGNED, crate_id=crate.id, issued_at=now,
                      assigned_at=now, reason="", print_count=0)
        session.add(label)
        session.flush()
    return label


def crate_in_depot(session: Session, depot: Depot, label_id: str) -> Crate:
    crate = session.scalar(select(Crate).where(Crate.label_id == label_id,
                                               Crate.depot_id == depot.id,
                                               Crate.deleted_at.is_(None)))
    if crate is None:
        raise NotFound(f"No crate {label_id} in depot {depot.code}.", label_id=label_id)
    return crate


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise InvalidInput("Give a reason (up to 200 characters).", reason=reason)
    return reason


def _bump(session: Session, crate: Crate, *, actor: Actor, now: datetime) -> None:
    crate.version += 1
    crate.updated_at = now
    session.flush()
    record_change(session, "crate", crate, actor=actor, now=now)


def relabel_crate(session: Session, depot: Depot, label_id: str, *, reason: str, actor: Actor,
                  now: datetime, new_label_id: str | None = None) -> Label:
    """Put a new label on a crate (a reserved blank of this depot, or the next ID): the old
    label is retired and the new one names it as the label it replaces."""
    reason = _reason(reason)
    try:
        label_id = canonical_label(label_id)
    except NotALabel:
        pass  # an older value that is not a label ID: relabelling is how it gets one
    crate = crate_in_depot(session, depot, label_id)
    if crate.status is CrateStatus.RETIRED:
        raise LabelRetired(f"Crate {label_id} is retired.", label_id=label_id)
    try:
        old = registry_row(session, crate, now=now)
    except InvalidInput:
        old = None  # an old value that is not a label ID: the new label replaces nothing
    if new_label_id:
        new = _blank_of(session, depot, canonical_label(new_label_id))
    else:
        new = session.get(Label, issue_labels(session, depot, 1, now=now, actor=actor)[0])
    if old is not None:
        old.status, old.retired_at, old.retired_by = LabelStatus.RETIRED, now, actor.user_id
        old.reason = reason
        session.flush()  # retire the old label before the new one names it
    new.status, new.crate_id, new.assigned_at, new.reason = (LabelStatus.ASSIGNED, crate.id,
                                                              now, reason)
    new.replaces = old.label_id if old is not None else None
    crate.label_id = new.label_id
    _bump(session, crate, actor=actor, now=now)
    record_audit(session, actor, "label.relabel", now=now, entity="crate", entity_id=crate.id,
                 country_code=depot.country_code, depot_id=depot.id,
                 details={"old": label_id, "new": new.label_id, "reason": reason})
    return new


def _blank_of(session: Session, depot: Depot, label_id: str) -> Label:
    label = session.get(Label, label_id)
    if label is None or label.depot_id != depot.id:
        raise NotFound(f"No reserved label {label_id} in depot {depot.code}.",
                       label_id=label_id)
    in_use = session.scalar(select(Crate.id).where(Crate.label_id == label_id))
    if label.status is not LabelStatus.RESERVED or in_use is not None:
        raise LabelInUse(f"Label {label_id} is {label.status.value}, not a blank.",
                         label_id=label_id, status=label.status.value)
    return label


def retire_label(session: Session, depot: Depot, label_id: str, *, reason: str, actor: Actor,
                 now: datetime) -> Label:
    """Retire a crate's label once the crate is emptied (the crate is retired with it), or a
    blank label that was lost or spoiled. A retired label answers "retired" when scanned."""
    reason = _reason(reason)
    label_id = canonical_label(label_id)
    crate = session.scalar(select(Crate).where(Crate.label_id == label_id,
                                               Crate.deleted_at.is_(None)))
    label = session.get(Label, label_id)
    if crate is not None and crate.depot_id == depot.id:
        label = registry_row(session, crate, now=now)
    elif crate is not None or label is None or label.depot_id != depot.id:
        raise NotFound(f"No label {label_id} in depot {depot.code}.", label_id=label_id)
    if label.status is LabelStatus.RETIRED:
        raise LabelRetired(f"Label {label_id} is already retired.", label_id=label_id)
    if crate is not None:
        weapons = session.scalar(select(func.count(Weapon.id)).where(Weapon.crate_id == crate.id))
        if crate.quantity or weapons:
            raise CrateNotEmpty(f"Crate {label_id} still holds {crate.quantity or weapons} "
                                "on the books; empty it through the ledger first.",
                                label_id=label_id, quantity=crate.quantity, weapons=weapons)
        crate.status = CrateStatus.RETIRED
        _bump(session, crate, actor=actor, now=now)
    label.status, label.retired_at, label.retired_by = LabelStatus.RETIRED, now, actor.user_id
    label.reason = reason
    record_audit(session, actor, "label.retire", now=now, entity="label", entity_id=label_id,
                 country_code=depot.country_code, depot_id=depot.id,
                 details={"reason": reason, "crate_id": crate.id if crate else None})
    session.flush()
    return label

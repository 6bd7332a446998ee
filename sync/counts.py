"""Counts are observations, not edits: a count never changes the book. One that disagrees
with the book, or with another count of the same crate version, opens a discrepancy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import InvalidInput
from server.models import CountEvent, Crate, Discrepancy, Weapon
from sync.ledger import IN_DEPOT

COUNT_FIELDS = {"quantity", "lot_number", "serials", "condition", "seal_intact", "seal_number",
                "blind", "photos", "counted_at"}


def record_count(session: Session, crate: Crate, values: dict[str, Any], *, count_id: str,
                 crate_version: int | None, device_id: str | None, user_id: int | None,
                 now: datetime, submission_id: str | None = None,
                 counted_at: datetime | None = None) -> tuple[CountEvent, list[Discrepancy]]:
    unknown = set(values) - COUNT_FIELDS
    if unknown:
        raise InvalidInput("Unknown count fields.", fields=sorted(unknown))
    quantity = values.get("quantity")
    if quantity is not None and (not isinstance(quantity, int) or isinstance(quantity, bool)
                                 or not 0 <= quantity <= 10_000_000):
        raise InvalidInput("A counted quantity is a whole number, zero or more.")
    serials = values.get("serials")
    if serials is not None and not (isinstance(serials, list) and len(serials) <= 10_000
                                    and all(isinstance(s, str) and len(s) <= 64
                                            for s in serials)):
        raise InvalidInput("serials is a list of serial numbers as marked.")
    event = CountEvent(
        id=count_id, crate_id=crate.id, depot_id=crate.depot_id, device_id=device_id,
        user_id=user_id, submission_id=submission_id,
        crate_version=crate_version or crate.version, book_quantity=crate.quantity,
        observed_quantity=quantity, observed_lot=_short(values.get("lot_number")),
        observed_serials=sorted({s.strip() for s in serials}) if serials is not None else None,
        condition=_short(values.get("condition")),
        seal_intact=values.get("seal_intact") if isinstance(values.get("seal_intact"), bool)
        else None,
        seal_number=_short(values.get("seal_number")), blind=bool(values.get("blind")),
        photos=[str(p)[:64] for p in values.get("photos") or []][:50],
        counted_at=counted_at, received_at=now)
    session.add(event)
    crate.last_counted_at = now  # derived, not a versioned change: phones do not need it
    session.flush()
    return event, _open_discrepancies(session, crate, event, now)


def _short(value: Any) -> str | None:
    return str(value).strip()[:64] if value not in (None, "") else None


def _differences(session: Session, crate: Crate, event: CountEvent) -> list[tuple[str, dict]]:
    found: list[tuple[str, dict]] = []
    if event.observed_quantity is not None and crate.lot_id is not None:
        if event.observed_quantity < crate.quantity:
            found.append(("shortage", {"missing": crate.quantity - event.observed_quantity}))
        elif event.observed_quantity > crate.quantity:
            found.append(("surplus", {"extra": event.observed_quantity - crate.quantity}))
    if (event.observed_lot and crate.lot is not None and crate.lot.lot_number
            and event.observed_lot != crate.lot.lot_number):
        found.append(("wrong_lot", {"book_lot": crate.lot.lot_number,
                                    "observed_lot": event.observed_lot}))
    if event.observed_serials is not None:
        book = set(session.scalars(select(Weapon.serial).where(
            Weapon.crate_id == crate.id, Weapon.status.in_(IN_DEPOT))))
        seen = set(event.observed_serials)
        if book - seen:
            found.append(("recorded_serial_missing", {"serials": sorted(book - seen)}))
        if seen - book:
            found.append(("unknown_serial_found", {"serials": sorted(seen - book)}))
    if event.seal_intact is False:
        found.append(("security_breach", {"seal": "broken", "seal_number": event.seal_number}))
    others = session.scalars(select(CountEvent).where(
        CountEvent.crate_id == crate.id, CountEvent.crate_version == event.crate_version,
        CountEvent.id != event.id))
    for other in others:
        if other.device_id != event.device_id and (
                (other.observed_quantity, other.observed_serials)
                != (event.observed_quantity, event.observed_serials)):
            found.append(("count_disagreement", {"counts": [other.id, event.id],
                                                 "observed": [other.observed_quantity,
                                                              event.observed_quantity]}))
            break
    return found


def _open_discrepancies(session: Session, crate: Crate, event: CountEvent,
                        now: datetime) -> list[Discrepancy]:
    """One open discrepancy per crate and kind: a later count joins the open one."""
    touched = []
    for kind, details in _differences(session, crate, event):
        open_one = session.scalar(select(Discrepancy).where(
            Discrepancy.crate_id == crate.id, Discrepancy.kind == kind,
            Discrepancy.status != "closed"))
        if open_one is None:
            open_one = Discrepancy(depot_id=crate.depot_id, crate_id=crate.id, kind=kind,
                                   book_quantity=crate.quantity,
                                   observed_quantity=event.observed_quantity, details=details,
                                   count_ids=[event.id], opened_at=now)
            session.add(open_one)
        else:
            open_one.count_ids = [*open_one.count_ids, event.id]
            open_one.observed_quantity = event.observed_quantity
            open_one.details = {**open_one.details, **details}
        touched.append(open_one)
    session.flush()
    return touched

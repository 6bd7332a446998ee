"""Counts are observations, not edits: a count never changes the book. One that disagrees
with the book, or with another count of the same crate version, opens a discrepancy.

A batch loads what counting needs for all its crates at once (CountBook), so a count costs
no query of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from server.db import new_uuid
from server.errors import InvalidInput
from server.models import CountEvent, Crate, Discrepancy, Weapon
from sync.stock.ledger import IN_DEPOT
from sync.stock.rows import CrateRow, set_loaded
from sync.stock.surveillance import note_count

COUNT_FIELDS = {"quantity", "lot_number", "serials", "condition", "seal_intact", "seal_number",
                "blind", "photos", "counted_at"}


@dataclass
class CountBook:
    """Book serials, earlier counts and open discrepancies of a batch's crates."""

    serials: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    counts: dict[tuple[str, int], list[CountEvent | NewCount]] = field(
        default_factory=lambda: defaultdict(list))
    open: dict[tuple[str, str], Discrepancy] = field(default_factory=dict)
    lots_counted: set[tuple[str, int, int]] = field(default_factory=set)  # country, depot, lot
    crates_counted: set[str] = field(default_factory=set)  # their last_counted_at, at the end
    new_events: list[dict[str, Any]] = field(default_factory=list)  # rows, for one INSERT

    @classmethod
    def load(cls, session: Session, crates: dict[str, Crate],
             versions: dict[str, set[int]]) -> CountBook:
        """`versions`: crate id -> the crate versions the batch's counts were made against."""
        book = cls()
        if not versions:
            return book
        ids = sorted(versions)
        for crate_id, serial in session.execute(select(Weapon.crate_id, Weapon.serial).where(
                Weapon.crate_id.in_(ids), Weapon.status.in_(IN_DEPOT))):
            book.serials[crate_id].add(serial)
        wanted = {v for vs in versions.values() for v in vs}
        for event in session.scalars(select(CountEvent).where(
                CountEvent.crate_id.in_(ids), CountEvent.crate_version.in_(sorted(wanted)))):
            book.counts[(event.crate_id, event.crate_version)].append(event)
        for found in session.scalars(select(Discrepancy).where(
                Discrepancy.crate_id.in_(ids), Discrepancy.status != "closed")):
            book.open[(found.crate_id, found.kind)] = found
        return book

    def write_events(self, session: Session) -> None:
        """The batch's new count events, in one executemany (after a flush: a count may name
        a submission added in this transaction)."""
        if self.new_events:
            rows, self.new_events = self.new_events, []
            session.flush()
            session.execute(insert(CountEvent.__table__), rows)


class NewCount(SimpleNamespace):
    """A count event of this batch as its row's values: what the checks read of an earlier
    count, without the cost of an ORM object (it is written as a row, by write_events)."""


def check_count(values: dict[str, Any]) -> None:
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
    photo_ids(values.get("photos"))


def photo_ids(value: Any) -> list[str]:
    """The photo ids an observation names: a list of short strings (at most 50 kept)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise InvalidInput("photos is a list of photo ids.", field="photos")
    return [p[:64] for p in value][:50]


def record_count(session: Session, book: CountBook, crate: Crate | CrateRow,
                 values: dict[str, Any], *, count_id: str, crate_version: int | None,
                 device_id: str | None, user_id: int | None, now: datetime,
                 submission_id: str | None = None,
                 counted_at: datetime | None = None) -> tuple[NewCount, list[Discrepancy]]:
    check_count(values)
    serials = values.get("serials")
    row = dict(
        id=count_id, crate_id=crate.id, depot_id=crate.depot_id, device_id=device_id,
        user_id=user_id, submission_id=submission_id,
        crate_version=crate_version or crate.version, book_quantity=crate.quantity,
        observed_quantity=values.get("quantity"), observed_lot=_short(values.get("lot_number")),
        observed_serials=sorted({s.strip() for s in serials}) if serials is not None else None,
        condition=_short(values.get("condition")),
        seal_intact=values.get("seal_intact") if isinstance(values.get("seal_intact"), bool)
        else None,
        seal_number=_short(values.get("seal_number")), blind=bool(values.get("blind")),
        photos=photo_ids(values.get("photos")),
        counted_at=counted_at, received_at=now)
    event = NewCount(**row)  # written with the batch's others (write_events)
    book.new_events.append(row)
    found = _open_discrepancies(session, book, crate, event, now)
    book.counts[(crate.id, event.crate_version)].append(event)
    # derived, not a versioned change (phones do not need it): written for the whole batch in
    # one statement by note_counts, not as an ORM update that splits the crates' own
    set_loaded(crate, "last_counted_at", now)
    book.crates_counted.add(crate.id)
    if crate.lot_id is not None:  # a box of a suspended lot found? (note_counts)
        book.lots_counted.add((crate.depot.country_code, crate.depot_id, crate.lot_id))
    return event, found


def note_counts(session: Session, book: CountBook, *, now: datetime) -> None:
    """After a batch's counts: the counted crates' last_counted_at, in one statement; and
    each depot's task for a suspended lot it counted closes once every box there has been
    counted since the notice (one check a lot, not a count)."""
    book.write_events(session)
    if book.crates_counted:
        session.execute(update(Crate).where(Crate.id.in_(sorted(book.crates_counted)))
                        .values(last_counted_at=now)
                        .execution_options(synchronize_session=False))
    for country_code, depot_id, lot_id in sorted(book.lots_counted):
        note_count(session, country_code, depot_id, lot_id, now=now)
    book.crates_counted.clear()
    book.lots_counted.clear()


def _short(value: Any) -> str | None:
    return str(value).strip()[:64] if value not in (None, "") else None


def _differences(book: CountBook, crate: Crate, event: NewCount) -> list[tuple[str, dict]]:
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
        on_book, seen = book.serials.get(crate.id, set()), set(event.observed_serials)
        if on_book - seen:
            found.append(("recorded_serial_missing", {"serials": sorted(on_book - seen)}))
        if seen - on_book:
            found.append(("unknown_serial_found", {"serials": sorted(seen - on_book)}))
    if event.seal_intact is False:
        found.append(("security_breach", {"seal": "broken", "seal_number": event.seal_number}))
    for other in book.counts.get((crate.id, event.crate_version), ()):
        if other.device_id != event.device_id and (
                (other.observed_quantity, other.observed_serials)
                != (event.observed_quantity, event.observed_serials)):
            found.append(("count_disagreement", {"counts": [other.id, event.id],
                                                 "observed": [other.observed_quantity,
                                                              event.observed_quantity]}))
            break
    return found


def _open_discrepancies(session: Session, book: CountBook, crate: Crate, event: NewCount,
                        now: datetime) -> list[Discrepancy]:
    """One open discrepancy per crate and kind: a later count joins the open one."""
    touched = []
    for kind, details in _differences(book, crate, event):
        open_one = book.open.get((crate.id, kind))
        if open_one is None:
            open_one = Discrepancy(id=new_uuid(), depot_id=crate.depot_id, crate_id=crate.id,
                                   kind=kind, book_quantity=crate.quantity,
                                   observed_quantity=event.observed_quantity, details=details,
                                   count_ids=[event.id], opened_at=now, status="open")
            session.add(open_one)
            book.open[(crate.id, kind)] = open_one
        else:
            open_one.count_ids = [*open_one.count_ids, event.id]
            open_one.observed_quantity = event.observed_quantity
            open_one.details = {**open_one.details, **details}
        touched.append(open_one)
    return touched

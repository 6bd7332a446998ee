"""Lots of ammunition: recorded by a country against an item type it sees, edited, and
suspended or released under a reference. Another country's lot does not exist for it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict
from server.models import AmmoItemType, AmmoLot
from server.models.inventory import Condition, LotState
from sync.journal.trail import Actor, record_audit
from sync.stock.catalogue import (
    CatalogueInvalid,
    canonical_maker,
    edit_entry,
    get_entry,
    visible,
)
from sync.stock.surveillance import issue_notice, lift_notice


def list_lots(session: Session, country_code: str | None, *,
              suspended_only: bool = False) -> list[AmmoLot]:
    query = select(AmmoLot).where(visible(AmmoLot, country_code)).order_by(AmmoLot.id)
    if suspended_only:
        query = query.where(AmmoLot.suspended.is_(True))
    return list(session.scalars(query))


def _lot_values(session: Session, country_code: str | None, *, lot_number: str | None,
                lot_state: str, manufacturer: str, country_of_manufacture: str,
                manufacture_date: date | None, expiry_date: date | None) -> dict:
    if lot_state not in {s.value for s in LotState}:
        raise CatalogueInvalid("Unknown lot state.", lot_state=lot_state)
    number = (lot_number or "").strip() or None
    if lot_state == LotState.KNOWN.value and number is None:
        raise CatalogueInvalid("A known lot has a lot number; otherwise say it is unknown, "
                               "mixed or none.")
    if manufacture_date and expiry_date and expiry_date < manufacture_date:
        raise CatalogueInvalid("A lot cannot expire before it was made.")
    made_in = (country_of_manufacture or "").strip().upper()
    if made_in and not (len(made_in) == 2 and made_in.isalpha() and made_in.isascii()):
        raise CatalogueInvalid("The country of manufacture is an ISO 3166 alpha-2 code.",
                               country=country_of_manufacture)
    return {"lot_number": number, "lot_state": LotState(lot_state),
            "manufacturer": canonical_maker(session, manufacturer, country_code),
            "country_of_manufacture": made_in, "manufacture_date": manufacture_date,
            "expiry_date": expiry_date}


def _check_unique(session: Session, item_type_id: int, values: dict,
                  country_code: str | None, lot_id: int | None = None) -> None:
    number = values["lot_number"]
    if number and session.scalar(select(AmmoLot.id).where(
            AmmoLot.item_type_id == item_type_id, AmmoLot.manufacturer == values[
                "manufacturer"], AmmoLot.lot_number == number,
            AmmoLot.country_code.is_(None) if country_code is None
            else AmmoLot.country_code == country_code, AmmoLot.id != (lot_id or 0))):
        raise Conflict(f"Lot {number} of {values['manufacturer']} is already recorded.",
                       lot_number=number)


def add_lot(session: Session, item_type_id: int, *, lot_number: str | None,
            lot_state: str = LotState.KNOWN.value, manufacturer: str = "",
            country_of_manufacture: str = "", manufacture_date: date | None = None,
            expiry_date: date | None = None, condition: str = Condition.SERVICEABLE.value,
            suspended: bool = False, suspension_ref: str = "", actor: Actor,
            now: datetime, country_code: str | None = None) -> AmmoLot:
    """A lot of one item type the country sees. expiry_date is its expiry or its next test
    due."""
    get_entry(session, AmmoItemType, item_type_id, country_code)
    if condition not in {c.value for c in Condition}:
        raise CatalogueInvalid("Unknown lot condition.", condition=condition)
    if suspended and not (suspension_ref or "").strip():
        raise CatalogueInvalid("A suspension cites a reference.")
    values = _lot_values(session, country_code, lot_number=lot_number, lot_state=lot_state,
                         manufacturer=manufacturer,
                         country_of_manufacture=country_of_manufacture,
                         manufacture_date=manufacture_date, expiry_date=expiry_date)
    _check_unique(session, item_type_id, values, country_code)
    lot = AmmoLot(item_type_id=item_type_id, country_code=country_code,
                  condition=Condition(condition), suspended=suspended,
                  suspension_ref=(suspension_ref or "").strip(), **values)
    session.add(lot)
    session.flush()
    record_audit(session, actor, "books.lot", now=now, entity="lot", entity_id=lot.id,
                 country_code=country_code,
                 details={"lot_number": lot.lot_number, "item_type_id": item_type_id})
    return lot


def edit_lot(session: Session, lot_id: int, *, country_code: str, actor: Actor,
             now: datetime, **fields) -> AmmoLot:
    """Correct a lot's identity and dates; its condition and suspension have their own
    paths."""
    lot = get_entry(session, AmmoLot, lot_id, country_code, editing=True)
    values = _lot_values(session, country_code, **fields)
    _check_unique(session, lot.item_type_id, values, country_code, lot.id)
    return edit_entry(session, lot, values, "books.lot_edit", "lot", actor=actor, now=now)


def set_lot_suspension(session: Session, lot_id: int, *, suspended: bool, reference: str,
                       actor: Actor, now: datetime,
                       country_code: str | None = None) -> AmmoLot:
    """Suspend a lot of the country's catalogue or lift it, under a reference: the same
    country-wide notice the safety page issues (a task at every depot holding it, every box
    to be found), so that there is one suspension whichever door it comes through. A shared
    default lot is suspended by a country from the safety page, for that country only."""
    lot = get_entry(session, AmmoLot, lot_id, country_code, editing=True)
    if not (reference or "").strip():
        raise CatalogueInvalid("A suspension or its lifting cites a reference.")
    if lot.country_code is None:  # get_entry lets only an administrator's shell edit it
        lot.suspended, lot.suspension_ref = suspended, reference.strip()
    elif suspended:
        issue_notice(session, lot, lot.country_code, reference=reference,
                     user_id=actor.user_id, now=now)
    else:
        lift_notice(session, lot, lot.country_code, user_id=actor.user_id, now=now)
        lot.suspension_ref = reference.strip()
    record_audit(session, actor, "books.lot_suspend" if suspended else "books.lot_release",
                 now=now, entity="lot", entity_id=lot.id, country_code=lot.country_code,
                 details={"reference": lot.suspension_ref})
    return lot

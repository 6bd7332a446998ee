"""Ammunition surveillance: a lot's tests and condition, suspension notices that reach every
holding of the country (issues refused, every box listed, a task per depot until each box
is counted again), and the road of unserviceable stock: unserviceable, then awaiting
disposal (a condition-change voucher), then destroyed (a destruction voucher)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from server.errors import AppError, Conflict, InvalidInput, NotFound
from server.models import (
    AmmoLot,
    CountEvent,
    Country,
    Crate,
    Depot,
    Location,
    LotTest,
    MovementLine,
    StorageBuilding,
    SuspensionNotice,
    SuspensionTask,
)
from server.models.inventory import Condition, StockCategory
from server.models.ledger import MovementType as MT
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit

UNSERVICEABLE = {Condition.UNSERVICEABLE_REPAIRABLE, Condition.UNSERVICEABLE_FOR_DISPOSAL}
NOT_ISSUABLE = UNSERVICEABLE | {Condition.SUSPENDED}
SERVICEABLE = {Condition.SERVICEABLE, Condition.SERVICEABLE_RESTRICTED}
ISSUING = {MT.ISSUE, MT.EXPORT}  # stock leaving the state's depots for use


class LotSuspended(AppError):
    status, code = 409, "safety.lot_suspended"


class LotNotServiceable(AppError):
    status, code = 409, "safety.lot_unserviceable"


class LotExpired(AppError):
    status, code = 409, "safety.lot_expired"


class NotAwaitingDisposal(AppError):
    status, code = 409, "safety.not_awaiting_disposal"


def live_notice(session: Session, country_code: str, lot_id: int) -> SuspensionNotice | None:
    return session.scalar(select(SuspensionNotice).where(
        SuspensionNotice.country_code == country_code, SuspensionNotice.lot_id == lot_id,
        SuspensionNotice.lifted_at.is_(None)).order_by(SuspensionNotice.issued_at.desc()))


def condition_of(crate: Crate) -> Condition:
    """A crate's own condition when it has one, else its lot's; a suspended lot's stock is
    suspended whatever it says."""
    lot = crate.lot
    if lot is not None and lot.suspended:
        return Condition.SUSPENDED
    return crate.condition or (lot.condition if lot is not None else Condition.UNKNOWN)


def check_movement(session: Session, depot: Depot, mtype: MT, lines: Sequence, *,
                   today: date) -> None:
    """Refuse, before anything moves, an issue or export of suspended, unserviceable or
    expired stock, and the destruction of unserviceable stock not yet set aside as awaiting
    disposal. lines: the movement's LineIn (crate, and lot when it names one)."""
    if mtype not in ISSUING and mtype is not MT.DESTRUCTION:
        return
    for line in lines:
        crate = session.get(Crate, line.crate_id) if line.crate_id else None
        lot = session.get(AmmoLot, line.lot_id or crate.lot_id) if crate is not None and (
            line.lot_id or crate.lot_id) else None
        if lot is None:
            continue  # a weapon, or a line the ledger refuses for itself
        name = f"lot {lot.lot_number or '?'} (crate {crate.label_id})"
        if mtype is MT.DESTRUCTION:
            if (condition_of(crate) is Condition.UNSERVICEABLE_FOR_DISPOSAL
                    and crate.category is not StockCategory.AWAITING_DISPOSAL):
                raise NotAwaitingDisposal(
                    f"{name} is unserviceable: set it aside as awaiting disposal (a condition "
                    "change) before it is destroyed.", crate=crate.label_id)
            continue
        notice = live_notice(session, depot.country_code, lot.id)
        if notice is not None or lot.suspended:
            ref = notice.reference if notice is not None else lot.suspension_ref
            raise LotSuspended(f"{name} is suspended ({ref}); it may not be issued.",
                               lot=lot.lot_number, crate=crate.label_id, notice=ref)
        condition, aside = condition_of(crate), crate.category is StockCategory.AWAITING_DISPOSAL
        if condition in NOT_ISSUABLE or aside:
            state = condition.value.lower() + (", awaiting disposal" if aside else "")
            raise LotNotServiceable(f"{name} is {state}; it may not be issued.",
                                    lot=lot.lot_number, crate=crate.label_id,
                                    condition=condition.value)
        if lot.expiry_date is not None and lot.expiry_date < today:
            raise LotExpired(f"{name} expired on {lot.expiry_date.isoformat()}; it may not be "
                             "issued until a test extends its life.", lot=lot.lot_number,
                             expiry=lot.expiry_date.isoformat())


def note_arrival(session: Session, depot: Depot, lines: Sequence[MovementLine], *,
                 now: datetime) -> None:
    """Boxes of a suspended lot arriving at a depot: its task there opens (again)."""
    for lot_id in {ln.lot_id for ln in lines if ln.lot_id and ln.quantity > 0}:
        notice = live_notice(session, depot.country_code, lot_id)
        if notice is not None:
            _open_task(session, notice, depot.id, now)


def _open_task(session: Session, notice: SuspensionNotice, depot_id: int,
               now: datetime) -> SuspensionTask:
    task = next((t for t in notice.tasks if t.depot_id == depot_id), None)
    if task is None:
        task = SuspensionTask(notice=notice, depot_id=depot_id, opened_at=now)
        session.add(task)
    task.confirmed_at = None
    return task


def _lot_in_country(session: Session, principal: Principal, lot_id: int) -> AmmoLot:
    """A lot the principal's country holds or held; any other is unknown."""
    lot = session.get(AmmoLot, lot_id)
    held = lot is not None and session.scalar(select(exists().where(
        Crate.lot_id == lot_id, Crate.depot_id == Depot.id,
        Depot.country_code == principal.country_code)))
    if not held:
        raise NotFound("No such lot.", lot_id=lot_id)
    return lot



def suspend_lot(session: Session, principal: Principal, lot_id: int, *, reference: str,
                reason: str = "", now: datetime) -> SuspensionNotice:
    """Issue a country-wide suspension notice: a task at every depot holding the lot."""
    principal.require("safety.manage")
    lot = _lot_in_country(session, principal, lot_id)
    notice = issue_notice(session, lot, principal.country_code, reference=reference,
                          reason=reason, user_id=principal.user_id, now=now)
    record_audit(session, Actor.of(principal), "safety.suspend", now=now, entity="lot",
                 entity_id=lot.id, country_code=principal.country_code,
                 details={"reference": notice.reference, "depots": len(notice.tasks)})
    return notice


def issue_notice(session: Session, lot: AmmoLot, country_code: str, *, reference: str,
                 reason: str = "", user_id: int | None, now: datetime) -> SuspensionNotice:
    """The notice itself, whoever suspends (the safety page, or the books' lot page, API and
    command): a task at every depot of the country holding the lot. The lot's own flag
    follows for a lot of that country."""
    if not (reference or "").strip():
        raise InvalidInput("A suspension notice cites its reference.")
    if live_notice(session, country_code, lot.id) is not None:
        raise Conflict(f"Lot {lot.lot_number} is already suspended.", lot=lot.lot_number)
    notice = SuspensionNotice(country_code=country_code, lot_id=lot.id,
                              reference=reference.strip()[:64], reason=(reason or "").strip(),
                              issued_by=user_id, issued_at=now)
    session.add(notice)
    for depot_id in session.scalars(select(Crate.depot_id).distinct().join(
            Depot, Depot.id == Crate.depot_id).where(
            Crate.lot_id == lot.id, Crate.quantity > 0, Crate.deleted_at.is_(None),
            Depot.country_code == country_code).order_by(Crate.depot_id)):
        _open_task(session, notice, depot_id, now)
    if lot.country_code == country_code:
        lot.suspended, lot.suspension_ref = True, notice.reference
    session.flush()
    return notice


def lift_suspension(session: Session, principal: Principal, lot_id: int, *,
                    now: datetime) -> SuspensionNotice:
    principal.require("safety.manage")
    lot = _lot_in_country(session, principal, lot_id)
    notice = lift_notice(session, lot, principal.country_code, user_id=principal.user_id,
                         now=now)
    record_audit(session, Actor.of(principal), "safety.lift", now=now, entity="lot",
                 entity_id=lot.id, country_code=principal.country_code,
                 details={"reference": notice.reference})
    return notice


def lift_notice(session: Session, lot: AmmoLot, country_code: str, *, user_id: int | None,
                now: datetime) -> SuspensionNotice:
    notice = live_notice(session, country_code, lot.id)
    if notice is None:
        raise Conflict(f"Lot {lot.lot_number} is not suspended.", lot=lot.lot_number)
    notice.lifted_at, notice.lifted_by = now, user_id
    if lot.country_code == country_code:
        lot.suspended = False
    return notice


@dataclass(frozen=True)
class Box:
    depot: str
    building: str | None
    stack: str | None
    label_id: str
    quantity: int
    counted_at: datetime | None  # the last count since the notice, if any


def find_every_box(session: Session, principal: Principal, lot_id: int,
                   since: datetime | None = None) -> list[Box]:
    """Every box of a lot in the principal's depots, by depot, building and stack, with its
    last count since `since` (the notice)."""
    principal.require("inventory.read")
    _lot_in_country(session, principal, lot_id)
    counts = select(CountEvent.crate_id, func.max(CountEvent.received_at).label("at"))
    if since is not None:
        counts = counts.where(CountEvent.received_at >= since)
    counted = counts.group_by(CountEvent.crate_id).subquery()
    rows = session.execute(
        select(Depot.code, StorageBuilding.code, Location.code, Crate.label_id,
               Crate.quantity, counted.c.at)
        .join(Depot, Depot.id == Crate.depot_id)
        .outerjoin(Location, Location.id == Crate.location_id)
        .outerjoin(StorageBuilding, StorageBuilding.id == Location.building_id)
        .outerjoin(counted, counted.c.crate_id == Crate.id)
        .where(Crate.lot_id == lot_id, Crate.quantity > 0, Crate.deleted_at.is_(None),
               Depot.country_code == principal.country_code,
               principal.depot_clause(Crate.depot_id))
        .order_by(Depot.code, StorageBuilding.code, Location.code, Crate.label_id))
    return [Box(*row) for row in rows]


def note_count(session: Session, country_code: str, depot_id: int, lot_id: int, *,
               now: datetime) -> None:
    """Boxes of a suspended lot counted at a depot: its task closes once every box there has
    been counted since the notice."""
    notice = live_notice(session, country_code, lot_id)
    task = notice and next((t for t in notice.tasks if t.depot_id == depot_id), None)
    if task is None or task.confirmed_at is not None:
        return
    counted = select(CountEvent.id).where(CountEvent.crate_id == Crate.id,
                                          CountEvent.received_at >= notice.issued_at)
    # is one box left? (stops at the first: not a count of them all at every batch)
    left = session.scalar(select(Crate.id).where(
        Crate.depot_id == depot_id, Crate.lot_id == lot_id, Crate.quantity > 0,
        Crate.deleted_at.is_(None), ~counted.exists()).limit(1))
    if left is None:
        task.confirmed_at = now


def national_condition(settings: dict, code: str) -> Condition:
    """A condition code as a country's laboratories write it (its `condition_codes` table,
    e.g. {"A": "SERVICEABLE"}), or one of the standard codes."""
    code = (code or "").strip()
    mapped = (settings.get("condition_codes") or {}).get(code.upper(), code.upper())
    try:
        return Condition(mapped)
    except ValueError:
        raise InvalidInput(f"Unknown condition code {code!r}.", code=code,
                           national=sorted(settings.get("condition_codes") or {}),
                           standard=[c.value for c in Condition]) from None


def record_test(session: Session, principal: Principal, lot_id: int, *, tested_on: date,
                laboratory: str, test: str, code: str, next_test_due: date | None = None,
                notes: str = "", now: datetime) -> LotTest:
    """A proof or surveillance test result: the lot takes the condition it led to; a
    serviceable result extends its shelf life to the next test due."""
    principal.require("safety.manage")
    lot = _lot_in_country(session, principal, lot_id)
    settings = session.get(Country, principal.country_code).settings or {}
    condition = national_condition(settings, code)
    if not (laboratory or "").strip() or not (test or "").strip():
        raise InvalidInput("A test result names its laboratory and its test.")
    if tested_on > now.date() or (next_test_due is not None and next_test_due <= tested_on):
        raise InvalidInput("A test is dated today or earlier, its next one after it.")
    row = LotTest(lot_id=lot.id, tested_on=tested_on, laboratory=laboratory.strip()[:200],
                  test=test.strip()[:100], national_code=code.strip()[:16],
                  condition=condition, next_test_due=next_test_due, notes=notes or "",
                  recorded_by=principal.user_id, recorded_at=now)
    session.add(row)
    lot.condition = condition
    if next_test_due is not None:
        lot.next_test_due = next_test_due
        if condition in SERVICEABLE and (lot.expiry_date is None or
                                          lot.expiry_date < next_test_due):
            lot.expiry_date = next_test_due  # a passed surveillance test extends its life
    session.flush()
    record_audit(session, Actor.of(principal), "safety.test", now=now, entity="lot",
                 entity_id=lot.id, country_code=principal.country_code,
                 details={"test": row.test, "condition": condition.value,
                          "next_test_due": next_test_due and next_test_due.isoformat()})
    return row

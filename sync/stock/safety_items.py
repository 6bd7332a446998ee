"""The HQ queue of safety items: breaches accepted under "warn" or found on a phone's
relocation (closed once dealt with), and an inspector's proposal of a lot's condition or of
its suspension (F6), which changes nothing until a second person accepts it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput
from server.models import AmmoLot, Crate, Depot, SafetyItem
from server.models.inventory import Condition
from sync.access.principal import Principal, check_second_person
from sync.access.scope import get_in_scope
from sync.journal.trail import Actor, record_audit
from sync.stock.surveillance import live_notice, suspend_lot

PROPOSALS = ("condition_proposed", "suspension_proposed")
DECISIONS = ("accept", "dismiss")



def list_items(session: Session, principal: Principal, *, status: str | None = "open",
               depot_code: str | None = None, limit: int = 100,
               offset: int = 0) -> list[SafetyItem]:
    principal.require("review.read")
    query = (select(SafetyItem).join(Depot, Depot.id == SafetyItem.depot_id)
             .where(Depot.country_code == principal.country_code,
                    principal.depot_clause(SafetyItem.depot_id))
             .order_by(SafetyItem.opened_at.desc(), SafetyItem.id))
    if status:
        query = query.where(SafetyItem.status == status)
    if depot_code:
        query = query.where(Depot.code == depot_code.upper())
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_item(session: Session, principal: Principal, item_id: str) -> SafetyItem:
    return get_in_scope(session, principal, SafetyItem, item_id, "review.read", "item")


def _held_lot(session: Session, depot: Depot, ref: str) -> AmmoLot:
    """A lot held at the depot, by id (as lots.csv names it) or by lot number."""
    key = AmmoLot.id == int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 10 else \
        AmmoLot.lot_number == ref
    lot = session.scalar(select(AmmoLot).join(Crate, Crate.lot_id == AmmoLot.id).where(
        Crate.depot_id == depot.id, key).limit(1))
    if lot is None:
        raise InvalidInput(f"No lot {ref[:64]!r} is held at {depot.code}.", lot=ref[:64])
    return lot


def propose(session: Session, principal: Principal, depot: Depot, *, lot_ref: str,
            condition: str | None, suspend: bool, reason: str, crate_label: str = "",
            submission_id: str | None = None, now: datetime) -> SafetyItem | None:
    """An inspector's F6 proposal for a lot held at the depot: queued, never applied."""
    lot = _held_lot(session, depot, lot_ref.strip())
    crate = session.scalar(select(Crate).where(
        Crate.label_id == crate_label.strip(), Crate.depot_id == depot.id,
        Crate.lot_id == lot.id)) if crate_label.strip() else None
    try:
        proposed = Condition(condition) if condition else None
    except ValueError:
        raise InvalidInput(f"Unknown condition {condition!r}.", condition=condition) from None
    if not suspend and (proposed is None or proposed is lot.condition):
        return None  # nothing proposed: the inspector found the lot as the books have it
    kind = "suspension_proposed" if suspend else "condition_proposed"
    text = (f"Suspension of lot {lot.lot_number} proposed at {depot.code}" if suspend else
            f"Lot {lot.lot_number} at {depot.code} proposed as {proposed.value} "
            f"(books: {lot.condition.value})")
    item = SafetyItem(depot_id=depot.id, lot_id=lot.id, kind=kind, source="inspection",
                      message=f"{text}: {reason}".strip(": ")[:2000],
                      details={"condition": proposed and proposed.value, "suspend": suspend,
                               "reason": reason[:2000], "crate": crate and crate.label_id},
                      submission_id=submission_id, opened_at=now, opened_by=principal.user_id)
    session.add(item)
    session.flush()
    record_audit(session, Actor.of(principal), f"safety.{kind}", now=now, entity="safety_item",
                 entity_id=item.id, country_code=depot.country_code, depot_id=depot.id,
                 details={"lot": lot.lot_number, "condition": item.details["condition"]})
    return item


def decide(session: Session, principal: Principal, item_id: str, *, decision: str,
           note: str = "", reference: str = "", now: datetime) -> SafetyItem:
    """Accept a proposal (the lot takes the condition, or is suspended under `reference`)
    or dismiss it; a breach is closed either way with the note saying what was done. The
    person deciding is not the one who proposed."""
    item = get_item(session, principal, item_id)
    principal.require("safety.manage")
    if decision not in DECISIONS:
        raise InvalidInput("The decision is accept or dismiss.", decision=decision)
    if item.status != "open":
        raise Conflict(f"This item is already {item.status}.", status=item.status)
    check_second_person(item.opened_by, principal.user_id)
    if not (note or "").strip():
        raise InvalidInput("A decision says what was done or why.")
    if decision == "accept" and item.kind == "suspension_proposed":
        if live_notice(session, principal.country_code, item.lot_id) is None:
            suspend_lot(session, principal, item.lot_id, reference=reference or note,
                        reason=item.details.get("reason", ""), now=now)
    elif decision == "accept" and item.kind == "condition_proposed":
        item.lot.condition = Condition(item.details["condition"])
    item.status = "accepted" if decision == "accept" else "dismissed"
    item.decided_by, item.decided_at, item.decision_note = principal.user_id, now, note.strip()
    record_audit(session, Actor.of(principal), f"safety.{decision}", now=now,
                 entity="safety_item", entity_id=item.id,
                 country_code=principal.country_code, depot_id=item.depot_id,
                 details={"kind": item.kind, "note": item.decision_note})
    return item

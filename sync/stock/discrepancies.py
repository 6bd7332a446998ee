"""Discrepancies: investigated, then closed with no adjustment or with an adjustment
movement that someone other than its proposer approves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.errors import Conflict as ConflictError
from server.errors import InvalidInput
from server.models import Depot, Discrepancy
from server.models.ledger import MovementType
from sync.access.principal import Principal
from sync.access.scope import get_in_scope
from sync.journal.trail import Actor, record_audit
from sync.stock.ledger import LineIn, post_movement

OUTCOMES = ("adjust", "no_adjustment")
MAX_ADJUSTMENT = 10_000_000  # one bound for every door: more than any crate can hold


def get_discrepancy(session: Session, principal: Principal, discrepancy_id: str,
                    permission: str = "review.read") -> Discrepancy:
    return get_in_scope(session, principal, Discrepancy, discrepancy_id, permission,
                        "discrepancy")


def discrepancies_query(principal: Principal, *, status: str | None = None,
                        depot_code: str | None = None) -> Select:
    """The discrepancies in scope, newest first ("open" = not yet closed)."""
    principal.require("review.read")
    query = (select(Discrepancy).join(Depot, Depot.id == Discrepancy.depot_id)
             .where(Depot.country_code == principal.country_code,
                    principal.depot_clause(Discrepancy.depot_id))
             .order_by(Discrepancy.opened_at.desc(), Discrepancy.id))
    if status == "open":
        query = query.where(Discrepancy.status != "closed")
    elif status:
        query = query.where(Discrepancy.status == status)
    if depot_code:
        query = query.where(Depot.code == depot_code)
    return query


def list_discrepancies(session: Session, principal: Principal, *, status: str | None = None,
                       depot_code: str | None = None, limit: int = 100,
                       offset: int = 0) -> list[Discrepancy]:
    query = discrepancies_query(principal, status=status, depot_code=depot_code)
    return list(session.scalars(query.limit(limit).offset(offset)))


def _actor(principal: Principal) -> Actor:
    return Actor(user_id=principal.user_id, device_id=principal.device_id)


def add_note(session: Session, principal: Principal, discrepancy_id: str, text: str, *,
             now: datetime) -> Discrepancy:
    found = get_discrepancy(session, principal, discrepancy_id, "discrepancies.close")
    if not (text or "").strip():
        raise InvalidInput("An investigation note needs text.")
    found.investigation = [*found.investigation, {"by": principal.username,
                                                  "at": now.isoformat(), "text": text.strip()}]
    record_audit(session, _actor(principal), "discrepancy.note", now=now,
                 entity="discrepancy", entity_id=found.id, depot_id=found.depot_id,
                 country_code=principal.country_code)
    return found


def close_discrepancy(session: Session, principal: Principal, discrepancy_id: str, *,
                      outcome: str, cause: str, now: datetime,
                      adjustment: int | None = None) -> Discrepancy:
    """Close with no adjustment at once, or propose an adjustment for a second person."""
    found = get_discrepancy(session, principal, discrepancy_id, "discrepancies.close")
    if found.status == "closed":
        raise ConflictError("This discrepancy is already closed.")
    if outcome not in OUTCOMES:
        raise InvalidInput("outcome is adjust or no_adjustment.", outcome=outcome)
    if not (cause or "").strip():
        raise InvalidInput("Closing a discrepancy needs the investigation's outcome (cause).")
    found.cause, found.outcome, found.proposed_by = cause.strip(), outcome, principal.user_id
    if outcome == "no_adjustment":
        found.status, found.closed_at, found.adjustment = "closed", now, None
        action = "discrepancy.close"
    else:
        if (not isinstance(adjustment, int) or isinstance(adjustment, bool) or adjustment == 0
                or abs(adjustment) > MAX_ADJUSTMENT):
            raise InvalidInput("An adjustment is a signed, non-zero whole quantity of at most "
                               f"{MAX_ADJUSTMENT:,}.", limit=MAX_ADJUSTMENT)
        if found.crate.quantity + adjustment < 0:
            raise InvalidInput("The adjustment would take the book below zero.",
                               book=found.crate.quantity, adjustment=adjustment)
        found.status, found.adjustment = "awaiting_approval", adjustment
        action = "discrepancy.propose_adjustment"
    record_audit(session, _actor(principal), action, now=now, entity="discrepancy",
                 entity_id=found.id, depot_id=found.depot_id,
                 country_code=principal.country_code,
                 details={"outcome": outcome, "adjustment": adjustment, "cause": found.cause})
    return found


def approve_discrepancy(session: Session, principal: Principal, discrepancy_id: str, *,
                        now: datetime) -> Discrepancy:
    """The second person: post the adjustment movement (whose two-person rule refuses the
    proposer) and close."""
    found = get_discrepancy(session, principal, discrepancy_id, "ledger.approve")
    if found.status != "awaiting_approval":
        raise ConflictError("Nothing awaits approval on this discrepancy.", status=found.status)
    movement = post_movement(
        session, depot_id=found.depot_id, type=MovementType.ADJUSTMENT,
        lines=[LineIn(crate_id=found.crate_id, quantity=found.adjustment)],
        originator_id=found.proposed_by, approver_id=principal.user_id, occurred_at=now,
        now=now, reference=f"discrepancy:{found.id}", notes=found.cause,
        actor=_actor(principal))
    found.movement_id, found.approved_by = movement.id, principal.user_id
    found.status, found.closed_at = "closed", now
    record_audit(session, _actor(principal), "discrepancy.approve", now=now,
                 entity="discrepancy", entity_id=found.id, depot_id=found.depot_id,
                 country_code=principal.country_code, details={"movement": movement.id})
    return found

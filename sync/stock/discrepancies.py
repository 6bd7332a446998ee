"""Discrepancies: investigated, then closed with the movement that matches the outcome
(adjustment, loss, theft, found) or with no adjustment. Every closure that books a movement,
and any closure of a shortage (even "no adjustment"), waits for a second person allowed to
approve for the depot; loss, theft and found go through the voucher approval queue, so a
loss starts its reporting clock when it is proposed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.errors import Conflict as ConflictError
from server.errors import InvalidInput
from server.models import Crate, Depot, Discrepancy, User
from server.models.ledger import MovementType
from sync.access.principal import Principal, check_approver
from sync.access.scope import get_in_scope
from sync.journal.trail import Actor, record_audit
from sync.stock.ledger import LineIn, post_movement
from sync.stock.transit import SETTLEMENTS, settlement, short_line
from sync.stock.vouchers import VoucherIn, approve_proposal, propose

OUTCOMES = ("adjust", "no_adjustment", "loss", "theft", "found", "returned")
SHORTAGE_KINDS = {"shortage", "recorded_serial_missing", "transit_shortage"}
# outcome -> the kinds it may close (from the crate's book: not a transit shortage, whose
# missing quantity is on no book of this depot)
BOOKED_SHORTAGES = {"shortage", "recorded_serial_missing"}
MOVEMENT_OUTCOMES = {"loss": BOOKED_SHORTAGES, "theft": BOOKED_SHORTAGES, "found": {"surplus"}}
MAX_ADJUSTMENT = 10_000_000  # one bound for every door: more than any crate can hold


class ProposalPending(ConflictError):
    code = "discrepancies.proposal_pending"


class AmountRequired(InvalidInput):
    code = "discrepancies.amount_required"


class AmountChanged(ConflictError):
    code = "discrepancies.amount_changed"


def outcomes_for(kind: str) -> tuple[str, ...]:
    """The outcomes a discrepancy of this kind may be closed with. A transit shortage says
    where the missing quantity went (sync/stock/transit.py): never "no adjustment"."""
    if kind == "transit_shortage":
        return tuple(SETTLEMENTS)
    return ("no_adjustment", "adjust", *(o for o, kinds in MOVEMENT_OUTCOMES.items()
                                         if kind in kinds))


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



def add_note(session: Session, principal: Principal, discrepancy_id: str, text: str, *,
             now: datetime) -> Discrepancy:
    found = get_discrepancy(session, principal, discrepancy_id, "discrepancies.close")
    if not (text or "").strip():
        raise InvalidInput("An investigation note needs text.")
    found.investigation = [*found.investigation, {"by": principal.username,
                                                  "at": now.isoformat(), "text": text.strip()}]
    record_audit(session, Actor.of(principal), "discrepancy.note", now=now,
                 entity="discrepancy", entity_id=found.id, depot_id=found.depot_id,
                 country_code=principal.country_code)
    return found


def close_discrepancy(session: Session, principal: Principal, discrepancy_id: str, *,
                      outcome: str, cause: str, now: datetime,
                      adjustment: int | None = None,
                      into_crate: str | None = None) -> Discrepancy:
    """Close with no adjustment at once, or propose an adjustment for a second person.
    into_crate: the receiver's crate (label) a transit shortage found or lost is booked in."""
    found = get_discrepancy(session, principal, discrepancy_id, "discrepancies.close")
    if found.status == "closed":
        raise ConflictError("This discrepancy is already closed.")
    if found.status == "awaiting_approval":
        return _proposed_already(found, outcome, adjustment)
    if outcome not in OUTCOMES:
        raise InvalidInput("outcome is adjust or no_adjustment.", outcome=outcome)
    if found.kind == "transit_shortage" and outcome not in SETTLEMENTS:
        raise InvalidInput("A shortage in transit is closed as found, returned to the sender, "
                           "lost or stolen.", outcome=outcome, allowed=list(SETTLEMENTS))
    if not (cause or "").strip():
        raise InvalidInput("Closing a discrepancy needs the investigation's outcome (cause).")
    found.cause, found.outcome, found.proposed_by = cause.strip(), outcome, principal.user_id
    if outcome == "no_adjustment" and found.kind not in SHORTAGE_KINDS:
        found.status, found.closed_at, found.adjustment = "closed", now, None
        action = "discrepancy.close"
    elif outcome == "no_adjustment":
        found.status, found.adjustment = "awaiting_approval", None
        action = "discrepancy.propose_no_adjustment"
    elif found.kind == "transit_shortage":
        _propose_settlement(session, principal, found, outcome, into_crate=into_crate,
                            now=now)
        action = f"discrepancy.propose_{outcome}"
    elif outcome in MOVEMENT_OUTCOMES:
        _propose_movement(session, principal, found, outcome, now=now)
        action = f"discrepancy.propose_{outcome}"
    else:
        _check_adjustment(found, adjustment)
        found.status, found.adjustment = "awaiting_approval", adjustment
        action = "discrepancy.propose_adjustment"
    record_audit(session, Actor.of(principal), action, now=now, entity="discrepancy",
                 entity_id=found.id, depot_id=found.depot_id,
                 country_code=principal.country_code,
                 details={"outcome": outcome, "adjustment": adjustment, "cause": found.cause})
    return found


def _proposed_already(found: Discrepancy, outcome: str, adjustment: int | None) -> Discrepancy:
    """The same proposal again (a retry, a second tab) is answered by the one waiting; another
    one would let its approver approve what they never saw."""
    if outcome == found.outcome and (outcome != "adjust" or adjustment == found.adjustment):
        return found
    raise ProposalPending("Another proposal already awaits approval on this discrepancy; it "
                          "must be approved or rejected first.", outcome=found.outcome,
                          adjustment=found.adjustment)


def _check_adjustment(found: Discrepancy, adjustment: int | None) -> None:
    if (not isinstance(adjustment, int) or isinstance(adjustment, bool) or adjustment == 0
            or abs(adjustment) > MAX_ADJUSTMENT):
        raise InvalidInput("An adjustment is a signed, non-zero whole quantity of at most "
                           f"{MAX_ADJUSTMENT:,}.", limit=MAX_ADJUSTMENT)
    if found.crate.quantity + adjustment < 0:
        raise InvalidInput("The adjustment would take the book below zero.",
                           book=found.crate.quantity, adjustment=adjustment)


def _propose_movement(session: Session, principal: Principal, found: Discrepancy,
                      outcome: str, *, now: datetime) -> None:
    """The loss, theft or found voucher of what the count showed, into the approval queue;
    approving it there (or here) posts it and closes the discrepancy."""
    if found.kind not in MOVEMENT_OUTCOMES[outcome]:
        raise InvalidInput(f"A {found.kind.replace('_', ' ')} cannot be closed as {outcome}.",
                           kind=found.kind, outcome=outcome)
    if found.kind == "recorded_serial_missing":
        serials = set(found.details.get("serials", []))
        lines = tuple(LineIn(weapon_id=w.id) for w in found.crate.weapons if w.serial in serials)
    else:
        moved = abs((found.observed_quantity or 0) - found.book_quantity)
        lines = (LineIn(crate_id=found.crate_id, quantity=moved),)
    if not lines or any(line.crate_id and line.quantity <= 0 for line in lines):
        raise InvalidInput("Nothing left to book for this discrepancy.")
    data = VoucherIn(type=MovementType(outcome).value, lines=lines, occurred_at=now,
                     document_ref=f"discrepancy {found.id[:8]}", notes=found.cause)
    proposal = propose(session, principal, found.crate.depot, data, now=now,
                       discrepancy_id=found.id)
    found.status, found.details = "awaiting_approval", {**found.details,
                                                        "proposal_id": proposal.id}


def _propose_settlement(session: Session, principal: Principal, found: Discrepancy,
                        outcome: str, *, into_crate: str | None, now: datetime) -> None:
    """The voucher that settles a short consignment line, into the approval queue."""
    line = short_line(session, found.details)
    crate = found.crate if found.crate.depot_id == found.depot_id else None
    if into_crate:
        crate = session.scalar(select(Crate).where(Crate.label_id == into_crate.strip(),
                                                   Crate.depot_id == found.depot_id,
                                                   Crate.deleted_at.is_(None)))
        if crate is None:
            raise InvalidInput(f"No crate {into_crate!r} at the receiving depot.")
    depot, line_in, counterparty = settlement(line, outcome,
                                              receiver_crate_id=crate and crate.id)
    ref = f"consignment {line.consignment_id[:8]} line {line.line_no}"
    data = VoucherIn(type=SETTLEMENTS[outcome].value, lines=(line_in,), occurred_at=now,
                     document_ref=ref, counterparty=counterparty, notes=found.cause)
    sender = line.consignment.from_depot
    proposal = propose(session, principal, depot, data, now=now, discrepancy_id=found.id,
                       transit={"consignment_id": line.consignment_id,
                                "line_no": line.line_no, "quantity": line.in_transit,
                                "outcome": outcome, "document_ref": ref,
                                "sender": f"{sender.country_code}-{sender.code}"})
    found.status, found.details = "awaiting_approval", {**found.details,
                                                        "proposal_id": proposal.id}


def approve_discrepancy(session: Session, principal: Principal, discrepancy_id: str, *,
                        now: datetime, adjustment: int | None = None) -> Discrepancy:
    """The second person: post the adjustment movement (whose two-person rule refuses the
    proposer) and close. An adjustment is approved by naming its amount, so what is posted is
    exactly what the approver saw."""
    found = get_discrepancy(session, principal, discrepancy_id, "ledger.approve")
    if found.status != "awaiting_approval":
        raise ConflictError("Nothing awaits approval on this discrepancy.", status=found.status)
    if found.outcome == "adjust" and adjustment is None:
        raise AmountRequired("Approving an adjustment names its amount.",
                             adjustment=found.adjustment)
    if found.outcome == "adjust" and adjustment != found.adjustment:
        raise AmountChanged("The adjustment awaiting approval is not the amount approved.",
                            adjustment=found.adjustment, approved=adjustment)
    if found.outcome in MOVEMENT_OUTCOMES or found.kind == "transit_shortage":
        approve_proposal(session, principal, found.details["proposal_id"], now=now)
        return found
    if found.outcome == "no_adjustment":
        check_approver(session.get(User, principal.user_id), found.crate.depot,
                       found.proposed_by)
        found.approved_by, found.status, found.closed_at = principal.user_id, "closed", now
        record_audit(session, Actor.of(principal), "discrepancy.approve", now=now,
                     entity="discrepancy", entity_id=found.id, depot_id=found.depot_id,
                     country_code=principal.country_code, details={"movement": None})
        return found
    movement = post_movement(
        session, depot_id=found.depot_id, type=MovementType.ADJUSTMENT,
        lines=[LineIn(crate_id=found.crate_id, quantity=found.adjustment)],
        originator_id=found.proposed_by, approver_id=principal.user_id, occurred_at=now,
        now=now, reference=f"discrepancy:{found.id}", notes=found.cause,
        actor=Actor.of(principal))
    found.movement_id, found.approved_by = movement.id, principal.user_id
    found.status, found.closed_at = "closed", now
    record_audit(session, Actor.of(principal), "discrepancy.approve", now=now,
                 entity="discrepancy", entity_id=found.id, depot_id=found.depot_id,
                 country_code=principal.country_code, details={"movement": movement.id})
    return found

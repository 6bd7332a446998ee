"""Movements as numbered vouchers: who may post which type, the authority document and
signatures, and the two-person rule as a queue: a loss, theft, write-off, destruction,
adjustment or condition change is proposed, checked at once, and posted only when a second
person allowed to approve for the depot approves it. Loss and theft start the country's
reporting clock (loss_report_hours). An act the country ties to a competence
(qualifications: "post.<type>", "approve.<type>") needs someone who holds it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import new_uuid
from server.errors import Conflict, InvalidInput, NotFound
from server.models import Depot, Discrepancy, Movement, VoucherProposal
from server.models.ledger import MovementType as MT
from sync.access.principal import Principal, check_may_post
from sync.access.scope import check_depot, get_in_scope
from sync.journal.trail import Actor, record_audit
from sync.people.training import check_user_qualified
from sync.stock.ledger import NEEDS_APPROVER, LineIn, Voucher, post_movement
from sync.stock.transit import settle

LOSS_TYPES = {MT.LOSS, MT.THEFT}
DEFAULT_LOSS_REPORT_HOURS = 24


@dataclass(frozen=True)
class VoucherIn:
    type: str
    lines: tuple[LineIn, ...]
    occurred_at: datetime
    document_ref: str  # the authority document (order, delivery note, decision…)
    counterparty: str = ""
    witnesses: tuple[str, ...] = ()
    notes: str = ""
    voucher: Voucher = field(default_factory=Voucher)

    def to_json(self) -> dict:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        data["voucher"] = {k: v.isoformat() if isinstance(v, datetime) else v
                           for k, v in data["voucher"].items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> VoucherIn:
        when = {k: datetime.fromisoformat(v) if k.endswith("_at") and v else v
                for k, v in data["voucher"].items()}
        return cls(type=data["type"], lines=tuple(LineIn(**ln) for ln in data["lines"]),
                   occurred_at=datetime.fromisoformat(data["occurred_at"]),
                   document_ref=data["document_ref"], counterparty=data["counterparty"],
                   witnesses=tuple(data["witnesses"]), notes=data["notes"],
                   voucher=Voucher(**when))


@dataclass(frozen=True)
class Posted:
    """A voucher is either on the books (movement) or waiting for its second person."""

    movement: Movement | None = None
    proposal: VoucherProposal | None = None



def _post(session: Session, depot: Depot, data: VoucherIn, *, originator_id: int,
          approver_id: int | None, actor: Actor, now: datetime, reference: str = "",
          require_approver: bool = True) -> Movement:
    return post_movement(session, depot_id=depot.id, type=data.type, lines=data.lines,
                         originator_id=originator_id, approver_id=approver_id,
                         occurred_at=data.occurred_at, now=now,
                         witnesses=data.witnesses, document_ref=data.document_ref,
                         counterparty=data.counterparty, notes=data.notes, actor=actor,
                         voucher=data.voucher, reference=reference,
                         require_approver=require_approver)


def submit_voucher(session: Session, principal: Principal, depot: Depot, data: VoucherIn, *,
                   now: datetime) -> Posted:
    """Post a voucher, or propose it when it needs a second person. Either way it is checked
    in full now (stock, places, witnesses), so a proposal can always be approved as made."""
    check_depot(principal, depot, "inventory.read")
    try:
        mtype = MT(data.type)
    except ValueError:
        raise InvalidInput(f"Unknown movement type {data.type!r}.", type=data.type) from None
    check_may_post(principal, mtype.value)
    check_user_qualified(session, depot.country, f"post.{mtype.value}",
                         user_id=principal.user_id, on=now.date())
    if not data.document_ref.strip():
        raise InvalidInput("A voucher cites its authority document.")
    if mtype not in NEEDS_APPROVER:
        return Posted(movement=_post(session, depot, data, originator_id=principal.user_id,
                                     approver_id=None, actor=Actor.of(principal), now=now))
    return Posted(proposal=propose(session, principal, depot, data, now=now))


def propose(session: Session, principal: Principal, depot: Depot, data: VoucherIn, *,
            now: datetime, discrepancy_id: str | None = None,
            transit: dict | None = None) -> VoucherProposal:
    """Queue a voucher for its second person, once it is known to apply as it stands.
    transit: the consignment line whose missing quantity it settles (sync/stock/transit.py)."""
    mtype = MT(data.type)
    if mtype in LOSS_TYPES:
        hours = int(depot.country.settings.get("loss_report_hours",
                                               DEFAULT_LOSS_REPORT_HOURS))
        data = replace(data, voucher=replace(
            data.voucher, report_due_at=data.occurred_at + timedelta(hours=hours)))
    with session.begin_nested() as trial:  # would it apply? then undo until approved
        if transit:
            settle(session, transit, depot, data.lines, originator_id=principal.user_id,
                   actor=Actor.of(principal), now=now)
        _post(session, depot, data, originator_id=principal.user_id, approver_id=None,
              actor=Actor.of(principal), now=now, require_approver=False)
        trial.rollback()
    payload = {**data.to_json(), "discrepancy_id": discrepancy_id, "transit": transit}
    proposal = VoucherProposal(id=new_uuid(), depot_id=depot.id, type=mtype, payload=payload,
                               originator_id=principal.user_id, device_id=principal.device_id,
                               proposed_at=now, report_due_at=data.voucher.report_due_at)
    session.add(proposal)
    session.flush()
    record_audit(session, Actor.of(principal), "voucher.propose", now=now, entity="proposal",
                 entity_id=proposal.id, country_code=depot.country_code, depot_id=depot.id,
                 details={"type": mtype.value, "lines": len(data.lines),
                          "discrepancy": discrepancy_id})
    return proposal


def get_proposal(session: Session, principal: Principal, proposal_id: str,
                 permission: str = "review.read") -> VoucherProposal:
    return get_in_scope(session, principal, VoucherProposal, proposal_id, permission,
                        "proposal")


def approve_proposal(session: Session, principal: Principal, proposal_id: str, *,
                     now: datetime) -> VoucherProposal:
    """The second person posts it: check_approver refuses the originator, and anyone who
    may not approve for that depot."""
    proposal = get_proposal(session, principal, proposal_id, "ledger.approve")
    _pending(proposal)
    check_user_qualified(session, proposal.depot.country, f"approve.{proposal.type.value}",
                         user_id=principal.user_id, on=now.date())
    data = VoucherIn.from_json(proposal.payload)
    if proposal.payload.get("transit"):
        settle(session, proposal.payload["transit"], proposal.depot, data.lines,
               originator_id=proposal.originator_id, actor=Actor.of(principal), now=now,
               approver_id=principal.user_id)
    movement = _post(session, proposal.depot, data,
                     originator_id=proposal.originator_id, approver_id=principal.user_id,
                     actor=Actor.of(principal), now=now, reference=f"proposal:{proposal.id}")
    proposal.status, proposal.movement_id = "approved", movement.id
    proposal.decided_by, proposal.decided_at = principal.user_id, now
    if proposal.payload.get("discrepancy_id"):  # the discrepancy it resolves closes with it
        found = session.get(Discrepancy, proposal.payload["discrepancy_id"])
        found.movement_id, found.approved_by = movement.id, principal.user_id
        found.status, found.closed_at = "closed", now
    record_audit(session, Actor.of(principal), "voucher.approve", now=now, entity="proposal",
                 entity_id=proposal.id, country_code=proposal.depot.country_code,
                 depot_id=proposal.depot_id, details={"movement": movement.id})
    return proposal


def reject_proposal(session: Session, principal: Principal, proposal_id: str, *, note: str,
                    now: datetime) -> VoucherProposal:
    proposal = get_proposal(session, principal, proposal_id, "ledger.approve")
    _pending(proposal)
    if not (note or "").strip():
        raise InvalidInput("A rejection says why.")
    proposal.status, proposal.decision_note = "rejected", note.strip()
    if proposal.payload.get("discrepancy_id"):  # back to investigation
        session.get(Discrepancy, proposal.payload["discrepancy_id"]).status = "open"
    proposal.decided_by, proposal.decided_at = principal.user_id, now
    record_audit(session, Actor.of(principal), "voucher.reject", now=now, entity="proposal",
                 entity_id=proposal.id, country_code=proposal.depot.country_code,
                 depot_id=proposal.depot_id, details={"note": proposal.decision_note})
    return proposal


def _pending(proposal: VoucherProposal) -> None:
    """Pending (two-person rule) or held (a phone's voucher that would go below zero: it
    posts if the stock is there by now)."""
    if proposal.status not in ("pending", "held"):
        raise Conflict(f"This proposal is already {proposal.status}.", status=proposal.status)


def list_proposals(session: Session, principal: Principal, *, status: str | None = "pending",
                   depot_code: str | None = None, limit: int = 100,
                   offset: int = 0) -> list[VoucherProposal]:
    """The approval queue in scope, oldest first (the longest waiting on top)."""
    principal.require("review.read")
    query = (select(VoucherProposal).join(Depot, Depot.id == VoucherProposal.depot_id)
             .where(Depot.country_code == principal.country_code,
                    principal.depot_clause(VoucherProposal.depot_id))
             .order_by(VoucherProposal.proposed_at, VoucherProposal.id))
    if status:
        query = query.where(VoucherProposal.status == status)
    if depot_code:
        query = query.where(Depot.code == depot_code.upper())
    return list(session.scalars(query.limit(limit).offset(offset)))


def voucher_book(session: Session, principal: Principal, depot: Depot, *,
                 type: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, limit: int = 100,
                 offset: int = 0) -> list[Movement]:
    """A depot's vouchers, newest number first, filtered by type and date of movement."""
    check_depot(principal, depot, "inventory.read")
    query = (select(Movement).where(Movement.depot_id == depot.id)
             .order_by(Movement.depot_seq.desc()))
    if type:
        query = query.where(Movement.type == type)
    if since:
        query = query.where(Movement.occurred_at >= since)
    if until:
        query = query.where(Movement.occurred_at < until)
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_voucher(session: Session, principal: Principal, depot: Depot, seq: int) -> Movement:
    check_depot(principal, depot, "inventory.read")
    movement = session.scalar(select(Movement).where(Movement.depot_id == depot.id,
                                                     Movement.depot_seq == seq))
    if movement is None:
        raise NotFound(f"No voucher #{seq} at {depot.code}.", seq=seq)
    return movement

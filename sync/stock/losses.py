"""The reporting clock of losses and thefts: each must be reported to the national authority
within the country's loss_report_hours of when it happened. HQ's queue shows each one, its
deadline, whether it was reported, and what is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput
from server.models import Depot, LossReport, VoucherProposal
from server.models.ledger import MovementType as MT
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit
from sync.stock.vouchers import get_proposal


@dataclass(frozen=True)
class LossRow:
    proposal: VoucherProposal
    due_at: datetime
    report: LossReport | None
    overdue: bool


def report_loss(session: Session, principal: Principal, proposal_id: str, *,
                reported_to: str, reference: str, reported_at: datetime,
                now: datetime) -> LossReport:
    proposal = get_proposal(session, principal, proposal_id, "discrepancies.close")
    if proposal.type not in (MT.LOSS, MT.THEFT):
        raise InvalidInput("Only losses and thefts are reported on this clock.")
    if session.get(LossReport, proposal.id) is not None:
        raise Conflict("This loss is already reported.")
    if not (reported_to or "").strip():
        raise InvalidInput("A report names the authority it went to.")
    if reported_at > now:
        raise InvalidInput("A report cannot be dated in the future.")
    report = LossReport(proposal_id=proposal.id, reported_at=reported_at,
                        reported_to=reported_to.strip(), reference=(reference or "").strip(),
                        user_id=principal.user_id)
    session.add(report)
    session.flush()
    record_audit(session, Actor.of(principal),
                 "loss.report", now=now, entity="proposal", entity_id=proposal.id,
                 country_code=proposal.depot.country_code, depot_id=proposal.depot_id,
                 details={"reported_to": report.reported_to, "late":
                          reported_at > proposal.report_due_at})
    return report


def loss_queue(session: Session, principal: Principal, *, now: datetime,
               overdue_only: bool = False) -> list[LossRow]:
    """Losses and thefts in scope, soonest deadline first; overdue = past the deadline and
    not reported, or reported late."""
    principal.require("review.read")
    rows = session.execute(
        select(VoucherProposal, LossReport)
        .join(Depot, Depot.id == VoucherProposal.depot_id)
        .outerjoin(LossReport, LossReport.proposal_id == VoucherProposal.id)
        .where(Depot.country_code == principal.country_code,
               principal.depot_clause(VoucherProposal.depot_id),
               VoucherProposal.type.in_([MT.LOSS, MT.THEFT]),
               VoucherProposal.status != "rejected")
        .order_by(VoucherProposal.report_due_at, VoucherProposal.id))
    out = []
    for proposal, report in rows:
        due = proposal.report_due_at
        overdue = (report.reported_at > due) if report else now > due
        if overdue or not overdue_only:
            out.append(LossRow(proposal=proposal, due_at=due, report=report, overdue=overdue))
    return out

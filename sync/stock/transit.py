"""Settling what a consignment is missing, so nothing stays in transit forever and nothing
vanishes. A short line's discrepancy at the receiver closes, through the approval queue, as
found later (a late transfer-in at the receiver), returned to the sender (a transfer-in at
the sender), or lost or stolen in transit: the missing quantity is first received by the
receiver (a late transfer-in line) and then leaves its book by the loss or theft voucher, so
the loss is on a book and starts the reporting clock like any other."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput
from server.models import ConsignmentLine, Depot, User
from server.models.ledger import MovementType as MT
from sync.access.principal import check_approver
from sync.journal.trail import Actor
from sync.stock.ledger import LineIn, post_movement

# outcome -> the voucher that settles it (and where: the sender for "returned")
SETTLEMENTS = {"found": MT.TRANSFER_IN, "returned": MT.TRANSFER_IN, "loss": MT.LOSS,
               "theft": MT.THEFT}


def short_line(session: Session, details: dict) -> ConsignmentLine:
    """The consignment line a transit shortage was opened for."""
    line = session.scalar(select(ConsignmentLine).where(
        ConsignmentLine.consignment_id == details.get("consignment"),
        ConsignmentLine.line_no == details.get("line")))
    if line is None:
        raise InvalidInput("This discrepancy names no consignment line.")
    return line


def settlement(line: ConsignmentLine, outcome: str, *, receiver_crate_id: str | None
               ) -> tuple[Depot, LineIn, str]:
    """Where the settlement voucher posts, its one line, and its counterparty."""
    consignment = line.consignment
    if line.weapon_id:
        raise InvalidInput("A weapon missing in transit is received late on the consignment "
                           "page, or reported by a discrepancy of its own at the receiver.")
    if line.in_transit <= 0:
        raise Conflict("Nothing of this line is in transit any more.")
    sender, receiver = consignment.from_depot, consignment.to_depot
    if outcome == "returned":
        return sender, LineIn(crate_id=line.source_crate_id, lot_id=line.lot_id,
                              quantity=line.in_transit), f"{receiver.country_code}-{receiver.code}"
    if receiver_crate_id is None:
        raise InvalidInput("Name the receiving depot's crate the missing quantity goes into.")
    return receiver, LineIn(crate_id=receiver_crate_id, lot_id=line.lot_id,
                            quantity=line.in_transit), f"{sender.country_code}-{sender.code}"


def settle(session: Session, transit: dict, depot: Depot, lines: Sequence[LineIn], *,
           originator_id: int, actor: Actor, now: datetime,
           approver_id: int | None = None) -> None:
    """Just before the settlement voucher posts (approver_id: on approval; None: its trial
    when proposed): every settlement has a second person allowed to approve for the depot;
    the line must still miss what was proposed; a loss or theft is first received late; the
    line then counts as received or settled."""
    if approver_id is not None:
        check_approver(session.get(User, approver_id), depot, originator_id)
    line = short_line(session, {"consignment": transit["consignment_id"],
                                "line": transit["line_no"]})
    if line.in_transit != transit["quantity"]:
        raise Conflict("The consignment line changed since this was proposed.",
                       in_transit=line.in_transit, proposed=transit["quantity"])
    if transit["outcome"] in ("loss", "theft"):
        post_movement(session, depot_id=depot.id, type=MT.TRANSFER_IN, lines=lines,
                      originator_id=originator_id, occurred_at=now, now=now,
                      document_ref=transit["document_ref"], counterparty=transit["sender"],
                      notes="received late to be written off as lost in transit",
                      reference=f"consignment:{line.consignment_id}", actor=actor)
    if transit["outcome"] == "found":
        line.received_quantity += transit["quantity"]
    else:
        line.settled_quantity += transit["quantity"]

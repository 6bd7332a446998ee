"""Transfers between depots: sending posts a transfer out and opens a consignment in transit;
the receiving depot acknowledges it line by line with transfer-in vouchers. A line received
short, or of another lot than sent, opens a discrepancy at the receiver, and what did not
arrive stays accounted as in transit. A weapon in transit can be received only by the depot
it was sent to (sync/stock/placement.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.db import new_uuid
from server.errors import Conflict, InvalidInput, NotFound
from server.models import (
    AmmoLot,
    Consignment,
    ConsignmentLine,
    Crate,
    Depot,
    Discrepancy,
    Location,
    StorageBuilding,
    Weapon,
)
from server.models.inventory import CrateKind
from server.models.ledger import MovementType as MT
from sync.access.principal import Principal, check_may_post
from sync.access.scope import check_depot, get_depot
from sync.journal.trail import Actor, record_audit
from sync.stock.ledger import LineIn, Voucher, post_movement


@dataclass(frozen=True)
class AckIn:
    """One consignment line as the receiver found it, and where it was put."""

    line_no: int
    received_quantity: int
    to_crate_id: str | None = None
    to_location_id: int | None = None
    lot_seen: str | None = None  # the lot number read on the packages, if it differs


@dataclass(frozen=True)
class TransitRow:
    consignment: Consignment
    line: ConsignmentLine



def send_transfer(session: Session, principal: Principal, depot: Depot, *, to_depot: str,
                  lines: Sequence[LineIn], document_ref: str, occurred_at: datetime,
                  now: datetime, voucher: Voucher | None = None) -> Consignment:
    check_depot(principal, depot, "inventory.read")
    check_may_post(principal, MT.TRANSFER_OUT.value)
    if not (document_ref or "").strip():
        raise InvalidInput("A transfer cites its authority document.")
    target = session.scalar(select(Depot).where(Depot.country_code == depot.country_code,
                                                Depot.code == (to_depot or "").upper()))
    if target is None or target.id == depot.id:
        raise NotFound(f"No other depot {to_depot!r} in {depot.country_code}; a transfer "
                       "abroad is an export.", to_depot=to_depot)
    sources = {ln.weapon_id: session.get(Weapon, ln.weapon_id).crate_id for ln in lines
               if ln.weapon_id and session.get(Weapon, ln.weapon_id) is not None}
    movement = post_movement(session, depot_id=depot.id, type=MT.TRANSFER_OUT, lines=lines,
                             originator_id=principal.user_id, occurred_at=occurred_at,
                             now=now, document_ref=document_ref,
                             counterparty=f"{target.country_code}-{target.code}",
                             actor=Actor.of(principal), voucher=voucher)
    consignment = Consignment(id=new_uuid(), from_depot_id=depot.id, to_depot_id=target.id,
                              out_movement_id=movement.id, status="in_transit", sent_at=now)
    for out in movement.lines:
        consignment.lines.append(ConsignmentLine(
            line_no=out.line_no, lot_id=out.lot_id, weapon_id=out.weapon_id,
            source_crate_id=sources.get(out.weapon_id) if out.weapon_id else out.crate_id,
            quantity=1 if out.weapon_id else -out.quantity, received_quantity=0))
    session.add(consignment)
    session.flush()
    record_audit(session, Actor.of(principal), "transfer.send", now=now, entity="consignment",
                 entity_id=consignment.id, country_code=depot.country_code, depot_id=depot.id,
                 details={"to": target.code, "lines": len(consignment.lines),
                          "movement": movement.id})
    return consignment


def get_consignment(session: Session, principal: Principal, consignment_id: str) -> Consignment:
    """Seen by the sending and the receiving depot (and HQ)."""
    found = session.get(Consignment, consignment_id)
    if found is None or not any(principal.sees_depot(d.id, d.country_code)
                                for d in (found.from_depot, found.to_depot)):
        raise NotFound("No such consignment.", consignment_id=consignment_id)
    return found


def acknowledge(session: Session, principal: Principal, consignment_id: str,
                acks: Sequence[AckIn], *, complete: bool, document_ref: str,
                now: datetime, voucher: Voucher | None = None) -> Consignment:
    """Receive lines at the receiving depot. complete=True ends the receipt: every line not
    acknowledged counts as not received."""
    consignment = get_consignment(session, principal, consignment_id)
    get_depot(session, principal, consignment.to_depot.code)  # receiver's scope, or 404
    check_may_post(principal, MT.TRANSFER_IN.value)
    if consignment.status != "in_transit":
        raise Conflict(f"This consignment is already {consignment.status}.")
    by_no = {line.line_no: line for line in consignment.lines}
    acks = list(acks)
    if complete:
        acked = {a.line_no for a in acks}
        acks += [AckIn(line_no=n, received_quantity=0) for n, line in by_no.items()
                 if n not in acked and line.acknowledged_at is None]
    lines, short = _receive(session, by_no, acks, now)
    if lines:
        post_movement(
            session, depot_id=consignment.to_depot_id, type=MT.TRANSFER_IN, lines=lines,
            originator_id=principal.user_id, occurred_at=now, now=now,
            document_ref=document_ref or consignment.out_movement_id,
            counterparty=f"{consignment.from_depot.country_code}-"
                         f"{consignment.from_depot.code}", actor=Actor.of(principal),
            voucher=voucher, reference=f"consignment:{consignment.id}")
    for line, ack, kind in short:
        line.discrepancy_id = _open_discrepancy(session, consignment, line, ack, kind, now)
    if all(line.acknowledged_at for line in consignment.lines):
        consignment.received_at = now
        consignment.status = "short" if any(ln.discrepancy_id for ln in consignment.lines) \
            else "received"
    record_audit(session, Actor.of(principal), "transfer.acknowledge", now=now,
                 entity="consignment", entity_id=consignment.id,
                 country_code=consignment.to_depot.country_code,
                 depot_id=consignment.to_depot_id,
                 details={"lines": [a.line_no for a in acks], "short": len(short)})
    return consignment


def _receive(session: Session, by_no: dict[int, ConsignmentLine], acks: Sequence[AckIn],
             now: datetime):
    lines: list[LineIn] = []
    short: list[tuple[ConsignmentLine, AckIn, str]] = []
    for ack in acks:
        line = by_no.get(ack.line_no)
        if line is None:
            raise InvalidInput(f"The consignment has no line {ack.line_no}.", line=ack.line_no)
        if line.acknowledged_at is not None:
            raise Conflict(f"Line {ack.line_no} is already acknowledged.", line=ack.line_no)
        if not 0 <= ack.received_quantity <= line.quantity:
            raise InvalidInput(f"Line {ack.line_no}: between 0 and the {line.quantity} sent "
                               "can be received; more is a surplus to count at the depot.",
                               line=ack.line_no)
        line.received_quantity, line.acknowledged_at = ack.received_quantity, now
        if ack.received_quantity:
            lines.append(LineIn(weapon_id=line.weapon_id, to_crate_id=ack.to_crate_id,
                                to_location_id=ack.to_location_id) if line.weapon_id else
                         LineIn(crate_id=ack.to_crate_id, lot_id=line.lot_id,
                                quantity=ack.received_quantity))
        if ack.received_quantity < line.quantity:
            short.append((line, ack, "transit_shortage"))
        elif (ack.lot_seen or "").strip() and line.lot_id and ack.lot_seen.strip() != (
                session.get(AmmoLot, line.lot_id).lot_number or ""):
            short.append((line, ack, "wrong_lot"))
    return lines, short


def _open_discrepancy(session: Session, consignment: Consignment, line: ConsignmentLine,
                      ack: AckIn, kind: str, now: datetime) -> str:
    crate_id = ack.to_crate_id or line.source_crate_id
    if crate_id is None:
        raise InvalidInput(f"Line {line.line_no}: name the crate it was to go into, so the "
                           "discrepancy has a place.", line=line.line_no)
    found = Discrepancy(id=new_uuid(), depot_id=consignment.to_depot_id, crate_id=crate_id,
                        kind=kind, book_quantity=line.quantity,
                        observed_quantity=ack.received_quantity, opened_at=now,
                        status="open", details={
                            "consignment": consignment.id, "line": line.line_no,
                            "missing": line.in_transit, "lot_seen": ack.lot_seen,
                            "weapon_id": line.weapon_id})
    session.add(found)
    session.flush()
    return found.id


def in_transit(session: Session, principal: Principal) -> list[TransitRow]:
    """Every consignment line not (fully) received, for the depots in scope on either end."""
    principal.require("inventory.read")
    visible = select(Depot.id).where(Depot.country_code == principal.country_code,
                                     principal.depot_clause())
    rows = session.execute(
        select(Consignment, ConsignmentLine)
        .join(ConsignmentLine, ConsignmentLine.consignment_id == Consignment.id)
        .where(ConsignmentLine.quantity > ConsignmentLine.received_quantity
               + ConsignmentLine.settled_quantity,
               or_(Consignment.from_depot_id.in_(visible),
                   Consignment.to_depot_id.in_(visible)))
        .order_by(Consignment.sent_at, Consignment.id, ConsignmentLine.line_no))
    return [TransitRow(consignment=c, line=ln) for c, ln in rows]


def receiving_places(session: Session, consignment: Consignment) -> dict[str, list]:
    """Where the receiver may put each kind of line: its empty or same-lot crates, and its
    stacks."""
    crates = list(session.scalars(select(Crate).where(
        Crate.depot_id == consignment.to_depot_id, Crate.deleted_at.is_(None),
        Crate.kind == CrateKind.AMMO_BOX).order_by(Crate.label_id)))
    locations = list(session.scalars(
        select(Location).join(Location.building)
        .where(StorageBuilding.depot_id == consignment.to_depot_id)
        .order_by(StorageBuilding.code, Location.code)))
    return {"crates": crates, "locations": locations}

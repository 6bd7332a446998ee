"""The movement ledger: post movements, derive book stock from them (sync/stock/ledger_verify.py
walks the hash chains).

Book quantities change only here. Each movement is appended to its depot's chain under a lock
on the depot row, so two writers can never fork a chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import new_uuid
from server.errors import AppError, InvalidInput
from server.models import AmmoLot, Crate, Depot, Movement, MovementLine, User, Weapon
from server.models.inventory import Condition, StockCategory
from server.models.ledger import MovementType as MT
from sync.access.principal import ApprovalRequired, check_approver
from sync.journal.trail import Actor, chain_hash, record_audit, record_change
from sync.stock.catalogue import get_entry
from sync.stock.magazines import buildings_of, check_buildings
from sync.stock.placement import IN_DEPOT, move_weapon  # noqa: F401  (IN_DEPOT: read from here)
from sync.stock.sightings import note_weapons
from sync.stock.surveillance import check_movement, note_arrival

IN_TYPES = {MT.RECEIPT, MT.RETURN, MT.TRANSFER_IN, MT.FOUND}
OUT_TYPES = {MT.ISSUE, MT.TRANSFER_OUT, MT.LOSS, MT.THEFT, MT.WRITE_OFF, MT.DESTRUCTION, MT.EXPORT}
# the two-person rule: these need an approver other than their originator
NEEDS_APPROVER = {MT.WRITE_OFF, MT.DESTRUCTION, MT.ADJUSTMENT, MT.LOSS, MT.THEFT,
                  MT.CONDITION_CHANGE}

class NegativeStock(AppError):
    status, code = 409, "ledger.negative_stock"


class WitnessRequired(AppError):
    status, code = 422, "ledger.witness_required"


class CertificateRequired(AppError):
    status, code = 422, "ledger.certificate_required"


@dataclass(frozen=True)
class LineIn:
    """One line: a quantity of a crate's lot, or one weapon and (if it stays) where it goes.

    quantity is the count moved (positive); the movement type gives the sign, except for
    adjustments, which are signed.
    """

    crate_id: str | None = None
    quantity: int = 0
    lot_id: int | None = None
    weapon_id: str | None = None
    to_crate_id: str | None = None
    to_location_id: int | None = None
    details: dict | None = None  # condition change: condition, category; marking: marking


VOUCHER_FIELDS = ("issuer", "issuer_signed_at", "receiver", "receiver_signed_at", "transport",
                  "certificate_ref", "report_due_at")


@dataclass(frozen=True)
class Voucher:
    """What a movement's paper voucher carries beyond its lines: the signatures (who and
    when), transport (vehicle, escort, seals), a destruction certificate, a loss's deadline."""

    issuer: str = ""
    issuer_signed_at: datetime | None = None
    receiver: str = ""
    receiver_signed_at: datetime | None = None
    transport: dict | None = None
    certificate_ref: str = ""
    report_due_at: datetime | None = None


def post_movement(session: Session, *, depot_id: int, type: MT | str, lines: Sequence[LineIn],
                  originator_id: int, occurred_at: datetime, now: datetime,
                  approver_id: int | None = None, witnesses: Sequence[str] = (),
                  document_ref: str = "", counterparty: str = "", notes: str = "",
                  reference: str = "", actor: Actor | None = None,
                  voucher: Voucher | None = None, require_approver: bool = True) -> Movement:
    """Check, apply and append one movement to its depot's chain. Raises before writing.
    require_approver=False only serves to try a proposal before it waits for approval."""
    mtype = MT(type)
    depot = session.scalar(select(Depot).where(Depot.id == depot_id).with_for_update(of=Depot)
                           .execution_options(populate_existing=True))
    if depot is None:
        raise InvalidInput("Unknown depot.", depot_id=depot_id)
    voucher = voucher or Voucher()
    _check_people(session, depot, mtype, originator_id, approver_id, witnesses, voucher,
                  require_approver)
    if not lines:
        raise InvalidInput("A movement needs at least one line.")
    actor = actor or Actor(user_id=originator_id)

    movement = Movement(id=new_uuid(), depot_id=depot.id, type=mtype, occurred_at=occurred_at,
                        recorded_at=now,
                        document_ref=document_ref, counterparty=counterparty,
                        originator_id=originator_id, approver_id=approver_id,
                        witnesses=list(witnesses), notes=notes, reference=reference,
                        **_voucher_fields(voucher))
    check_movement(session, depot, mtype, lines, today=now.astimezone(depot.zone()).date())
    if mtype is MT.FOUND:  # a weapon closed as lost or stolen turning up: HQ follows it up
        note_weapons(session, depot.id, depot.country_code, (ln.weapon_id for ln in lines),
                     source="found", reference=document_ref or "", user_id=originator_id,
                     now=now)
    touched: set[str] = set()  # crates whose contents change, including those a weapon leaves
    for n, line in enumerate(lines, start=1):
        if line.weapon_id is not None:
            stored = move_weapon(session, depot, mtype, line, counterparty, touched)
        else:
            stored = _move_ammo(session, depot, mtype, line)
        stored.line_no = n
        movement.lines.append(stored)
    _check_limits(session, depot, mtype, movement, actor=actor, now=now)

    movement.depot_seq = depot.ledger_seq + 1
    movement.prev_hash = depot.ledger_head
    movement.hash = chain_hash(movement.prev_hash, movement_content(movement))
    depot.ledger_seq, depot.ledger_head = movement.depot_seq, movement.hash
    session.add(movement)
    session.flush()

    _journal(session, movement, touched, actor=actor, now=now)
    record_audit(session, actor, f"ledger.{mtype.value}", now=now, entity="movement",
                 entity_id=movement.id, country_code=depot.country_code, depot_id=depot.id,
                 details={"depot_seq": movement.depot_seq, "lines": len(movement.lines)})
    return movement


def _check_limits(session: Session, depot: Depot, mtype: MT, movement: Movement, *,
                  actor: Actor, now: datetime) -> None:
    """The limits and mixing rules of every building stock entered (warn or block, per
    country), judged on the books as they would be: a refusal leaves the caller to roll
    back. Boxes of a suspended lot arriving reopen the depot's task."""
    entering = [ln.crate_id for ln in movement.lines if ln.quantity > 0 and ln.crate_id]
    if entering:
        note_arrival(session, depot, movement.lines, now=now)
        check_buildings(session, depot, buildings_of(session, entering), source=mtype.value,
                        actor=actor, now=now, reference=movement.document_ref)


def _journal(session: Session, movement: Movement, touched: set[str], *, actor: Actor,
             now: datetime) -> None:
    """A new version of every crate and weapon the movement changed, for phones to pull."""
    touched.update(line.crate_id for line in movement.lines if line.crate_id)
    for crate_id in sorted(touched):
        crate = session.get(Crate, crate_id)
        crate.version += 1
        crate.updated_at = now
        record_change(session, "crate", crate, actor=actor, now=now)
    for line in movement.lines:
        if line.weapon_id:
            record_change(session, "weapon", session.get(Weapon, line.weapon_id),
                          actor=actor, now=now)


def _voucher_fields(voucher: Voucher) -> dict:
    fields = {name: getattr(voucher, name) for name in VOUCHER_FIELDS}
    fields["transport"] = dict(voucher.transport or {})
    return fields


def _check_people(session: Session, depot: Depot, mtype: MT, originator_id: int,
                  approver_id: int | None, witnesses: Sequence[str], voucher: Voucher,
                  require_approver: bool) -> None:
    if require_approver and (mtype in NEEDS_APPROVER or approver_id is not None):
        if approver_id is None:
            raise ApprovalRequired(f"A {mtype.value} needs an approver other than its "
                                   "originator.", type=mtype.value)
        check_approver(session.get(User, approver_id), depot, originator_id)
    if mtype is MT.DESTRUCTION:
        _check_destruction(session, depot, originator_id, approver_id, witnesses, voucher)


def _check_destruction(session: Session, depot: Depot, originator_id: int,
                       approver_id: int | None, witnesses: Sequence[str],
                       voucher: Voucher) -> None:
    """Witnesses are named people who are neither the originator nor the approver."""
    named = {" ".join(w.split()).casefold() for w in witnesses if w.strip()}
    for user in (session.get(User, uid) for uid in (originator_id, approver_id) if uid):
        if user is not None and named & {user.username.casefold(),
                                         " ".join(user.full_name.split()).casefold()}:
            raise WitnessRequired("A destruction witness is neither its originator nor its "
                                  "approver.", witness=user.username)
    needed = int(depot.country.settings.get("destruction_witnesses", 2))
    if len(named) < needed:
        raise WitnessRequired(f"Destruction needs at least {needed} named witnesses.",
                              needed=needed)
    if not voucher.certificate_ref.strip():
        raise CertificateRequired("Destruction needs the reference of its destruction "
                                  "certificate.")


def _move_ammo(session: Session, depot: Depot, mtype: MT, line: LineIn) -> MovementLine:
    crate = session.get(Crate, line.crate_id) if line.crate_id else None
    if crate is None or crate.depot_id != depot.id or crate.deleted_at is not None:
        raise InvalidInput("Unknown crate for this depot.", crate_id=line.crate_id)
    if mtype is MT.RELOCATION:
        raise InvalidInput("Crates move by changing their location, not by a movement.")
    if mtype is MT.CONDITION_CHANGE:
        return _change_condition(crate, line.details or {})
    if mtype is MT.MARKING:
        raise InvalidInput("Marking applies to weapons, not to ammunition.")
    if mtype is MT.ADJUSTMENT:
        delta = line.quantity
    elif line.quantity <= 0:
        raise InvalidInput("A quantity moved must be positive.", quantity=line.quantity)
    else:
        delta = line.quantity if mtype in IN_TYPES else -line.quantity
    if delta == 0:
        raise InvalidInput("An adjustment of zero changes nothing.")
    lot_id = line.lot_id or crate.lot_id
    if lot_id is None:
        raise InvalidInput("Ammunition is accounted by lot: name the lot.", crate=crate.label_id)
    if crate.lot_id is not None and lot_id != crate.lot_id:
        raise InvalidInput(f"Crate {crate.label_id} holds another lot; one lot per crate.",
                           crate=crate.label_id)
    if crate.lot_id is None:  # the crate's first lot: one of this country's books
        get_entry(session, AmmoLot, lot_id, depot.country_code)
    if crate.quantity + delta < 0:
        raise NegativeStock(
            f"Crate {crate.label_id} holds {crate.quantity} on the books; "
            f"{-delta} cannot leave it.", crate=crate.label_id, book=crate.quantity,
            requested=-delta)
    crate.lot_id = lot_id
    crate.quantity += delta
    return MovementLine(crate_id=crate.id, lot_id=lot_id, quantity=delta)


def _change_condition(crate: Crate, details: dict) -> MovementLine:
    """The whole crate changes condition or stock category; its quantity stays."""
    try:
        condition = Condition(details["condition"]) if details.get("condition") else None
        category = StockCategory(details["category"]) if details.get("category") else None
    except ValueError:
        raise InvalidInput("Unknown condition or stock category.", details=details) from None
    if condition is None and category is None:
        raise InvalidInput("A condition change names a new condition or stock category.")
    changed = {}
    if condition is not None:
        crate.condition = condition
        changed["condition"] = condition.value
    if category is not None:
        crate.category = category
        changed["category"] = category.value
    return MovementLine(crate_id=crate.id, lot_id=crate.lot_id, quantity=0, details=changed)


HASHED_FIELDS = ("id", "depot_id", "depot_seq", "type", "occurred_at", "recorded_at",
                 "document_ref", "counterparty", "originator_id", "approver_id", "witnesses",
                 "notes", "reference")  # with the lines and the voucher, what a hash covers
LINE_FIELDS = ("line_no", "crate_id", "lot_id", "quantity", "weapon_id", "weapon_status",
               "to_location_id", "details")


def movement_content(movement: Movement) -> dict:
    """What a movement's hash covers: every field and every line."""
    fields = {name: getattr(movement, name) for name in HASHED_FIELDS}
    fields["type"] = MT(movement.type).value
    return content_of(fields, [getattr(movement, name) for name in VOUCHER_FIELDS],
                    [[getattr(ln, name) for name in LINE_FIELDS] for ln in movement.lines])


def content_of(fields: dict, voucher: list, lines: list[list]) -> dict:
    """movement_content from plain values: fields (HASHED_FIELDS, a dict it completes), the
    voucher (VOUCHER_FIELDS) and the lines (LINE_FIELDS each), as the ORM or verify read them."""
    fields["witnesses"] = list(fields["witnesses"])
    fields["lines"] = [line if line[7] else line[:7] for line in lines]  # no empty details
    if any(voucher):  # entries written before vouchers keep their hashes
        fields["voucher"] = dict(zip(VOUCHER_FIELDS, voucher, strict=True))
    return fields

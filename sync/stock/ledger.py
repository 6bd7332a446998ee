"""The movement ledger: post movements, derive book stock from them, verify the hash chains.

Book quantities change only here. Each movement is appended to its depot's chain under a lock
on the depot row, so two writers can never fork a chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db import new_uuid
from server.errors import AppError, InvalidInput
from server.models import Crate, Depot, Location, Movement, MovementLine, Role, User, Weapon
from server.models.inventory import WeaponStatus as WS
from server.models.ledger import MovementType as MT
from sync.access.principal import APPROVER_ROLES, check_second_person
from sync.journal.trail import GENESIS, Actor, chain_hash, record_audit, record_change

IN_TYPES = {MT.RECEIPT, MT.RETURN, MT.TRANSFER_IN, MT.FOUND}
OUT_TYPES = {MT.ISSUE, MT.TRANSFER_OUT, MT.LOSS, MT.THEFT, MT.WRITE_OFF, MT.DESTRUCTION, MT.EXPORT}
NEEDS_APPROVER = {MT.WRITE_OFF, MT.DESTRUCTION, MT.ADJUSTMENT}

IN_DEPOT = {WS.IN_STORE, WS.RECOVERED, WS.SURPLUS, WS.IN_REPAIR}
AVAILABLE = {WS.IN_STORE, WS.RECOVERED, WS.SURPLUS}
HELD = IN_DEPOT | {WS.ISSUED, WS.IN_TRANSIT}

# movement type -> (statuses a weapon may be in before, status after; None keeps it)
WEAPON_RULES: dict[MT, tuple[set[WS], WS | None]] = {
    MT.RECEIPT: ({WS.REGISTERED}, WS.IN_STORE),
    MT.TRANSFER_IN: ({WS.IN_TRANSIT, WS.REGISTERED}, WS.IN_STORE),
    MT.RETURN: ({WS.ISSUED, WS.IN_REPAIR}, WS.IN_STORE),
    MT.FOUND: ({WS.LOST, WS.STOLEN, WS.REGISTERED}, WS.RECOVERED),
    MT.RELOCATION: (IN_DEPOT, None),
    MT.ISSUE: ({WS.IN_STORE, WS.RECOVERED}, WS.ISSUED),
    MT.TRANSFER_OUT: (AVAILABLE, WS.IN_TRANSIT),
    MT.LOSS: (HELD, WS.LOST),
    MT.THEFT: (HELD, WS.STOLEN),
    MT.DESTRUCTION: (AVAILABLE, WS.DESTROYED),
    MT.EXPORT: (AVAILABLE, WS.EXPORTED),
}
# statuses in which the weapon's depot is the one that must post its next movement
OWNED_BY_DEPOT = IN_DEPOT | {WS.ISSUED}


class NegativeStock(AppError):
    status, code = 409, "ledger.negative_stock"


class WeaponMisplaced(AppError):
    status, code = 409, "ledger.weapon_misplaced"


class ApprovalRequired(AppError):
    status, code = 422, "ledger.approval_required"


class WitnessRequired(AppError):
    status, code = 422, "ledger.witness_required"


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


def post_movement(session: Session, *, depot_id: int, type: MT | str, lines: Sequence[LineIn],
                  originator_id: int, occurred_at: datetime, now: datetime,
                  approver_id: int | None = None, witnesses: Sequence[str] = (),
                  document_ref: str = "", counterparty: str = "", notes: str = "",
                  reference: str = "", actor: Actor | None = None) -> Movement:
    """Check, apply and append one movement to its depot's chain. Raises before writing."""
    mtype = MT(type)
    depot = session.scalar(select(Depot).where(Depot.id == depot_id).with_for_update(of=Depot)
                           .execution_options(populate_existing=True))
    if depot is None:
        raise InvalidInput("Unknown depot.", depot_id=depot_id)
    _check_people(session, depot, mtype, originator_id, approver_id, witnesses)
    if not lines:
        raise InvalidInput("A movement needs at least one line.")
    actor = actor or Actor(user_id=originator_id)

    movement = Movement(id=new_uuid(), depot_id=depot.id, type=mtype, occurred_at=occurred_at,
                        recorded_at=now,
                        document_ref=document_ref, counterparty=counterparty,
                        originator_id=originator_id, approver_id=approver_id,
                        witnesses=list(witnesses), notes=notes, reference=reference)
    touched: set[str] = set()  # crates whose contents change, including those a weapon leaves
    for n, line in enumerate(lines, start=1):
        if line.weapon_id is not None:
            stored = _move_weapon(session, depot, mtype, line, counterparty, touched)
        else:
            stored = _move_ammo(session, depot, mtype, line)
        stored.line_no = n
        movement.lines.append(stored)

    movement.depot_seq = depot.ledger_seq + 1
    movement.prev_hash = depot.ledger_head
    movement.hash = chain_hash(movement.prev_hash, movement_content(movement))
    depot.ledger_seq, depot.ledger_head = movement.depot_seq, movement.hash
    session.add(movement)
    session.flush()

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
    record_audit(session, actor, f"ledger.{mtype.value}", now=now, entity="movement",
                 entity_id=movement.id, country_code=depot.country_code, depot_id=depot.id,
                 details={"depot_seq": movement.depot_seq, "lines": len(movement.lines)})
    return movement


def _check_people(session: Session, depot: Depot, mtype: MT, originator_id: int,
                  approver_id: int | None, witnesses: Sequence[str]) -> None:
    check_second_person(originator_id, approver_id)
    if mtype in NEEDS_APPROVER:
        if approver_id is None:
            raise ApprovalRequired(f"A {mtype.value} needs an approver other than its "
                                   "originator.", type=mtype.value)
        approver = session.get(User, approver_id)
        if (approver is None or approver.country_code != depot.country_code
                or Role(approver.role) not in APPROVER_ROLES or not approver.active):
            raise ApprovalRequired("The approver must be an active commander, reviewer or "
                                   "administrator of the depot's country.", type=mtype.value)
    if mtype is MT.DESTRUCTION:
        needed = int(depot.country.settings.get("destruction_witnesses", 2))
        if len({w.strip() for w in witnesses if w.strip()}) < needed:
            raise WitnessRequired(f"Destruction needs at least {needed} named witnesses.",
                                  needed=needed)


def _move_ammo(session: Session, depot: Depot, mtype: MT, line: LineIn) -> MovementLine:
    crate = session.get(Crate, line.crate_id) if line.crate_id else None
    if crate is None or crate.depot_id != depot.id or crate.deleted_at is not None:
        raise InvalidInput("Unknown crate for this depot.", crate_id=line.crate_id)
    if mtype is MT.RELOCATION:
        raise InvalidInput("Crates move by changing their location, not by a movement.")
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
    if crate.quantity + delta < 0:
        raise NegativeStock(
            f"Crate {crate.label_id} holds {crate.quantity} on the books; "
            f"{-delta} cannot leave it.", crate=crate.label_id, book=crate.quantity,
            requested=-delta)
    crate.lot_id = lot_id
    crate.quantity += delta
    return MovementLine(crate_id=crate.id, lot_id=lot_id, quantity=delta)


def _move_weapon(session: Session, depot: Depot, mtype: MT, line: LineIn,
                 counterparty: str, touched: set[str]) -> MovementLine:
    weapon = session.get(Weapon, line.weapon_id)
    if weapon is None or weapon.country_code != depot.country_code:
        raise InvalidInput("Unknown weapon.", weapon_id=line.weapon_id)
    if mtype not in WEAPON_RULES:
        raise InvalidInput(f"Weapons cannot be moved by a {mtype.value}.", type=mtype.value)
    allowed, after = WEAPON_RULES[mtype]
    where = f"{weapon.status.value}" + (f" at depot {weapon.depot_id}" if weapon.depot_id else "")
    if weapon.status not in allowed or (
            weapon.status in OWNED_BY_DEPOT and weapon.depot_id != depot.id):
        raise WeaponMisplaced(
            f"Weapon {weapon.manufacturer} {weapon.model} {weapon.serial} is {where}; "
            f"a {mtype.value} here would place it twice.",
            weapon_id=weapon.id, status=weapon.status.value)
    status = after or weapon.status
    crate_id = location_id = None
    if status in IN_DEPOT:
        crate_id, location_id = _destination(session, depot, line)
    if weapon.crate_id:
        touched.add(weapon.crate_id)
    weapon.status = status
    weapon.depot_id = depot.id if status in HELD else None
    weapon.crate_id, weapon.location_id = crate_id, location_id
    weapon.holder = counterparty if status is WS.ISSUED else ""
    weapon.version += 1
    return MovementLine(weapon_id=weapon.id, weapon_status=status.value, crate_id=crate_id,
                        quantity=0, to_location_id=location_id)


def _destination(session: Session, depot: Depot, line: LineIn) -> tuple[str | None, int | None]:
    if (line.to_crate_id is None) == (line.to_location_id is None):
        raise InvalidInput("A weapon kept in the depot goes to exactly one crate or location.")
    if line.to_crate_id is not None:
        crate = session.get(Crate, line.to_crate_id)
        if crate is None or crate.depot_id != depot.id or crate.deleted_at is not None:
            raise InvalidInput("Unknown crate for this depot.", crate_id=line.to_crate_id)
        return crate.id, None
    location = session.get(Location, line.to_location_id)
    if location is None or location.building.depot_id != depot.id:
        raise InvalidInput("Unknown location for this depot.", location_id=line.to_location_id)
    return None, location.id


def movement_content(movement: Movement) -> dict:
    """What a movement's hash covers: every field and every line."""
    return {
        "id": movement.id, "depot_id": movement.depot_id, "depot_seq": movement.depot_seq,
        "type": MT(movement.type).value, "occurred_at": movement.occurred_at,
        "recorded_at": movement.recorded_at, "document_ref": movement.document_ref,
        "counterparty": movement.counterparty, "originator_id": movement.originator_id,
        "approver_id": movement.approver_id, "witnesses": list(movement.witnesses),
        "notes": movement.notes, "reference": movement.reference,
        "lines": [[ln.line_no, ln.crate_id, ln.lot_id, ln.quantity, ln.weapon_id,
                   ln.weapon_status, ln.to_location_id] for ln in movement.lines],
    }


def verify_ledgers(session: Session) -> list[str]:
    """Walk every depot's chain and compare book stock with the ledger; name each problem."""
    problems: list[str] = []
    session.expire_all()  # judge what the database holds, not what this session remembers
    for depot in session.scalars(select(Depot).order_by(Depot.id)):
        prev, seq = GENESIS, 0
        movements = session.scalars(select(Movement).where(Movement.depot_id == depot.id)
                                    .order_by(Movement.depot_seq))
        for movement in movements:
            seq += 1
            label = (f"depot {depot.country_code}-{depot.code} movement #{movement.depot_seq} "
                     f"({movement.id})")
            if movement.depot_seq != seq:
                problems.append(f"{label}: sequence gap, expected #{seq}")
                seq = movement.depot_seq
            if movement.prev_hash != prev:
                problems.append(f"{label}: chain broken, prev_hash does not match entry #{seq - 1}")
            if chain_hash(movement.prev_hash, movement_content(movement)) != movement.hash:
                problems.append(f"{label}: content altered, hash does not match")
            prev = movement.hash
        if (seq, prev) != (depot.ledger_seq, depot.ledger_head):
            problems.append(f"depot {depot.country_code}-{depot.code}: chain head does not match "
                            f"its last entry (entries removed or added outside the ledger)")
        session.expunge_all()
    booked = select(MovementLine.crate_id, func.sum(MovementLine.quantity).label("q")).where(
        MovementLine.crate_id.is_not(None)).group_by(MovementLine.crate_id).subquery()
    rows = session.execute(select(Crate.label_id, Crate.quantity, booked.c.q)
                           .outerjoin(booked, booked.c.crate_id == Crate.id)
                           .where(Crate.quantity != func.coalesce(booked.c.q, 0)))
    for label_id, quantity, ledger_q in rows:
        problems.append(f"crate {label_id}: book quantity {quantity} but the ledger sums to "
                        f"{ledger_q or 0}")
    return problems

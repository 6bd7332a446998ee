"""Where a weapon is: the status each movement type may find it in and leaves it in, and the
one crate or location it then occupies (a weapon is in exactly one place at a time)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.errors import AppError, InvalidInput
from server.models import Country, Crate, Depot, Location, MovementLine, Weapon
from server.models.inventory import WeaponStatus as WS
from server.models.ledger import MovementType as MT
from sync.stock.marking import read_marking

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
    MT.CONDITION_CHANGE: (IN_DEPOT, None),
    MT.MARKING: (IN_DEPOT, None),
    MT.ISSUE: ({WS.IN_STORE, WS.RECOVERED}, WS.ISSUED),
    MT.TRANSFER_OUT: (AVAILABLE, WS.IN_TRANSIT),
    MT.LOSS: (HELD, WS.LOST),
    MT.THEFT: (HELD, WS.STOLEN),
    MT.DESTRUCTION: (AVAILABLE, WS.DESTROYED),
    MT.EXPORT: (AVAILABLE, WS.EXPORTED),
}
# statuses in which the weapon's depot is the one that must post its next movement
OWNED_BY_DEPOT = IN_DEPOT | {WS.ISSUED}


class WeaponMisplaced(AppError):
    status, code = 409, "ledger.weapon_misplaced"


def move_weapon(session: Session, depot: Depot, mtype: MT, line, counterparty: str,
                touched: set[str]) -> MovementLine:
    weapon = session.get(Weapon, line.weapon_id)
    if weapon is None or weapon.country_code != depot.country_code:
        raise InvalidInput("Unknown weapon.", weapon_id=line.weapon_id)
    if mtype not in WEAPON_RULES:
        raise InvalidInput(f"Weapons cannot be moved by a {mtype.value}.", type=mtype.value)
    allowed, after = WEAPON_RULES[mtype]
    where = f"{weapon.status.value}" + (f" at depot {weapon.depot_id}" if weapon.depot_id else "")
    if weapon.status not in allowed or (
            weapon.status in OWNED_BY_DEPOT and weapon.depot_id != depot.id) or (
            weapon.status is WS.IN_TRANSIT and mtype is MT.TRANSFER_IN
            and weapon.holder != f"{depot.country_code}-{depot.code}"):
        raise WeaponMisplaced(
            f"Weapon {weapon.manufacturer} {weapon.model} {weapon.serial} is {where}; "
            f"a {mtype.value} here would place it twice.",
            weapon_id=weapon.id, status=weapon.status.value)
    status = after or weapon.status
    crate_id, location_id = weapon.crate_id, weapon.location_id
    if status in IN_DEPOT and (after is not None or mtype is MT.RELOCATION):
        crate_id, location_id = _destination(session, depot, line)
    elif status not in IN_DEPOT:
        crate_id = location_id = None
    if weapon.crate_id:
        touched.add(weapon.crate_id)
    details = _apply_details(session, weapon, mtype, line.details or {})
    weapon.status = status
    weapon.depot_id = depot.id if status in HELD else None
    weapon.crate_id, weapon.location_id = crate_id, location_id
    weapon.holder = counterparty if status in (WS.ISSUED, WS.IN_TRANSIT) else ""
    weapon.version += 1
    return MovementLine(weapon_id=weapon.id, weapon_status=status.value, crate_id=crate_id,
                        quantity=0, to_location_id=location_id, details=details)


def _apply_details(session: Session, weapon: Weapon, mtype: MT, details: dict) -> dict:
    if mtype is MT.CONDITION_CHANGE:
        condition = str(details.get("condition") or "").strip()
        if not condition:
            raise InvalidInput("A condition change names the new condition.")
        weapon.condition = condition[:32]
        return {"condition": weapon.condition}
    if mtype is MT.MARKING:
        return _mark(session, weapon, details.get("marking"))
    return {}


def _mark(session: Session, weapon: Weapon, given: object) -> dict:
    """The national marking applied, checked against the country's format like the
    register's, and set with the register's search key so that the weapon is found by it.
    Given as engraved text or {country, agency, year, number} ("date" for the year, as
    vouchers first wrote it: its year is taken)."""
    if isinstance(given, dict) and "year" not in given and given.get("date"):
        given = {**given, "year": str(given["date"])[:4]}
    if not (isinstance(given, dict) and given) and not (isinstance(given, str) and given):
        raise InvalidInput("A marking records the national marking applied "
                           "(country, agency, year, number).")
    country = session.get(Country, weapon.country_code)
    marking, key = read_marking(session, country, given if isinstance(given, dict) else None,
                                given if isinstance(given, str) else "")
    weapon.national_marking, weapon.marking_key = marking.as_dict(), key
    return {"marking": weapon.national_marking}


def _destination(session: Session, depot: Depot, line) -> tuple[str | None, int | None]:
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

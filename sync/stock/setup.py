"""Setting a country's books up: agencies, depots, their storage buildings (explosives limit
per hazard division, compatibility groups allowed, protection) and the stacks inside them.
Each is checked here, written once, and entered in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput, NotFound
from server.models import Agency, Country, Depot, Location, StorageBuilding
from server.models.inventory import HAZARD_GROUPS
from server.models.places import DepotType
from sync.journal.trail import Actor, record_audit
from sync.labels.ids import valid_code
from sync.stock.catalogue import edit_entry

ALL_GROUPS = "".join(sorted(set("".join(HAZARD_GROUPS.values()))))
MAX_ELL_KG = 10_000_000  # ten thousand tonnes: more is a typing error, not a licence
BUILDING_TYPES = ("storehouse", "magazine", "armoury", "iso_container", "igloo", "open_stack")


class SetupInvalid(InvalidInput):
    code = "books.setup_invalid"


@dataclass(frozen=True)
class DepotIn:
    country_code: str
    code: str
    name: str
    type: str = DepotType.CENTRAL.value
    agency_code: str | None = None
    timezone: str | None = None
    commander_name: str = ""
    licence_ref: str = ""
    security_plan_date: date | None = None
    risk_assessment_date: date | None = None


@dataclass(frozen=True)
class BuildingIn:
    code: str
    type: str = "storehouse"
    ell_kg: dict[str, str | float] | None = None
    cgs_allowed: str = ""
    lightning_protection: bool = False
    lightning_test_date: date | None = None
    alarm: bool = False
    lock_type: str = ""
    ell_licence_ref: str = ""  # the licence the ELL is granted by


def _code(value: str, what: str, *, max_len: int = 16) -> str:
    code = (value or "").strip().upper()
    if not code or len(code) > max_len or not all(ch.isalnum() or ch in "-_" for ch in code):
        raise SetupInvalid(f"A {what} code is 1 to {max_len} letters, digits, - or _.",
                           code=value)
    return code


def _country(session: Session, code: str) -> Country:
    country = session.get(Country, (code or "").strip().upper())
    if country is None:
        raise NotFound(f"Unknown country {code!r}.", country=code)
    return country


def create_agency(session: Session, *, country_code: str, name: str, marking_code: str,
                  actor: Actor, now: datetime) -> Agency:
    country = _country(session, country_code)
    marking = _code(marking_code, "marking", max_len=16)
    if not (name or "").strip():
        raise SetupInvalid("An agency has a name.")
    if session.scalar(select(Agency.id).where(Agency.country_code == country.code,
                                              Agency.marking_code == marking)):
        raise Conflict(f"Agency code {marking} is already used in {country.code}.",
                       marking_code=marking)
    agency = Agency(country_code=country.code, name=name.strip(), marking_code=marking)
    session.add(agency)
    session.flush()
    record_audit(session, actor, "books.agency", now=now, entity="agency", entity_id=agency.id,
                 country_code=country.code, details={"marking_code": marking})
    return agency


def _depot_values(session: Session, country: Country, data: DepotIn) -> dict:
    if data.type not in {t.value for t in DepotType}:
        raise SetupInvalid(f"Unknown depot type {data.type!r}.", type=data.type,
                           allowed=[t.value for t in DepotType])
    if not (data.name or "").strip():
        raise SetupInvalid("A depot has a name.")
    tz = data.timezone or country.timezone
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise SetupInvalid(f"Unknown time zone {tz!r}.", timezone=tz) from None
    return {"name": data.name.strip(), "type": DepotType(data.type), "timezone": tz,
            "agency_id": _agency_id(session, country.code, data.agency_code),
            "commander_name": (data.commander_name or "").strip(),
            "licence_ref": (data.licence_ref or "").strip(),
            "security_plan_date": data.security_plan_date,
            "risk_assessment_date": data.risk_assessment_date}


def create_depot(session: Session, data: DepotIn, *, actor: Actor, now: datetime) -> Depot:
    """A new depot, empty: it is on the books once its opening balance is counted."""
    country = _country(session, data.country_code)
    code = (data.code or "").strip().upper()
    if not valid_code(code):
        raise SetupInvalid("A depot code is 2 to 5 letters (no I, O, Q or U): it prefixes "
                           "the depot's label IDs.", code=data.code)
    values = _depot_values(session, country, data)
    if session.scalar(select(Depot.id).where(Depot.country_code == country.code,
                                             Depot.code == code)):
        raise Conflict(f"Depot {country.code}-{code} already exists.", depot=code)
    depot = Depot(country_code=country.code, code=code, status="setup", **values)
    session.add(depot)
    session.flush()
    record_audit(session, actor, "books.depot", now=now, entity="depot", entity_id=depot.id,
                 country_code=country.code, depot_id=depot.id,
                 details={"code": code, "type": data.type})
    return depot


def _agency_id(session: Session, country_code: str, marking_code: str | None) -> int | None:
    if not marking_code:
        return None
    agency = session.scalar(select(Agency).where(Agency.country_code == country_code,
                                                 Agency.marking_code == marking_code.upper()))
    if agency is None:
        raise NotFound(f"No agency {marking_code!r} in {country_code}.", agency=marking_code)
    return agency.id


def check_ell(ell_kg: dict | None) -> dict[str, float]:
    """An explosives limit licence: kilograms of NEQ per hazard division, none negative."""
    limits = {}
    for division, value in (ell_kg or {}).items():
        if division not in HAZARD_GROUPS:
            raise SetupInvalid(f"ELL: hazard division {division!r} does not exist.",
                               hazard_division=division)
        try:
            kg = Decimal(str(value))
        except InvalidOperation:
            raise SetupInvalid(f"ELL for {division}: {value!r} is not a number of kg.",
                               hazard_division=division) from None
        if not kg.is_finite() or not 0 <= kg <= MAX_ELL_KG:
            raise SetupInvalid(f"ELL for {division} must be zero or more kg, at most "
                               f"{MAX_ELL_KG} kg.", hazard_division=division)
        limits[division] = float(kg)
    return limits


def check_groups(cgs: str) -> str:
    groups = "".join(sorted(set((cgs or "").replace(",", "").replace(" ", "").upper())))
    if any(g not in ALL_GROUPS for g in groups):
        raise SetupInvalid(f"Compatibility groups are letters among {ALL_GROUPS}.", cgs=cgs)
    return groups


def edit_depot(session: Session, depot: Depot, data: DepotIn, *, actor: Actor,
               now: datetime) -> Depot:
    """Correct a depot's particulars; its code, which prefixes its labels, stays."""
    values = _depot_values(session, depot.country, data)
    return edit_entry(session, depot, values, "books.depot_edit", "depot", actor=actor,
                      now=now, depot_id=depot.id)


def _building_values(data: BuildingIn) -> dict:
    if data.type not in BUILDING_TYPES:
        raise SetupInvalid(f"Unknown building type {data.type!r}.", allowed=BUILDING_TYPES)
    if data.lightning_test_date and not data.lightning_protection:
        raise SetupInvalid("A lightning test date needs lightning protection.")
    return {"type": data.type, "ell_kg": check_ell(data.ell_kg),
            "ell_licence_ref": (data.ell_licence_ref or "").strip(),
            "cgs_allowed": check_groups(data.cgs_allowed),
            "lightning_protection": data.lightning_protection,
            "lightning_test_date": data.lightning_test_date, "alarm": data.alarm,
            "lock_type": (data.lock_type or "").strip()}


def add_building(session: Session, depot: Depot, data: BuildingIn, *, actor: Actor,
                 now: datetime) -> StorageBuilding:
    code = _code(data.code, "building")
    values = _building_values(data)
    if session.scalar(select(StorageBuilding.id).where(StorageBuilding.depot_id == depot.id,
                                                       StorageBuilding.code == code)):
        raise Conflict(f"Building {code} already exists in {depot.code}.", building=code)
    building = StorageBuilding(depot_id=depot.id, code=code, **values)
    session.add(building)
    session.flush()
    record_audit(session, actor, "books.building", now=now, entity="building",
                 entity_id=building.id, country_code=depot.country_code, depot_id=depot.id,
                 details={"code": code, "ell_kg": building.ell_kg,
                          "ell_licence_ref": building.ell_licence_ref,
                          "cgs_allowed": building.cgs_allowed})
    return building


def edit_building(session: Session, building: StorageBuilding, data: BuildingIn, *,
                  actor: Actor, now: datetime) -> StorageBuilding:
    """Correct a building's licence and protection; its code stays (crates name it)."""
    depot = session.get(Depot, building.depot_id)
    return edit_entry(session, building, _building_values(data), "books.building_edit",
                      "building", actor=actor, now=now, country_code=depot.country_code,
                      depot_id=depot.id)


def get_building(session: Session, depot: Depot, code: str) -> StorageBuilding:
    building = session.scalar(select(StorageBuilding).where(
        StorageBuilding.depot_id == depot.id, StorageBuilding.code == (code or "").upper()))
    if building is None:
        raise NotFound(f"No building {code!r} in {depot.code}.", building=code)
    return building


def add_location(session: Session, building: StorageBuilding, code: str, *, actor: Actor,
                 now: datetime) -> Location:
    code = _code(code, "stack")
    if session.scalar(select(Location.id).where(Location.building_id == building.id,
                                                Location.code == code)):
        raise Conflict(f"Stack {code} already exists in {building.code}.", location=code)
    location = Location(building_id=building.id, code=code)
    session.add(location)
    session.flush()
    depot = session.get(Depot, building.depot_id)
    record_audit(session, actor, "books.location", now=now, entity="location",
                 entity_id=location.id, country_code=depot.country_code, depot_id=depot.id,
                 details={"building": building.code, "code": code})
    return location


def list_agencies(session: Session, country_code: str) -> list[Agency]:
    return list(session.scalars(select(Agency).where(Agency.country_code == country_code)
                                .order_by(Agency.marking_code)))

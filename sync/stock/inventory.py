"""Master records: item types, lots, weapons and crates, created with their journal rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import utcnow
from server.errors import Conflict, InvalidInput
from server.models import AmmoItemType, AmmoLot, Crate, Depot, Location, Weapon
from server.models.inventory import (
    Condition,
    CrateKind,
    CrateStatus,
    LotState,
    StockCategory,
)
from sync.journal.trail import Actor, record_audit, record_change
from sync.labels import registry as labels
from sync.stock.catalogue import canonical_maker
from sync.stock.hazard import check_hazard
from sync.stock.serials import serial_key


def create_item_type(session: Session, *, nature: str, calibre: str, type: str,
                     hazard_division: str, compatibility_group: str, neq_kg: Decimal | str,
                     un_number: str = "") -> AmmoItemType:
    check_hazard(hazard_division, compatibility_group)
    neq = Decimal(str(neq_kg))
    if neq < 0:
        raise InvalidInput("NEQ cannot be negative.", neq_kg=str(neq_kg))
    item = AmmoItemType(nature=nature, calibre=calibre, type=type,
                        hazard_division=hazard_division.strip(),
                        compatibility_group=compatibility_group.strip().upper(), neq_kg=neq,
                        un_number=un_number)
    session.add(item)
    session.flush()
    return item


def create_lot(session: Session, item_type: AmmoItemType, *, lot_number: str | None,
               lot_state: LotState = LotState.KNOWN, manufacturer: str = "",
               country_of_manufacture: str = "", manufacture_date: date | None = None,
               expiry_date: date | None = None,
               condition: Condition = Condition.SERVICEABLE,
               country_code: str | None = None) -> AmmoLot:
    if lot_state is LotState.KNOWN and not lot_number:
        raise InvalidInput("A known lot has a lot number; otherwise say it is unknown, "
                           "mixed or none.")
    lot = AmmoLot(item_type_id=item_type.id, country_code=country_code,
                  lot_number=lot_number, lot_state=lot_state,
                  manufacturer=manufacturer, country_of_manufacture=country_of_manufacture,
                  manufacture_date=manufacture_date, expiry_date=expiry_date,
                  condition=condition)
    session.add(lot)
    session.flush()
    return lot


def allocate_labels(session: Session, depot: Depot, count: int, *,
                    now: datetime | None = None) -> list[str]:
    """Hand out the next `count` label IDs of a depot (the depot row is locked meanwhile);
    each is entered in the label registry as reserved until a crate takes it."""
    return labels.issue_labels(session, depot, count, now=now or utcnow())


def register_crate(session: Session, depot: Depot, *, label_id: str, kind: CrateKind,
                   location: Location | None, actor: Actor, now: datetime,
                   crate_id: str | None = None, seal_number: str | None = None,
                   category: StockCategory = StockCategory.OPERATIONAL,
                   condition: Condition | None = None,
                   status: CrateStatus = CrateStatus.IN_STORE) -> Crate:
    """A new, empty crate at version 1. Stock enters it only through the ledger."""
    if location is not None and location.building.depot_id != depot.id:
        raise InvalidInput("That location is not in this depot.")
    if session.scalar(select(Crate.id).where(Crate.label_id == label_id)) is not None:
        raise Conflict(f"Label {label_id} is already on a crate.", label_id=label_id)
    labels.check_unused(session, label_id)
    crate = Crate(label_id=label_id, depot_id=depot.id, location_id=location and location.id,
                  kind=kind, status=status, category=category, condition=condition,
                  seal_number=seal_number, quantity=0, version=1, created_at=now,
                  updated_at=now)
    if crate_id:
        crate.id = crate_id
    session.add(crate)
    session.flush()
    labels.claim_label(session, depot, label_id, crate, now=now)
    record_change(session, "crate", crate, actor=actor, now=now)
    record_audit(session, actor, "crate.register", now=now, entity="crate", entity_id=crate.id,
                 country_code=depot.country_code, depot_id=depot.id,
                 details={"label_id": label_id, "kind": kind.value})
    return crate


def register_weapon(session: Session, *, country_code: str, manufacturer: str, model: str,
                    serial: str, country_of_manufacture: str, calibre: str = "", type: str = "",
                    year: int | None = None, national_marking: dict | None = None) -> Weapon:
    """Put a weapon on record (status registered). A receipt then places it in a depot."""
    serial, manufacturer = serial.strip(), canonical_maker(session, manufacturer, country_code)
    if not (manufacturer and model and serial and country_of_manufacture):
        raise InvalidInput("A weapon is identified by manufacturer, model, serial and country "
                           "of manufacture.")
    exists = session.scalar(select(Weapon.id).where(
        Weapon.manufacturer == manufacturer, Weapon.model == model, Weapon.serial == serial))
    if exists is not None:
        raise Conflict(f"{manufacturer} {model} serial {serial} is already on record.",
                       weapon_id=exists)
    weapon = Weapon(country_code=country_code, manufacturer=manufacturer, model=model,
                    serial=serial, serial_key=serial_key(serial),
                    country_of_manufacture=country_of_manufacture, calibre=calibre,
                    type=type, year=year,
                    national_marking=national_marking or {})
    session.add(weapon)
    session.flush()
    return weapon

"""The master inventory: ammunition item types and lots, crates and weapons.

Crates and weapons are versioned master records: every accepted change bumps `version` and
writes a row to the change log (sync/journal/trail.py). Book quantities are derived from the
movement ledger (sync/stock/ledger.py) and never edited directly.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, new_uuid, utcnow
from server.models.accounts import enum_column

# UN Model Regulations: the 35 valid hazard division / compatibility group pairs.
HAZARD_GROUPS: dict[str, str] = {
    "1.1": "ABCDEFGJL",
    "1.2": "BCDEFGHJKL",
    "1.3": "CFGHJKL",
    "1.4": "BCDEFGS",
    "1.5": "D",
    "1.6": "N",
}
VALID_HAZARD_CODES = tuple(hd + cg for hd, cgs in HAZARD_GROUPS.items() for cg in cgs)


class CrateKind(enum.StrEnum):
    WEAPON_CRATE = "weapon_crate"
    AMMO_BOX = "ammo_box"
    PALLET = "pallet"
    FRACTION = "fraction_package"


class CrateStatus(enum.StrEnum):
    """Lifecycle, in order: a status only moves forward."""

    REGISTERED = "registered"
    IN_STORE = "in_store"
    EMPTIED = "emptied"
    RETIRED = "retired"


CRATE_STATUS_ORDER = {s: i for i, s in enumerate(CrateStatus)}


class StockCategory(enum.StrEnum):
    OPERATIONAL = "operational"
    RESERVE = "reserve"
    TRAINING = "training"
    AWAITING_DISPOSAL = "awaiting_disposal"


class Condition(enum.StrEnum):
    SERVICEABLE = "SERVICEABLE"
    SERVICEABLE_RESTRICTED = "SERVICEABLE_RESTRICTED"
    SUSPENDED = "SUSPENDED"
    UNSERVICEABLE_REPAIRABLE = "UNSERVICEABLE_REPAIRABLE"
    UNSERVICEABLE_FOR_DISPOSAL = "UNSERVICEABLE_FOR_DISPOSAL"
    UNKNOWN = "UNKNOWN"


class LotState(enum.StrEnum):
    KNOWN = "known"
    MIXED = "mixed"
    UNKNOWN = "unknown"
    NONE = "none"


class WeaponStatus(enum.StrEnum):
    REGISTERED = "registered"  # on record, not yet received on any depot's books
    IN_STORE = "in_store"
    ISSUED = "issued"
    IN_TRANSIT = "in_transit"
    IN_REPAIR = "in_repair"
    LOST = "lost"
    STOLEN = "stolen"
    RECOVERED = "recovered"
    SURPLUS = "surplus_awaiting_disposal"
    DESTROYED = "destroyed"
    DEACTIVATED = "deactivated"
    EXPORTED = "exported"


class AmmoItemType(Base):
    __tablename__ = "ammo_item_types"
    __table_args__ = (
        CheckConstraint(
            "hazard_division || compatibility_group IN ("
            + ", ".join(f"'{c}'" for c in VALID_HAZARD_CODES) + ")",
            name="hazard_code_valid"),
        CheckConstraint("neq_kg >= 0", name="neq_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # the country whose catalogue holds it; NULL: a shared default every country sees
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    nature: Mapped[str] = mapped_column(String(64))  # e.g. "cartridge"
    calibre: Mapped[str] = mapped_column(String(32))  # e.g. "7.62x39mm"
    type: Mapped[str] = mapped_column(String(32), default="ball")
    hazard_division: Mapped[str] = mapped_column(String(3))
    compatibility_group: Mapped[str] = mapped_column(String(1))
    neq_kg: Mapped[Decimal] = mapped_column(Numeric(12, 6))  # per item
    un_number: Mapped[str] = mapped_column(String(8), default="")

    @property
    def hazard_code(self) -> str:
        return f"{self.hazard_division}{self.compatibility_group}"


class AmmoLot(Base):
    __tablename__ = "ammo_lots"
    __table_args__ = (
        UniqueConstraint("country_code", "item_type_id", "manufacturer", "lot_number"),
        CheckConstraint("lot_state <> 'known' OR lot_number IS NOT NULL",
                        name="known_lot_has_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type_id: Mapped[int] = mapped_column(ForeignKey("ammo_item_types.id"), index=True)
    # the country that recorded it (the same maker's lot may be held by two countries)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    manufacturer: Mapped[str] = mapped_column(String(100), default="")
    country_of_manufacture: Mapped[str] = mapped_column(String(2), default="")
    lot_number: Mapped[str | None] = mapped_column(String(64))
    lot_state: Mapped[LotState] = mapped_column(enum_column(LotState, "lot_state"))
    manufacture_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)  # end of shelf life
    next_test_due: Mapped[date | None] = mapped_column(Date)  # surveillance: next proof/test
    condition: Mapped[Condition] = mapped_column(enum_column(Condition, "condition"),
                                                 default=Condition.SERVICEABLE)
    suspended: Mapped[bool] = mapped_column(default=False)
    suspension_ref: Mapped[str] = mapped_column(String(64), default="")

    item_type = relationship("AmmoItemType", lazy="joined")


class Crate(Base):
    """A labelled package. Its id is minted by whoever creates it (phones too, offline)."""

    __tablename__ = "crates"
    __table_args__ = (
        UniqueConstraint("label_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_crates_depot_label", "depot_id", "label_id"),  # a depot's crates in order
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    label_id: Mapped[str] = mapped_column(String(32))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    kind: Mapped[CrateKind] = mapped_column(enum_column(CrateKind, "crate_kind"))
    status: Mapped[CrateStatus] = mapped_column(enum_column(CrateStatus, "crate_status"),
                                                default=CrateStatus.IN_STORE)
    category: Mapped[StockCategory] = mapped_column(
        enum_column(StockCategory, "stock_category"), default=StockCategory.OPERATIONAL)
    condition: Mapped[Condition | None] = mapped_column(enum_column(Condition, "condition"))
    seal_number: Mapped[str | None] = mapped_column(String(64))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("ammo_lots.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)  # book quantity, kept by the ledger only
    notes: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    depot = relationship("Depot", lazy="joined")
    location = relationship("Location", lazy="joined")
    lot = relationship("AmmoLot", lazy="joined")
    weapons = relationship("Weapon", back_populates="crate", order_by="Weapon.serial")


class Weapon(Base):
    """One serial-numbered weapon. It is in exactly one place: a crate, a location, or
    (issued, in transit, lost, destroyed…) none of the depot's places."""

    __tablename__ = "weapons"
    __table_args__ = (
        # the same serial can appear on two models: unique per manufacturer + model
        UniqueConstraint("manufacturer", "model", "serial"),
        CheckConstraint("crate_id IS NULL OR location_id IS NULL", name="one_place"),
        CheckConstraint("version >= 1", name="version_positive"),
        # search by any mark (sync/register/search.py): equality and prefix on the keys,
        # trigrams for a part of a serial (PostgreSQL; a plain index on SQLite)
        Index("ix_weapons_country_serial_key", "country_code", "serial_key",
              postgresql_ops={"serial_key": "varchar_pattern_ops"}),
        Index("ix_weapons_serial_key_trgm", "serial_key", postgresql_using="gin",
              postgresql_ops={"serial_key": "gin_trgm_ops"}),
        Index("ix_weapons_country_registry_key", "country_code", "registry_key"),
        Index("ix_weapons_country_marking_key", "country_code", "marking_key",
              postgresql_ops={"marking_key": "varchar_pattern_ops"}),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    manufacturer: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(64), default="")
    calibre: Mapped[str] = mapped_column(String(32), default="")
    serial: Mapped[str] = mapped_column(String(64))  # as marked
    registry_serial: Mapped[str | None] = mapped_column(String(64))  # when illegible
    # search keys (sync/stock/serials.py): kept by whoever writes serial, registry serial
    # and marking
    serial_key: Mapped[str] = mapped_column(String(64), default="", server_default="")
    registry_key: Mapped[str | None] = mapped_column(String(64))
    marking_key: Mapped[str] = mapped_column(String(64), default="", server_default="")
    country_of_manufacture: Mapped[str] = mapped_column(String(2))
    year: Mapped[int | None] = mapped_column()
    import_country: Mapped[str | None] = mapped_column(String(2))
    import_year: Mapped[int | None] = mapped_column()
    # national (ECOWAS-format) marking: {country, agency, date, number}
    national_marking: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # where the marks are on the weapon (receiver, slide, barrel…) and their photos' ids
    marking_positions: Mapped[list[str]] = mapped_column(JSON, default=list)
    marking_photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    # how the state came to hold it: procurement, import, seizure, found, surrender…
    acquisition: Mapped[str] = mapped_column(String(16), default="", server_default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by a count or F5
    holder_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    status: Mapped[WeaponStatus] = mapped_column(enum_column(WeaponStatus, "weapon_status"),
                                                 default=WeaponStatus.REGISTERED)
    condition: Mapped[str] = mapped_column(String(32), default="serviceable")
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"), index=True)
    crate_id: Mapped[str | None] = mapped_column(ForeignKey("crates.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    holder: Mapped[str] = mapped_column(String(200), default="")  # unit or person when issued
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    crate = relationship("Crate", back_populates="weapons")

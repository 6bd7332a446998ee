"""Where stock is kept: countries (each with its settings), agencies, depots, their storage
buildings and the stacks inside them."""

from __future__ import annotations

import enum
from datetime import date, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, zone
from server.models.accounts import enum_column


class DepotType(enum.StrEnum):
    CENTRAL = "central_depot"
    UNIT_ARMOURY = "unit_armoury"
    SMALL_STORE = "small_unit_store"
    CONTAINER = "container_armoury"


class Country(Base):
    """A hard tenancy boundary, with the settings a country decides for itself."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # ISO 3166 alpha-2
    name: Mapped[str] = mapped_column(String(100))
    commission: Mapped[str] = mapped_column(String(200), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["fr", "en"])
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    regional_instrument: Mapped[str] = mapped_column(String(32), default="ecowas")
    # marking format, loss-report deadlines, condition-code table, check frequencies,
    # ELL policy (warn|block), retention: all per country, never hard-coded.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("country_code", "marking_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    name: Mapped[str] = mapped_column(String(200))
    marking_code: Mapped[str] = mapped_column(String(16))


class Depot(Base):
    __tablename__ = "depots"
    __table_args__ = (UniqueConstraint("country_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    code: Mapped[str] = mapped_column(String(8))  # also the label prefix after the country
    name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    type: Mapped[DepotType] = mapped_column(enum_column(DepotType, "depot_type"))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # restricted: never on labels or in exports unless the role allows
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    commander_name: Mapped[str] = mapped_column(String(200), default="")
    security_plan_date: Mapped[date | None] = mapped_column(Date)
    risk_assessment_date: Mapped[date | None] = mapped_column(Date)
    licence_ref: Mapped[str] = mapped_column(String(64), default="")
    rrpl: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(32), default="active")
    # head of this depot's movement ledger hash chain; locked to append
    ledger_seq: Mapped[int] = mapped_column(default=0)
    ledger_head: Mapped[str] = mapped_column(String(64), default="0" * 64)
    label_seq: Mapped[int] = mapped_column(default=0)  # last label sequence handed out

    country = relationship("Country", lazy="joined")
    buildings = relationship("StorageBuilding", back_populates="depot",
                             order_by="StorageBuilding.code")

    def zone(self, *fallbacks: str | tzinfo | None) -> tzinfo:
        """Where the depot's clocks are: its own zone, else its country's, else fallbacks."""
        return zone(self.timezone, self.country.timezone if self.country else None, *fallbacks)


class StorageBuilding(Base):
    __tablename__ = "storage_buildings"
    __table_args__ = (UniqueConstraint("depot_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(32), default="storehouse")
    ell_kg: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # per HD: {"1.1": 500}
    cgs_allowed: Mapped[str] = mapped_column(String(16), default="")
    ell_licence_ref: Mapped[str] = mapped_column(String(64), default="")  # the ELL licence
    lightning_protection: Mapped[bool] = mapped_column(default=False)
    lightning_test_date: Mapped[date | None] = mapped_column(Date)
    alarm: Mapped[bool] = mapped_column(default=False)
    lock_type: Mapped[str] = mapped_column(String(64), default="")

    depot = relationship("Depot", back_populates="buildings")
    locations = relationship("Location", back_populates="building", order_by="Location.code")


class Location(Base):
    """A stack or rack inside a building."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("building_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("storage_buildings.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))

    building = relationship("StorageBuilding", back_populates="locations", lazy="joined")

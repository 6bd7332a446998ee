"""Explosive safety and ammunition surveillance: a lot's proof and test results, suspension
notices and the per-depot task of finding every box, and safety review items (a limit or
mixing rule broken under "warn", a condition change or suspension an inspector proposed)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, new_uuid, utcnow
from server.models.accounts import enum_column
from server.models.inventory import Condition


class LotTest(Base):
    """One proof or surveillance test of a lot and the condition it led to."""

    __tablename__ = "lot_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("ammo_lots.id"), index=True)
    tested_on: Mapped[date] = mapped_column(Date)
    laboratory: Mapped[str] = mapped_column(String(200))
    test: Mapped[str] = mapped_column(String(100))  # proof firing, stabiliser content…
    national_code: Mapped[str] = mapped_column(String(16), default="")  # as the lab wrote it
    condition: Mapped[Condition] = mapped_column(enum_column(Condition, "condition"))
    next_test_due: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuspensionNotice(Base):
    """A lot suspended country-wide: no issue of it until lifted, every box found."""

    __tablename__ = "suspension_notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("ammo_lots.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    lot = relationship("AmmoLot", lazy="joined")
    tasks = relationship("SuspensionTask", back_populates="notice",
                         order_by="SuspensionTask.depot_id", lazy="selectin")


class SuspensionTask(Base):
    """One depot's task under a notice: open until every box of the lot there has been
    counted since the notice was issued."""

    __tablename__ = "suspension_tasks"
    __table_args__ = (UniqueConstraint("notice_id", "depot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("suspension_notices.id"))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notice = relationship("SuspensionNotice", back_populates="tasks")
    depot = relationship("Depot", lazy="joined")


class SafetyItem(Base):
    """A safety matter queued for HQ. kind: ell_exceeded | cg_incompatible (accepted under
    "warn", or found on a phone's relocation) | condition_proposed | suspension_proposed
    (an F6 answer: decided by a person, never applied silently)."""

    __tablename__ = "safety_items"
    __table_args__ = (Index("ix_safety_items_open", "status", "depot_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("storage_buildings.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("ammo_lots.id"))
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))  # receipt, relocation, f6 submission…
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submission_id: Mapped[str | None] = mapped_column(String(36))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|accepted|dismissed
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    depot = relationship("Depot", lazy="joined")
    building = relationship("StorageBuilding", lazy="joined")
    lot = relationship("AmmoLot", lazy="joined")

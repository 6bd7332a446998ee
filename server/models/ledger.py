"""The movement ledger: append-only, each entry hash-chained to the previous one of its depot."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, append_only, new_uuid, utcnow
from server.models.accounts import enum_column


class MovementType(enum.StrEnum):
    RECEIPT = "receipt"
    ISSUE = "issue"
    RETURN = "return"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RELOCATION = "relocation"
    ADJUSTMENT = "adjustment"
    LOSS = "loss"
    THEFT = "theft"
    FOUND = "found"
    WRITE_OFF = "write_off"
    DESTRUCTION = "destruction"
    EXPORT = "export"


@append_only
class Movement(Base):
    __tablename__ = "movements"
    __table_args__ = (
        UniqueConstraint("depot_id", "depot_seq"),
        CheckConstraint("approver_id IS NULL OR approver_id <> originator_id",
                        name="approver_not_originator"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    depot_seq: Mapped[int] = mapped_column()
    type: Mapped[MovementType] = mapped_column(enum_column(MovementType, "movement_type"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    document_ref: Mapped[str] = mapped_column(String(64), default="")
    counterparty: Mapped[str] = mapped_column(String(200), default="")  # depot, unit or person
    originator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    witnesses: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(String(64), default="")  # discrepancy, stock check…
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    lines = relationship("MovementLine", back_populates="movement", order_by="MovementLine.line_no",
                         lazy="selectin")


@append_only
class MovementLine(Base):
    """Ammunition (crate + lot + signed quantity) or one weapon (and where it went)."""

    __tablename__ = "movement_lines"
    __table_args__ = (
        UniqueConstraint("movement_id", "line_no"),
        CheckConstraint("weapon_id IS NOT NULL OR crate_id IS NOT NULL", name="has_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[str] = mapped_column(ForeignKey("movements.id"), index=True)
    line_no: Mapped[int] = mapped_column()
    crate_id: Mapped[str | None] = mapped_column(ForeignKey("crates.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("ammo_lots.id"))
    quantity: Mapped[int] = mapped_column(default=0)  # signed: + into the crate, - out of it
    weapon_id: Mapped[str | None] = mapped_column(ForeignKey("weapons.id"), index=True)
    weapon_status: Mapped[str | None] = mapped_column(String(32))  # status after the movement
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))

    movement = relationship("Movement", back_populates="lines")

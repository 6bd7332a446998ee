"""The movement ledger: append-only, each entry hash-chained to the previous one of its depot."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
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
    CONDITION_CHANGE = "condition_change"
    MARKING = "marking"


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
    # the voucher: who handed over and who took over (signatures = who and when), transport
    issuer: Mapped[str] = mapped_column(String(200), default="")
    issuer_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    receiver: Mapped[str] = mapped_column(String(200), default="")
    receiver_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transport: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # vehicle, escort, seals
    certificate_ref: Mapped[str] = mapped_column(String(64), default="")  # destruction
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # loss and theft
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    lines = relationship("MovementLine", back_populates="movement", order_by="MovementLine.line_no",
                         lazy="selectin")
    depot = relationship("Depot", lazy="joined")

    @property
    def voucher_number(self) -> str:
        """Per depot and gap-free: the depot's ledger sequence."""
        return f"{self.depot.country_code}-{self.depot.code}-{self.depot_seq:06d}"


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
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # condition change, marking

    movement = relationship("Movement", back_populates="lines")


class VoucherProposal(Base):
    """A movement waiting for its second person (loss, theft, write-off, destruction,
    adjustment, condition change): posted to the ledger only when someone other than its
    originator, allowed to approve for the depot, approves it."""

    __tablename__ = "voucher_proposals"
    __table_args__ = (Index("ix_voucher_proposals_open", "status", "depot_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    type: Mapped[MovementType] = mapped_column(enum_column(MovementType, "movement_type"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the voucher as proposed
    originator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # pending | approved | rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    movement_id: Mapped[str | None] = mapped_column(ForeignKey("movements.id"))
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # loss and theft

    depot = relationship("Depot", lazy="joined")


class LossReport(Base):
    """The report of a loss or theft to the national authority, which stops its clock."""

    __tablename__ = "loss_reports"

    proposal_id: Mapped[str] = mapped_column(ForeignKey("voucher_proposals.id"),
                                             primary_key=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_to: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

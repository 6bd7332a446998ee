"""Consignments: what one depot sent another, line by line, and what the receiver
acknowledged. sent - received of a line is still in transit until a discrepancy resolves it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, new_uuid, utcnow


class Consignment(Base):
    __tablename__ = "consignments"
    __table_args__ = (Index("ix_consignments_to_status", "to_depot_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    from_depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    to_depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    out_movement_id: Mapped[str] = mapped_column(ForeignKey("movements.id"))
    status: Mapped[str] = mapped_column(String(24), default="in_transit")
    # in_transit | received | short (a discrepancy is open at the receiver)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    from_depot = relationship("Depot", foreign_keys=[from_depot_id], lazy="joined")
    to_depot = relationship("Depot", foreign_keys=[to_depot_id], lazy="joined")
    lines = relationship("ConsignmentLine", back_populates="consignment",
                         order_by="ConsignmentLine.line_no", lazy="selectin")


class ConsignmentLine(Base):
    __tablename__ = "consignment_lines"
    __table_args__ = (
        UniqueConstraint("consignment_id", "line_no"),
        CheckConstraint("received_quantity >= 0", name="received_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consignment_id: Mapped[str] = mapped_column(ForeignKey("consignments.id"), index=True)
    line_no: Mapped[int] = mapped_column()
    source_crate_id: Mapped[str | None] = mapped_column(ForeignKey("crates.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("ammo_lots.id"))
    quantity: Mapped[int] = mapped_column(default=0)  # ammunition sent (weapons: 1)
    weapon_id: Mapped[str | None] = mapped_column(ForeignKey("weapons.id"))
    received_quantity: Mapped[int] = mapped_column(default=0)
    # missing on receipt, then settled: returned to the sender, or lost or stolen in transit
    settled_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discrepancy_id: Mapped[str | None] = mapped_column(ForeignKey("discrepancies.id"))

    consignment = relationship("Consignment", back_populates="lines")

    @property
    def in_transit(self) -> int:
        return self.quantity - self.received_quantity - self.settled_quantity

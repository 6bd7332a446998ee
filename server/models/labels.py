"""The label registry (every label ID handed out, and what became of it) and the print log.

A label is reserved (blank, no crate yet), assigned (on a crate) or retired (crate emptied,
label replaced, or a blank sheet lost). Relabelling links the new label to the one it replaces.
Every print of a label appends a LabelPrint row; print_no > 1 is a reprint.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, append_only, utcnow
from server.models.accounts import enum_column
from server.models.journal import BigId


class LabelStatus(enum.StrEnum):
    RESERVED = "reserved"
    ASSIGNED = "assigned"
    RETIRED = "retired"


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = (
        UniqueConstraint("replaces"),  # a label is replaced at most once
        CheckConstraint("print_count >= 0", name="print_count_not_negative"),
        CheckConstraint("status <> 'assigned' OR crate_id IS NOT NULL",
                        name="assigned_has_crate"),
        Index("ix_labels_depot_id_status", "depot_id", "status"),
    )

    label_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # the depot the label belongs to: the one that reserved it (its prefix), or for a crate
    # registered before the registry existed, the crate's depot
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    status: Mapped[LabelStatus] = mapped_column(enum_column(LabelStatus, "label_status"))
    crate_id: Mapped[str | None] = mapped_column(ForeignKey("crates.id"), index=True)
    replaces: Mapped[str | None] = mapped_column(ForeignKey("labels.label_id"))
    reason: Mapped[str] = mapped_column(String(200), default="")  # of the relabel or retirement
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    print_count: Mapped[int] = mapped_column(default=0)

    depot = relationship("Depot", lazy="joined")
    crate = relationship("Crate")


@append_only
class LabelPrint(Base):
    """One printed copy of one label. Append-only: reprints are new rows."""

    __tablename__ = "label_prints"
    __table_args__ = (UniqueConstraint("label_id", "print_no"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(36), index=True)  # one sheet, one audit event
    label_id: Mapped[str] = mapped_column(ForeignKey("labels.label_id"))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    print_no: Mapped[int] = mapped_column()  # 1 = first print; more is a reprint
    layout: Mapped[str] = mapped_column(String(32))
    signed: Mapped[bool] = mapped_column()
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))

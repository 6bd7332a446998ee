"""Inspection visits (the visit F0 opens, which the other forms filled on it name), depot
register entries, and stock checks as planned events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, new_uuid, utcnow


class Visit(Base):
    """One visit of a depot. Its id is the phone's (the `visits` entity F0 creates), so the
    parts can arrive before the header: a part names the visit, the header fills it in."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_depot_started", "depot_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    header_submission_id: Mapped[str | None] = mapped_column(ForeignKey("submissions.id"))
    visit_type: Mapped[str] = mapped_column(String(32), default="")
    inspector_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    people_present: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[str] = mapped_column(String(100), default="")  # restricted
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # device clock
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the close-out (F7): who acknowledged it, and when by the phone's clock
    commander_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    commander_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    inspector_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the RRPL estimate
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    depot = relationship("Depot", lazy="joined")
    commander = relationship("User", foreign_keys=[commander_id])
    inspector = relationship("User", foreign_keys=[inspector_id])


class RegisterEntry(Base):
    """One entry of a depot register kept on the phone: a key issued (and returned), a
    person in (and out), an alarm (and its response), a patrol. Kept as sent; a sheet sent
    again in an edit replaces its entries."""

    __tablename__ = "register_entries"
    __table_args__ = (Index("ix_register_entries_depot_kind_at", "depot_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # keys | access | alarm | patrol
    number: Mapped[int] = mapped_column()  # its place on the sheet
    at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # issued, in, alarm, patrol
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # returned, out, responded
    who: Mapped[str] = mapped_column(String(200), default="")
    what: Mapped[str] = mapped_column(String(200), default="")  # key number, purpose, type
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    depot = relationship("Depot", lazy="joined")


class StockCheck(Base):
    """A planned count of physical stock against the records: its type, scope (the whole
    depot or one building), a team of at least two with one member independent of the
    depot, blind or not; when done, one line per crate counted and the accuracy."""

    __tablename__ = "stock_checks"
    __table_args__ = (Index("ix_stock_checks_depot_kind", "depot_id", "kind", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    kind: Mapped[str] = mapped_column(String(24))
    scope: Mapped[str] = mapped_column(String(16), default="")  # building code, "" = depot
    team_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    independent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    blind: Mapped[bool] = mapped_column(default=False)
    planned_for: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned|started|done
    planned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accuracy: Mapped[float | None] = mapped_column()  # % of lines that matched the book
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    depot = relationship("Depot", lazy="joined")
    lines = relationship("StockCheckLine", order_by="StockCheckLine.id", lazy="selectin")


class StockCheckLine(Base):
    """One crate of a check: expected (the book when counted) against counted."""

    __tablename__ = "stock_check_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[str] = mapped_column(ForeignKey("stock_checks.id"), index=True)
    crate_id: Mapped[str] = mapped_column(ForeignKey("crates.id"))
    count_id: Mapped[str | None] = mapped_column(ForeignKey("count_events.id"))
    expected: Mapped[int] = mapped_column()
    counted: Mapped[int | None] = mapped_column()  # None: in scope, not counted
    result: Mapped[str] = mapped_column(String(16))  # match | short | over | lot | missed
    seal_intact: Mapped[bool | None] = mapped_column()
    condition: Mapped[str | None] = mapped_column(String(32))

    crate = relationship("Crate", lazy="joined")

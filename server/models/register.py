"""The register's own tables: alerts on lost and stolen weapons seen again, and tracing
requests between states (ITI section IV, ECOWAS Convention art. 19)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, new_uuid, utcnow


class WeaponAlert(Base):
    """A weapon closed as lost or stolen turned up: a count, a marking check, a receipt or a
    search named it. HQ of the weapon's country follows it up."""

    __tablename__ = "weapon_alerts"
    __table_args__ = (Index("ix_weapon_alerts_country_status", "country_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    weapon_id: Mapped[str] = mapped_column(ForeignKey("weapons.id"), index=True)
    # count | marking_check | registration | search
    source: Mapped[str] = mapped_column(String(16))
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"))  # where it was seen
    seen_as: Mapped[str] = mapped_column(String(64), default="")  # the serial as read
    reference: Mapped[str] = mapped_column(String(64), default="")  # count, submission…
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    weapon = relationship("Weapon", lazy="joined")
    depot = relationship("Depot", lazy="joined")


class TracingRequest(Base):
    """One request to trace one weapon, as the requesting and the requested state both keep
    it. `weapon` holds the identification data ISACS/MOSAIC 05.31 calls essential; `released`
    only what the answering state chose to release. `matched_weapon_id` is the answering
    state's own record and never leaves it."""

    __tablename__ = "tracing_requests"
    __table_args__ = (
        Index("ix_tracing_requests_requested", "requested_country", "status"),
        Index("ix_tracing_requests_requesting", "requesting_country", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    requesting_country: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    requested_country: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    # through a regional body
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), index=True)
    # with_body (waits for the body to route it) | received | acknowledged | answered | declined
    status: Mapped[str] = mapped_column(String(16))
    weapon: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # seizure place, date
    seized_weapon_id: Mapped[str | None] = mapped_column(ForeignKey("weapons.id"))
    requester_contact: Mapped[str] = mapped_column(String(200), default="")
    answer_contact: Mapped[str] = mapped_column(String(200), default="")
    requested_answer_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="")  # traced|not_found|declined
    released: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answer_text: Mapped[str] = mapped_column(Text, default="")
    matched_weapon_id: Mapped[str | None] = mapped_column(ForeignKey("weapons.id"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # photos of the weapon and its markings (Photo ids), seen only through this request
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)

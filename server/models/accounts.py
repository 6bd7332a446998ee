"""People and phones: users with a role, a country and depot scopes (or, for a regional body or a
programme partner, a body and no country); devices enrolled to a user."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, new_uuid, utcnow


class Role(enum.StrEnum):
    INSPECTOR = "inspector"
    COMMANDER = "commander"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    # belong to a body, not a country: they see no depot, no crate, no inspection
    REGIONAL = "regional"  # a regional clearing house (ECOWAS Commission, UNREC…)
    PARTNER = "partner"    # a programme partner: only what a country releases to its body


BODY_ROLES = frozenset({Role.REGIONAL, Role.PARTNER})


class BodyKind(enum.StrEnum):
    REGIONAL = "regional"
    PARTNER = "partner"


def enum_column(enum_cls: type[enum.Enum], name: str) -> SAEnum:
    """A portable enum: VARCHAR plus a named CHECK constraint, stored by value."""
    return SAEnum(enum_cls, name=name, native_enum=False, create_constraint=True,
                  values_callable=lambda e: [m.value for m in e], length=32,
                  validate_strings=True)


user_depots = Table(
    "user_depots",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("depot_id", ForeignKey("depots.id", ondelete="CASCADE"), primary_key=True),
)


class Body(Base):
    """An organisation that belongs to no country: a regional body or a programme partner."""

    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[BodyKind] = mapped_column(enum_column(BodyKind, "body_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"
    # a country's staff, or a body's: never both, never neither
    __table_args__ = (CheckConstraint("(country_code IS NULL) <> (body_id IS NULL)",
                                      name="country_or_body"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    rank: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # bumped by logout: HQ sessions opened before it (a copied cookie too) end
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    depots = relationship("Depot", secondary=user_depots, lazy="selectin")
    body = relationship("Body", lazy="joined")
    devices = relationship("Device", back_populates="user")


class Device(Base):
    """A phone. Its bearer token is shown once; only the token's sha256 is kept."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", back_populates="devices", lazy="joined")


class LoginAttempt(Base):
    """One password login attempt on the HQ pages. Kept in the database so the rate limit
    holds across every worker and machine; old rows are pruned as new ones arrive."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(default=False)

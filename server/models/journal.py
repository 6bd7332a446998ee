"""The change log (pull cursor over versioned records) and the audit trail (who did what).

Both are append-only. Change.seq is assigned in commit order: writers serialize on one lock
from their first journal row until commit (sync/journal/trail.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UTCDateTime, append_only, utcnow

# BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY
BigId = BigInteger().with_variant(Integer, "sqlite")


@append_only
class Change(Base):
    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_entity", "entity", "entity_id"),)  # a crate's versions

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(36))
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"), index=True)
    version: Mapped[int] = mapped_column()
    op: Mapped[str] = mapped_column(String(8))  # upsert | delete
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))


@append_only
class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))
    country_code: Mapped[str | None] = mapped_column(String(2), index=True)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the chain the event belongs to (see sync/journal/trail.py chain_key) and its place in it
    chain: Mapped[str] = mapped_column(String(16), default="-")
    chain_seq: Mapped[int] = mapped_column(default=0)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("chain", "chain_seq"),
                      Index("ix_audit_events_entity", "entity", "entity_id"))  # a crate's page


class AuditHead(Base):
    """The stored head of one audit chain: deleting the last events of a chain leaves the head
    pointing past them, so `audit verify` names what is missing."""

    __tablename__ = "audit_heads"

    chain: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))

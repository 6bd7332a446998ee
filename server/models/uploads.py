"""Resumable photo uploads (tus): one row per photo being sent, its committed offset and state.

The bytes live in the photo store (server/storage.py); this row is the truth about how many of
them count. The offset only moves by compare-and-set (sync/photos/uploads.py).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, utcnow
from server.models.accounts import enum_column


class UploadStatus(enum.StrEnum):
    RECEIVING = "receiving"
    COMPLETED = "completed"  # the photo was accepted (photo_id names it)
    FAILED = "failed"  # the finished file was refused (checksum, not an image…); bytes removed
    EXPIRED = "expired"  # left unfinished too long; bytes removed


class Upload(Base):
    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_device_status", "device_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, in the URL
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    # the phone's photo UUID: one upload per photo, so a lost creation response is harmless
    photo_id: Mapped[str] = mapped_column(String(64), unique=True)
    length: Mapped[int | None] = mapped_column(BigInteger)  # None until a deferred length is known
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64))  # as declared by the phone
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # Upload-Metadata as sent
    # what the photo belongs to, checked at creation
    filename: Mapped[str] = mapped_column(String(255), default="")
    instance_id: Mapped[str | None] = mapped_column(String(64))
    crate_label: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[UploadStatus] = mapped_column(enum_column(UploadStatus, "upload_status"),
                                                 default=UploadStatus.RECEIVING)
    error_code: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    device = relationship("Device")

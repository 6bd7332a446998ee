"""Published forms and the offline entity branches phones report.

A FormVersion is immutable once published (append-only): its XForm, md5, XLSForm source and
spec stay as they were, so submissions to an old version are still read against the rules
they were filled under. The current version of a form is its latest published one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, append_only, utcnow


class FormDefinition(Base):
    """A form of every country (country_code None) or a country's own version of one
    (form_id "<cc>_<base>", e.g. ng_security_check, which NG phones get in base's place)."""

    __tablename__ = "form_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    base_form_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions = relationship("FormVersion", back_populates="definition",
                            order_by="FormVersion.id")


@append_only
class FormVersion(Base):
    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("definition_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("form_definitions.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(255), default="")
    xml: Mapped[str] = mapped_column(Text)  # the XForm as pyxform wrote it
    md5: Mapped[str] = mapped_column(String(32))  # of the XForm's UTF-8 bytes
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)  # the XLSForm it was converted from
    source_name: Mapped[str] = mapped_column(String(255), default="")
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # forms.spec.spec_from_xform
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    definition = relationship("FormDefinition", back_populates="versions")


class EntityBranch(Base):
    """An offline branch of entity updates a phone reported (ODK branchId), numbered per
    device so its ops get sequence numbers the held-order rules can use."""

    __tablename__ = "entity_branches"
    __table_args__ = (UniqueConstraint("device_id", "key"),
                      UniqueConstraint("device_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    key: Mapped[str] = mapped_column(String(80))  # "branch:<branchId>" or "new:<entity id>"
    number: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

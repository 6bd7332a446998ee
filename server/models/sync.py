"""What phones send and what the engine keeps about it: submissions and their photos, applied
and held ops, count events, findings, conflicts and discrepancies."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, append_only, new_uuid, utcnow
from server.models.accounts import enum_column
from server.models.journal import BigId


class SubmissionStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    FLAGGED = "flagged"  # stored, but its answers break the form's rules: a person reviews it
    REPLACED = "replaced"  # an edit (deprecatedID) replaced it


class Submission(Base):
    """One completed form from a phone, stored once per instance ID, verbatim and normalised."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("instance_id"),
                      Index("ix_submissions_depot_received", "depot_id", "received_at"),
                      Index("ix_submissions_received", "received_at", "id"),  # the country's log
                      # who and which forms the log's filters offer, read a step per value
                      Index("ix_submissions_depot_user", "depot_id", "user_id"),
                      Index("ix_submissions_depot_form", "depot_id", "form_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    instance_id: Mapped[str] = mapped_column(String(64))
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(16))  # json | openrosa
    content_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(Text)  # verbatim XML or canonical JSON
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # normalised
    status: Mapped[SubmissionStatus] = mapped_column(
        enum_column(SubmissionStatus, "submission_status"), default=SubmissionStatus.ACCEPTED)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    deprecated_id: Mapped[str | None] = mapped_column(String(64))  # the instance it replaces
    replaced_by: Mapped[str | None] = mapped_column(String(64))
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visit_type: Mapped[str] = mapped_column(String(32), default="")
    # the visit it is part of (no foreign key: a part may arrive before its header)
    visit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # device clock
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # device clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attachments = relationship("SubmissionAttachment", back_populates="submission",
                               order_by="SubmissionAttachment.name", lazy="selectin")
    depot = relationship("Depot", lazy="joined")
    device = relationship("Device")
    user = relationship("User")


class SubmissionAttachment(Base):
    """A photo a submission refers to; photo_id stays empty until the photo has arrived."""

    __tablename__ = "submission_attachments"
    __table_args__ = (UniqueConstraint("submission_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))  # file name as the form refers to it
    question: Mapped[str] = mapped_column(String(128), default="")
    photo_uuid: Mapped[str | None] = mapped_column(String(64), index=True)  # phone's photo ID
    photo_id: Mapped[str | None] = mapped_column(ForeignKey("photos.id"))

    submission = relationship("Submission", back_populates="attachments")
    photo = relationship("Photo", lazy="joined")


class Photo(Base):
    """A checked image, stored by content hash; keyed by the phone's photo UUID."""

    __tablename__ = "photos"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the phone's photo UUID
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255), default="")
    instance_id: Mapped[str | None] = mapped_column(String(64), index=True)
    crate_id: Mapped[str | None] = mapped_column(ForeignKey("crates.id"), index=True)
    # the label the phone scanned, kept while no crate carries it yet (created offline)
    crate_label: Mapped[str | None] = mapped_column(String(32), index=True)
    question: Mapped[str] = mapped_column(String(128), default="")
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@append_only
class AppliedOp(Base):
    """The stored answer to one op, so a replay gets exactly the first answer."""

    __tablename__ = "applied_ops"
    __table_args__ = (UniqueConstraint("device_id", "op_id"),
                      Index("ix_applied_ops_device_seq", "device_id", "seq"),
                      Index("ix_applied_ops_entity", "entity", "entity_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    op_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int | None] = mapped_column()  # the device's sequence number
    payload_hash: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    batch_id: Mapped[str] = mapped_column(String(64), default="")
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HeldOp(Base):
    """An op waiting for its same-device predecessor on the same record."""

    __tablename__ = "held_ops"
    __table_args__ = (UniqueConstraint("device_id", "op_id"),
                      Index("ix_held_ops_waiting", "device_id", "prev_seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    op_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column()
    prev_seq: Mapped[int] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OpIncident(Base):
    """Something about an op that a person should see: a reused op_id with another payload,
    or a held op force-applied after its predecessor never came."""

    __tablename__ = "op_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    op_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@append_only
class CountEvent(Base):
    """An observation of a crate's contents. It never changes the book."""

    __tablename__ = "count_events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    crate_id: Mapped[str] = mapped_column(ForeignKey("crates.id"), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    crate_version: Mapped[int] = mapped_column()  # the version the counter saw
    book_quantity: Mapped[int] = mapped_column()
    observed_quantity: Mapped[int | None] = mapped_column()
    observed_lot: Mapped[str | None] = mapped_column(String(64))
    observed_serials: Mapped[list[str] | None] = mapped_column(JSON)
    condition: Mapped[str | None] = mapped_column(String(32))
    seal_intact: Mapped[bool | None] = mapped_column()
    seal_number: Mapped[str | None] = mapped_column(String(64))
    blind: Mapped[bool] = mapped_column(default=False)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # device clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Finding(Base):
    """Something found wrong, followed to closure: open -> planned (owner, due date) -> done
    -> verified (at a follow-up visit, by someone other than the owner) -> closed."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_open", "status", "depot_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    crate_id: Mapped[str | None] = mapped_column(ForeignKey("crates.id"), index=True)
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    item: Mapped[str] = mapped_column(String(64), default="")  # checklist item code
    section: Mapped[str] = mapped_column(String(32), default="")
    severity: Mapped[str] = mapped_column(String(16), default="minor")  # critical|major|minor
    text: Mapped[str] = mapped_column(Text, default="")
    corrective_action: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the same item's finding at the depot's previous visit, still not closed then
    previous_id: Mapped[str | None] = mapped_column(ForeignKey("findings.id"))
    open_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_visit_id: Mapped[str | None] = mapped_column(String(64))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    depot = relationship("Depot", lazy="joined")
    owner_user = relationship("User", foreign_keys=[owner_id], lazy="joined")


class Conflict(Base):
    """A field a phone changed that could not merge. The master keeps its value until a
    person resolves it; the resolution is an ordinary versioned change."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_open", "status", "depot_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    entity: Mapped[str] = mapped_column(String(32), default="crate")
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    field: Mapped[str] = mapped_column(String(32))
    base_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    server_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    phone_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    base_version: Mapped[int | None] = mapped_column()
    server_version: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(64))  # policy that refused the merge
    op_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    resolution: Mapped[str | None] = mapped_column(String(16))  # server | phone | value
    resolved_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    resolution_reason: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Discrepancy(Base):
    """A difference between the book and what was found (or between two counts)."""

    __tablename__ = "discrepancies"
    __table_args__ = (Index("ix_discrepancies_open", "status", "depot_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    crate_id: Mapped[str] = mapped_column(ForeignKey("crates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    book_quantity: Mapped[int] = mapped_column()
    observed_quantity: Mapped[int | None] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    count_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(24), default="open")
    # open | awaiting_approval | closed
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    investigation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    cause: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(16))  # adjust | no_adjustment
    adjustment: Mapped[int | None] = mapped_column()  # signed quantity to book
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    movement_id: Mapped[str | None] = mapped_column(ForeignKey("movements.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    crate = relationship("Crate", lazy="joined")


class SyncState(Base):
    """One row: how far the change log has been compacted (older cursors must refetch)."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    horizon_seq: Mapped[int] = mapped_column(BigId, default=0)
    compacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

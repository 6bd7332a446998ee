"""The PSSM programme: staff (with or without a login) and their written appointments, courses
by IATG 01.90 competence category with trainers and attendance, each depot's baseline, its
rehabilitation works and SOP adoptions, and the indicators a country releases to a body."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, utcnow
from server.models.accounts import enum_column


class Competence(enum.StrEnum):
    """IATG 01.90's competence categories, lowest first."""

    OPERATOR = "operator"
    PROCESSOR = "processor"
    ACCOUNTANT = "accountant"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    INSPECTOR = "inspector"


class Post(enum.StrEnum):
    """The written appointments a depot keeps."""

    COMMANDER = "commander"
    STOREKEEPER = "storekeeper"
    KEY_CUSTODIAN = "key_custodian"
    INSPECTOR = "inspector"


class StaffMember(Base):
    """A person of a country's stockpile staff; user_id when they also log in."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    rank: Mapped[str] = mapped_column(String(64), default="")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"), index=True)
    vetting_status: Mapped[str] = mapped_column(String(16), default="not_vetted")
    vetted_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    depot = relationship("Depot", lazy="joined")


class Appointment(Base):
    """A written appointment to a post at a depot (the document it cites), until ended."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_depot_post", "depot_id", "post"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    post: Mapped[Post] = mapped_column(enum_column(Post, "post"))
    document_ref: Mapped[str] = mapped_column(String(64))
    appointed_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    appointed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Course(Base):
    """A course of one competence category: regional (trainers' course), national or depot."""

    __tablename__ = "courses"
    __table_args__ = (Index("ix_courses_country_ends", "country_code", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    level: Mapped[str] = mapped_column(String(16))  # regional | national | depot
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    competence: Mapped[Competence] = mapped_column(enum_column(Competence, "competence"))
    curriculum: Mapped[str] = mapped_column(Text, default="")
    organiser: Mapped[str] = mapped_column(String(200), default="")
    refresher_months: Mapped[int | None] = mapped_column()  # None: no refresher
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    trainers = relationship("CourseTrainer", order_by="CourseTrainer.id", lazy="selectin")


class CourseTrainer(Base):
    """Who taught a course: one of the country's staff (the cascade) or an outside expert."""

    __tablename__ = "course_trainers"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")  # an outside trainer


class Attendance(Base):
    """One person at one course: attended, assessed, passed; a pass qualifies until the
    refresher is due."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("course_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    attended: Mapped[bool] = mapped_column(default=True)
    score: Mapped[float | None] = mapped_column()  # the assessment, 0-100
    passed: Mapped[bool] = mapped_column(default=False)
    refresher_due: Mapped[date | None] = mapped_column(Date)

    course = relationship("Course", lazy="joined")


class Baseline(Base):
    """Where a depot started: its RRPL and findings at the baseline visit."""

    __tablename__ = "depot_baselines"

    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), primary_key=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    rrpl: Mapped[int | None] = mapped_column()
    open_findings: Mapped[int] = mapped_column(default=0)
    critical_findings: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Works(Base):
    """Rehabilitation works at a depot (fence, doors, racks, lightning protection…)."""

    __tablename__ = "depot_works"

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    funder: Mapped[str] = mapped_column(String(200), default="")
    contractor: Mapped[str] = mapped_column(String(200), default="")
    started_on: Mapped[date | None] = mapped_column(Date)
    finished_on: Mapped[date | None] = mapped_column(Date)
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    depot = relationship("Depot", lazy="joined")


class SopAdoption(Base):
    """A national SOP version adopted: by the country (depot_id None) or at one depot."""

    __tablename__ = "sop_adoptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"), index=True)
    sop_code: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(16))
    adopted_on: Mapped[date] = mapped_column(Date)
    adopted_by: Mapped[str] = mapped_column(String(200))  # the authority that adopted it
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class IndicatorRelease(Base):
    """A quarter's indicators of a country released to a body, frozen as released: the
    partner reads these figures, never the records behind them. Withdrawn: no longer seen."""

    __tablename__ = "indicator_releases"
    __table_args__ = (Index("ix_indicator_releases_body", "body_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    period: Mapped[str] = mapped_column(String(6))  # 2026Q3
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    released_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    body = relationship("Body", lazy="joined")

"""The database object, the declarative base, the column types shared by every model, and
the clock: aware UTC times and the time zone a moment is shown in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from server.errors import AppError

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def utcnow() -> datetime:
    return datetime.now(UTC)


def zone(*candidates: str | tzinfo | None) -> tzinfo:
    """The first usable time zone of candidates (a depot's, then fallbacks such as the
    reader's country or DISPLAY_TIMEZONE); UTC when none is. A misspelt name is skipped,
    never an error: a date must always be shown."""
    for candidate in candidates:
        if isinstance(candidate, tzinfo):
            return candidate
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


def new_uuid() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, also on SQLite (which forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and real transactions with savepoints on the stdlib driver.

    pysqlite on Python 3.11 begins transactions lazily and breaks SAVEPOINT; the SQLAlchemy
    recipe turns its own handling off and emits BEGIN ourselves. IMMEDIATE takes the write
    lock up front, so two writers queue on busy_timeout instead of failing a lock upgrade.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class AppendOnly(AppError):
    status, code = 409, "ledger.append_only"


def append_only(cls: type) -> type:
    """Refuse ORM updates and deletes of a fact table (a class decorator)."""

    def refuse(_mapper, _conn, target):
        raise AppendOnly(f"{type(target).__name__} rows are append-only")

    event.listen(cls, "before_update", refuse)
    event.listen(cls, "before_delete", refuse)
    return cls

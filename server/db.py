"""The database object, the declarative base, the column types shared by every model, and
the clock: aware UTC times and the time zone a moment is shown in."""

from __future__ import annotations

import sqlite3
import time
import uuid
import weakref
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
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


BUSY_TIMEOUT = 30.0  # seconds a transaction waits for SQLite's write lock
# session.connection(execution_options=READING) first: a transaction that only reads, which
# on SQLite takes no write lock (it must not write: a lock upgrade there fails at once)
READING = {"reading": True}


_CONFIGURED: weakref.WeakSet[Engine] = weakref.WeakSet()


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and real transactions with savepoints on the stdlib driver.

    pysqlite on Python 3.11 begins transactions lazily and breaks SAVEPOINT; the SQLAlchemy
    recipe turns its own handling off and emits BEGIN ourselves. IMMEDIATE takes the write
    lock up front, so two writers queue instead of failing a lock upgrade; a transaction
    begun READING is a plain BEGIN, a WAL snapshot that waits for no one.

    They queue here, not in SQLite's busy handler: that one sleeps 1, 2, 5, 10 … then 100 ms
    between tries, so with a few workers writing, the lock sat free for most of each wait (8
    clients posting to 4 workers got no more through than 1). BEGIN IMMEDIATE is tried again
    after at most 2 ms, for up to BUSY_TIMEOUT; SQLite's own timeout stays for the PRAGMAs of a
    new connection only, since inside an IMMEDIATE transaction nothing else waits for a lock.
    """

    if engine in _CONFIGURED:  # an engine shared by several apps (the tests) is set up once
        return
    _CONFIGURED.add(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=0")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        raw = conn.connection.dbapi_connection
        if conn.get_execution_options().get("reading"):
            raw.execute("BEGIN")  # a read (READING): a snapshot of its own, no write lock
            return
        deadline, pause = time.monotonic() + BUSY_TIMEOUT, 0.0002
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, exc) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


class AppendOnly(AppError):
    status, code = 409, "ledger.append_only"


def append_only(cls: type) -> type:
    """Refuse ORM updates and deletes of a fact table (a class decorator)."""

    def refuse(_mapper, _conn, target):
        raise AppendOnly(f"{type(target).__name__} rows are append-only")

    event.listen(cls, "before_update", refuse)
    event.listen(cls, "before_delete", refuse)
    return cls

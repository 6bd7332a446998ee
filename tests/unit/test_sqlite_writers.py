"""SQLite writers queue for the write lock in configure_sqlite's BEGIN IMMEDIATE loop (short
pauses, not SQLite's busy handler), and one that waits too long gets an OperationalError
(the doors answer 503). A file database of its own: this runs beside either test database."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from server import db as db_module
from server.db import configure_sqlite


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'writers.sqlite'}")
    configure_sqlite(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE log (n INTEGER)"))
    yield engine
    engine.dispose()


def test_a_waiting_writer_begins_as_soon_as_the_lock_is_free(engine):
    first = engine.connect()
    first.execute(text("INSERT INTO log VALUES (1)"))  # holds the write lock
    began, done = threading.Event(), threading.Event()

    def second():
        with engine.begin() as conn:
            began.set()
            conn.execute(text("INSERT INTO log VALUES (2)"))
        done.set()

    worker = threading.Thread(target=second)
    worker.start()
    assert not began.wait(0.3)  # queued behind the first writer
    first.commit()
    first.close()
    assert done.wait(10)
    worker.join()
    with engine.connect() as conn:
        assert list(conn.scalars(text("SELECT n FROM log ORDER BY rowid"))) == [1, 2]
        assert conn.scalar(text("PRAGMA busy_timeout")) == 0  # the loop waits, not SQLite


def test_a_writer_that_waits_too_long_gets_an_operational_error(engine, monkeypatch):
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT", 0.2)
    first = engine.connect()
    first.execute(text("INSERT INTO log VALUES (1)"))
    try:
        with pytest.raises(OperationalError, match="locked"), engine.begin() as conn:
            conn.execute(text("INSERT INTO log VALUES (2)"))
    finally:
        first.rollback()
        first.close()
    with engine.begin() as conn:  # and the connection it failed on works again
        conn.execute(text("INSERT INTO log VALUES (3)"))
        assert list(conn.scalars(text("SELECT n FROM log"))) == [3]


def test_a_read_begun_reading_waits_for_no_writer(engine):
    from sqlalchemy.orm import Session

    from server.db import READING

    first = engine.connect()
    first.execute(text("INSERT INTO log VALUES (1)"))  # a writer holds the lock
    try:
        with Session(engine) as reader:
            reader.connection(execution_options=READING)
            assert reader.scalar(text("SELECT count(*) FROM log")) == 0  # its snapshot
            reader.commit()
    finally:
        first.commit()
        first.close()

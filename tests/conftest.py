"""Each test gets its own database: a fresh copy of a migrated SQLite file, or, with
TEST_DATABASE_URL set, the PostgreSQL test database migrated once and emptied per test.

Every app a test makes for the same database URL and engine options gets the same
SQLAlchemy engine, whose pooled connections outlive the test (SQLite's are closed before its
file is replaced): an engine's compiled-statement cache is its own, and a new engine a test
compiled every statement again."""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from server.app import create_app
from server.db import Base, db

PG_URL = os.environ.get("TEST_DATABASE_URL")
_ENGINES: dict[str, Engine] = {}  # by repr of the engine options, the URL among them
_make_engine = db._make_engine  # Flask-SQLAlchemy's engine factory


def _shared_engine(bind_key, options: dict, app) -> Engine:
    """Flask-SQLAlchemy's engine factory, called once for each set of engine options."""
    key = repr(sorted(options.items(), key=lambda item: item[0]))
    if key not in _ENGINES:
        _ENGINES[key] = _make_engine(bind_key, options, app)
    return _ENGINES[key]


db._make_engine = _shared_engine


def _close_connections(url: str) -> None:
    """Close what the shared engines of `url` keep open (before its file is replaced)."""
    for engine in _ENGINES.values():
        if engine.url.render_as_string(hide_password=False) == url:
            engine.dispose()


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (a file per test)'}"


def make_app(url: str, tmp: Path, **extra):
    os.environ["DEPOTSYNC_INSTANCE"] = str(tmp / "instance")
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                       "PHOTO_DIR": str(tmp / "photos"), "SECRET_KEY": uuid.uuid4().hex,
                       **extra})


@pytest.fixture(scope="session")
def migrated(tmp_path_factory):
    """The migrated template: a SQLite file to copy, or the PostgreSQL URL, migrated once."""
    tmp = tmp_path_factory.mktemp("template")
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        url = PG_URL
    else:
        url = f"sqlite:///{tmp / 'template.sqlite'}"
    app = make_app(url, tmp)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url if PG_URL else tmp / "template.sqlite"


@functools.cache
def _pg_engine():
    return create_engine(PG_URL, poolclass=NullPool)


def fresh_database(migrated, tmp: Path) -> str:
    """An empty migrated database: a copy of the SQLite template in `tmp`, or the PostgreSQL
    test database emptied (tests, and modules that share one, run one after another)."""
    if PG_URL:
        # DELETE, children first: on a few rows per table it is far quicker than TRUNCATE,
        # which rewrites every table's files. Ids keep counting; no test depends on them.
        with _pg_engine().begin() as conn:  # one round trip
            conn.exec_driver_sql("; ".join(f"DELETE FROM {table.name}"
                                           for table in reversed(Base.metadata.sorted_tables)))
        return PG_URL
    path = tmp / "test.sqlite"
    url = f"sqlite:///{path}"
    _close_connections(url)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)  # a new file: no connection still sees the old one
    shutil.copy(migrated, path)
    return url


def own_database(tmp: Path) -> tuple[str, str | None]:
    """An empty database no other test touches: a new SQLite file, or a new schema of the
    PostgreSQL test database (its name returned, to drop it afterwards)."""
    if not PG_URL:
        return f"sqlite:///{tmp / 'own.sqlite'}", None
    schema = f"own_{uuid.uuid4().hex[:8]}"
    with _pg_engine().begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


def drop_own_database(schema: str | None) -> None:
    if schema:
        with _pg_engine().begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(scope="session")
def demo_loaded(tmp_path_factory):
    """`flask demo`, run once for the whole session into a database of its own (the demo and
    its season take a minute): the app and the command's output. Tests using it only read,
    or change nothing another of them counts."""
    tmp = tmp_path_factory.mktemp("demo")
    url, schema = own_database(tmp)
    app = make_app(url, tmp)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    yield SimpleNamespace(app=app, output=result.output)
    with app.app_context():
        db.engine.dispose()
    drop_own_database(schema)


@pytest.fixture(scope="session")
def database_dir(tmp_path_factory):
    """Where each test's SQLite database is: the same path every test, so the same URL and
    the same shared engine."""
    return tmp_path_factory.mktemp("db")


@pytest.fixture
def database_url(migrated, database_dir):
    return fresh_database(migrated, database_dir)


@pytest.fixture
def app(database_url, tmp_path):
    """The app of a test. Its engine's connections stay open for the next test (on
    PostgreSQL a new connection costs a backend); fresh_database closes SQLite's before it
    replaces the file."""
    return make_app(database_url, tmp_path)


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """A small two-country world, committed; plain ids and tokens, no ORM objects."""
    from tests.factories import build_world

    with app.app_context():
        w = build_world(db.session)
        db.session.commit()
    return w


@pytest.fixture
def published(app):
    """The shipped forms, published (form ID -> (version, md5))."""
    from forms.registry import publish_shipped
    from server.db import utcnow
    from sync.journal.trail import SYSTEM

    with app.app_context():
        rows = publish_shipped(db.session, actor=SYSTEM, now=utcnow())
        db.session.commit()
        return {r.form_id: (r.version, r.md5) for r in rows}


@pytest.fixture
def collect(client, world, published):
    """ODK Collect on the NMY inspector's phone (tests/collect.py)."""
    from tests.collect import Collect

    return Collect(client, world.tokens["inspector"])

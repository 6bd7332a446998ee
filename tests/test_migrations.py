"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from server.db import Base, db
from tests.conftest import PG_URL, make_app


def empty_database(tmp_path):
    if not PG_URL:
        return f"sqlite:///{tmp_path / 'empty.sqlite'}", None
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


def test_upgrade_builds_the_models_schema_and_downgrade_undoes_it(tmp_path):
    url, schema = empty_database(tmp_path)
    app = make_app(url, tmp_path)
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn, opts={
                    "compare_type": True}), Base.metadata)
            assert diff == []
            downgrade(revision="base")
            with db.engine.connect() as conn:
                assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
            upgrade()
            with db.engine.connect() as conn:
                assert "crates" in inspect(conn).get_table_names()
            db.engine.dispose()
    finally:
        if schema:
            engine = create_engine(PG_URL)
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()

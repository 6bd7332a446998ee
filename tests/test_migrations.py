"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from server.db import Base, db
from tests.conftest import drop_own_database, make_app, own_database


def test_upgrade_builds_the_models_schema_and_downgrade_undoes_it(tmp_path):
    url, schema = own_database(tmp_path)
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
        drop_own_database(schema)

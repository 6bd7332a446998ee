"""The application factory: configuration, database, blueprints, error handlers, commands."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from server import config, error_handlers
from server.db import configure_sqlite, db
from sync.journal.trail import batch_until_commit

ROOT = Path(__file__).resolve().parent.parent
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()  # checked by the web blueprint only (WTF_CSRF_CHECK_DEFAULT is off)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then test overrides."""
    app = Flask(__name__, instance_path=os.environ.get("DEPOTSYNC_INSTANCE") or None,
                instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(config.Defaults)
    app.config.from_prefixed_env()
    config.from_environ(app.config)
    if test_config is not None:
        app.config.update(test_config)
    _finish_config(app)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))

    from server import api, bodies, cli, health, openrosa, web

    csrf.init_app(app)
    csrf.exempt(api.bp)  # phones authenticate with bearer tokens, not cookies
    csrf.exempt(openrosa.bp)  # and ODK Collect with the token in its server URL
    babel.init_app(app, locale_selector=web.select_locale)
    app.before_request(bodies.refuse_unstorable)
    app.before_request(lambda: batch_until_commit(db.session))
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(openrosa.bp)
    app.register_blueprint(web.bp, url_prefix="/hq")
    error_handlers.register(app)
    cli.register(app)
    return app


def _finish_config(app: Flask) -> None:
    cfg = app.config
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path,
                                                                     "depotsync.sqlite")
    cfg["SQLALCHEMY_DATABASE_URI"] = config.normalize_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                            **cfg.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    if not cfg.get("PHOTO_DIR"):
        cfg["PHOTO_DIR"] = os.path.join(app.instance_path, "photos")
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = config.instance_secret(app.instance_path)

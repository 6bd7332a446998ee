"""Configuration defaults. Real values come from the environment (DATABASE_URL, PHOTO_DIR,
SECRET_KEY, DISPLAY_TIMEZONE, or any FLASK_* variable)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class Defaults:
    SQLALCHEMY_DATABASE_URI: str | None = None  # None: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    PHOTO_DIR: str | None = None  # None: photos/ in the instance folder
    DISPLAY_TIMEZONE = "UTC"  # fallback when a depot has no time zone of its own
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    API_PAGE_SIZE = 100
    API_MAX_PAGE_SIZE = 1000
    JSON_SORT_KEYS = False
    SYNC_MAX_OPS = 1000  # ops per pushed batch
    SYNC_MAX_BODY_BYTES = 16 * 1024 * 1024  # a JSON body, after gzip inflation
    SYNC_HORIZON_DAYS = 90  # change-log compaction; older cursors must refetch
    SYNC_PULL_PAGE = 500
    SYNC_PULL_MAX = 5000
    SYNC_HOLD_SECONDS = 2 * 24 * 3600  # held ops are force-applied after this
    DEVICE_SEEN_EVERY_SECONDS = 300  # a device's "last seen" is written at most this often
    DEVICE_SILENT_DAYS = 7  # phones not seen for this long are listed as silent
    PUBLIC_URL = "http://127.0.0.1:5000"  # how phones reach the server (Collect's QR code)
    OPENROSA_ACCEPT_CONTENT_LENGTH = 10 * 1024 * 1024  # Collect splits bigger sends
    OPENROSA_MAX_BODY_BYTES = 50 * 1024 * 1024  # one submission POST, 413 beyond
    OPENROSA_MAX_XML_BYTES = 2 * 1024 * 1024  # its XML part, 400 beyond
    UPLOAD_MAX_SIZE = 64 * 1024 * 1024  # Tus-Max-Size: the largest photo accepted
    UPLOAD_EXPIRY_DAYS = 30  # an unfinished upload expires this long after its last progress
    UPLOAD_DEVICE_QUOTA = 1024 * 1024 * 1024  # bytes one device may hold in unfinished uploads
    PHOTO_MAX_PIXELS = 40_000_000  # larger images are refused (decompression bombs)
    PHOTO_THUMBNAIL_SIZE = 320  # long side, pixels
    PHOTO_CACHE_SECONDS = 24 * 3600  # Cache-Control max-age of photos and thumbnails (private)
    # HQ pages: cookie sessions, CSRF on the web blueprint only, the login rate limit
    SESSION_COOKIE_NAME = "depotsync_hq"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set FLASK_SESSION_COOKIE_SECURE=true behind HTTPS
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_CHECK_DEFAULT = False  # only /hq forms use cookies; phones use bearer tokens
    WTF_CSRF_TIME_LIMIT = 12 * 3600  # a form left open on a slow afternoon still submits
    LOGIN_MAX_FAILURES = 5  # per username in the window (a success starts it afresh)
    LOGIN_MAX_IP_FAILURES = 30  # per client address in the window
    LOGIN_WINDOW_SECONDS = 15 * 60
    BABEL_DEFAULT_LOCALE = "en"
    HQ_PAGE_SIZE = 50  # rows per page of the inspection log


ENV_KEYS = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", "PHOTO_DIR": "PHOTO_DIR",
            "SECRET_KEY": "SECRET_KEY", "DISPLAY_TIMEZONE": "DISPLAY_TIMEZONE",
            "PUBLIC_URL": "PUBLIC_URL"}


def from_environ(config: dict) -> None:
    for env, key in ENV_KEYS.items():
        if os.environ.get(env):
            config[key] = os.environ[env]


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator gave."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret(instance_path: str) -> str:
    """The secret key kept in the instance folder, made on first use (mode 0600)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():  # write aside, then link: concurrent workers agree on one key
        tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()

"""Blueprint "web" at /hq: server-rendered pages for headquarters and depot commanders.

A password login keeps the user's id in the signed session cookie, with a key derived from
the password hash so that changing a password ends every session. Every state-changing form
carries a CSRF token; every page is sent with a Content-Security-Policy that allows no inline
script. What a person may see or do is decided in sync/access/, never here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, request, session, url_for

from server.db import db
from server.models import User
from sync.access.principal import Principal
from sync.people.staff import LANGUAGES

bp = Blueprint("web", __name__)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# photos and downloads: nothing runs; the browser's own image viewer may style itself
CSP_FILES = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def session_key(user: User) -> str:
    """Ties a session to the password it was opened with and to the last logout."""
    return hashlib.sha256(f"session:{user.password_hash}:{user.session_epoch}".encode()
                          ).hexdigest()[:32]


def start_session(user: User) -> None:
    session.clear()
    session.permanent = True
    session["uid"], session["key"] = user.id, session_key(user)


def _load_user() -> None:
    g.user = g.principal = None
    uid = session.get("uid")
    if uid is None:
        return
    user = db.session.get(User, uid)
    if (user is None or not user.active or not user.password_hash
            or not hmac.compare_digest(session.get("key", ""), session_key(user))):
        session.clear()
        return
    g.user, g.principal = user, Principal.of_user(user)


@bp.before_request
def _before() -> None:
    _load_user()
    if request.method not in SAFE_METHODS:
        current_app.extensions["csrf"].protect()


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("principal") is None:
            target = request.full_path if request.method == "GET" else request.path
            return redirect(url_for("web.login", next=target.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def safe_next(target: str | None) -> str:
    """Only a path inside /hq is a place to go back to after login (no open redirect), and
    only a printable one (CR/LF would split the Location header)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/hq/") \
                and "\\" not in target and target.isprintable():
            return target
    return url_for("web.home")


@bp.after_app_request
def _headers(response):
    if request.path.startswith("/hq"):
        html = response.mimetype == "text/html"
        response.headers["Content-Security-Policy"] = CSP if html else CSP_FILES
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if html:
            response.headers["Cache-Control"] = "no-store"
    return response


def select_locale() -> str:
    """The user's own choice, else the one picked before logging in, else the browser's."""
    user = g.get("user")
    if user is not None and user.language in LANGUAGES:
        return user.language
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


from server.web import (  # noqa: E402,F401  (routes and filters register on import)
    auth,
    books,
    catalogue,
    crates,
    dashboard,
    devices,
    errors,
    exports,
    inspections,
    photos,
    programme,
    programme_people,
    programme_reports,
    register,
    reports,
    review,
    safety,
    search,
    setup,
    stock,
    stock_checks,
    templating,
    tracing,
    visits,
)

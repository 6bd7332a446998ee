"""Logging in and out of the HQ pages: hashed passwords, cookie flags, CSRF, the rate limit
(kept in the database, so every worker sees it), headers, the language chosen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from server.db import db, utcnow
from server.models import AuditEvent, LoginAttempt, User
from tests.conftest import make_app
from tests.hq_seed import csrf_from, login, post_form


def test_login_sets_a_protected_session_and_logout_ends_it(client, world, app):
    assert client.get("/hq/inspections").headers["Location"].startswith("/hq/login")
    r = login(client, "reviewer")
    assert r.status_code == 302 and r.headers["Location"] == "/hq/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/hq/inspections").status_code == 200
    assert client.get("/hq/logout").status_code == 405  # logging out is a POST, with CSRF
    r = post_form(client, "/hq/logout", {})
    assert r.status_code == 302
    assert client.get("/hq/inspections").status_code == 302
    with app.app_context():
        user = db.session.get(User, world.users["reviewer"])
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "user.login", AuditEvent.user_id == user.id)) == 1


def test_secure_cookie_is_configurable(world, database_url, tmp_path):
    app = make_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    r = login(app.test_client(), "reviewer")
    assert "Secure" in r.headers["Set-Cookie"]


def test_wrong_password_is_refused_and_recorded(client, world, app):
    r = login(client, "reviewer", "not the password")
    assert r.status_code == 401 and "Wrong username or password" in r.get_data(as_text=True)
    r = login(client, "nobody", "x")
    assert r.status_code == 401
    with app.app_context():
        rows = db.session.execute(select(LoginAttempt.username, LoginAttempt.success)
                                  .order_by(LoginAttempt.id)).all()
    assert rows == [("reviewer", False), ("nobody", False)]


def test_too_many_failures_block_the_username_even_with_the_right_password(client, world,
                                                                              app):
    app.config["LOGIN_MAX_FAILURES"] = 3
    for _ in range(3):
        assert login(client, "commander", "guess").status_code == 401
    r = login(client, "commander")
    assert r.status_code == 429 and "Too many failed attempts" in r.get_data(as_text=True)
    assert login(client, "reviewer").status_code == 302  # another account is not blocked
    with app.app_context():  # the window passes
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at = utcnow() - timedelta(hours=1)
        db.session.commit()
    assert login(app.test_client(), "commander").status_code == 302


def test_a_success_starts_the_count_afresh(client, world, app):
    app.config["LOGIN_MAX_FAILURES"] = 3
    for _ in range(2):
        login(client, "commander", "guess")
    assert login(client, "commander").status_code == 302
    for _ in range(2):
        assert login(app.test_client(), "commander", "guess").status_code == 401
    assert login(app.test_client(), "commander").status_code == 302


def test_one_address_guessing_many_usernames_is_blocked(client, world, app):
    app.config["LOGIN_MAX_IP_FAILURES"] = 4
    for name in ("admin", "reviewer", "commander", "inspector"):
        assert login(client, name, "guess").status_code == 401
    assert login(client, "zdr_inspector").status_code == 429


def test_the_limit_holds_across_workers(world, database_url, tmp_path):
    """Two app instances on one database stand for two gunicorn workers."""
    one = make_app(database_url, tmp_path / "one", LOGIN_MAX_FAILURES=2)
    two = make_app(database_url, tmp_path / "two", LOGIN_MAX_FAILURES=2)
    assert login(one.test_client(), "admin", "guess").status_code == 401
    assert login(two.test_client(), "admin", "guess").status_code == 401
    assert login(one.test_client(), "admin").status_code == 429
    assert login(two.test_client(), "admin").status_code == 429


def test_a_password_change_ends_existing_sessions(client, world, app):
    login(client, "reviewer")
    assert client.get("/hq/depots").status_code == 200
    with app.app_context():
        db.session.get(User, world.users["reviewer"]).password_hash = \
            generate_password_hash("new secret")
        db.session.commit()
    assert client.get("/hq/depots").status_code == 302


def test_a_disabled_user_is_logged_out(client, world, app):
    login(client, "reviewer")
    with app.app_context():
        db.session.get(User, world.users["reviewer"]).active = False
        db.session.commit()
    assert client.get("/hq/depots").status_code == 302
    assert login(app.test_client(), "reviewer").status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/hq/", "//evil.example/hq/",
                                    "/api/v1/depots", "/hq/\\evil", "/hq/\r\nSet-Cookie: x=1",
                                    "/hq/inspections\n"],
                         ids=["absolute", "scheme-relative", "outside hq", "backslash", "CRLF",
                              "LF"])
def test_login_never_redirects_outside_hq(client, world, target):
    token = csrf_from(client.get("/hq/login").get_data(as_text=True))
    r = client.post("/hq/login", data={"username": "reviewer", "password": "correct horse "
                                       "battery staple", "next": target, "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/hq/"


def test_login_goes_back_to_the_page_asked_for(client, world):
    r = client.get("/hq/inspections?status=flagged")
    assert r.headers["Location"] == "/hq/login?next=/hq/inspections?status%3Dflagged"
    token = csrf_from(client.get(r.headers["Location"]).get_data(as_text=True))
    r = client.post("/hq/login", data={"username": "reviewer", "password": "correct horse "
                                       "battery staple", "next": "/hq/inspections?status=flagged",
                                       "csrf_token": token})
    assert r.headers["Location"] == "/hq/inspections?status=flagged"


def test_login_without_csrf_token_is_refused(client, world):
    r = client.post("/hq/login", data={"username": "reviewer",
                                       "password": "correct horse battery staple"})
    assert r.status_code == 400


def test_security_headers_on_every_hq_response(client, world):
    for r in (client.get("/hq/login"), client.get("/hq/no-such-page")):
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/hq/no-such-page").status_code == 404
    login(client, "reviewer")
    assert client.get("/hq/depots").headers["Cache-Control"] == "no-store"


def test_the_api_keeps_bearer_tokens_and_no_csrf(client, world):
    r = client.post("/api/v1/sync/push", json={"batch_id": "b", "ops": [
        {"op_id": "1", "entity": "crate", "entity_id": "x", "action": "patch",
         "set": {"notes": "n"}}]},
        headers={"Authorization": f"Bearer {world.tokens['inspector']}"})
    assert r.status_code == 200 and "Content-Security-Policy" not in r.headers


def test_language_follows_the_browser_then_the_users_choice(client, world, app):
    page = client.get("/hq/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Se connecter" in page.get_data(as_text=True)
    assert "Log in" in client.get("/hq/login").get_data(as_text=True)
    r = post_form(client, "/hq/language", {"language": "fr"}, page="/hq/login")
    assert r.status_code == 302 and "Se connecter" in client.get("/hq/login").get_data(
        as_text=True)  # chosen before logging in: kept in the session
    login(client, "reviewer")  # picked on the login page: kept once logged in (was English)
    assert "Journal des inspections" in client.get("/hq/inspections").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.users["reviewer"]).language == "fr"
    other = app.test_client()  # another browser: the choice travels with the user
    login(other, "reviewer")
    assert "Journal des inspections" in other.get("/hq/inspections").get_data(as_text=True)
    post_form(other, "/hq/language", {"language": "en", "next": "/hq/inspections"})
    assert "Inspection log" in other.get("/hq/inspections").get_data(as_text=True)
    fresh = app.test_client()  # nothing picked on this login page: the user's own setting
    login(fresh, "reviewer")
    assert "Inspection log" in fresh.get("/hq/inspections").get_data(as_text=True)
    r = post_form(client, "/hq/language", {"language": "de"})
    assert r.status_code == 422


def test_a_copied_session_cookie_ends_with_logout(client, world, app):
    login(client, "reviewer")
    copy = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    copy.set_cookie(cookie.key, cookie.value)
    assert copy.get("/hq/inspections").status_code == 200
    assert post_form(client, "/hq/logout", {}).status_code == 302
    assert copy.get("/hq/inspections").status_code == 302  # to the login page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "user.logout")) == 1
    assert login(client, "reviewer").status_code == 302  # a new login works


def test_unknown_and_known_usernames_cost_the_same_hash_work(world, app, monkeypatch):
    """One password hash check either way, and no new hash made per unknown name (the
    difference was measurable from outside)."""
    import werkzeug.security

    from sync.people import accounts

    calls = []
    for name in ("check_password_hash", "generate_password_hash"):
        real = getattr(werkzeug.security, name)
        monkeypatch.setattr(accounts, name, lambda *a, _r=real, _n=name, **k: (
            calls.append(_n), _r(*a, **k))[1])
    with app.app_context():
        accounts.check_password(db.session, "nobody", "guess")  # warms the one dummy hash
        for username in ("reviewer", "nobody", "nobody-else"):
            calls.clear()
            accounts.check_password(db.session, username, "guess")
            assert calls == ["check_password_hash"], username

"""Log in (password, rate-limited), log out, choose the language, and the home redirect."""

from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from server.db import db, utcnow
from server.web import bp, login_required, safe_next, start_session
from server.web.schemas import LanguageForm, LoginForm
from server.wiring import login_limits
from sync.access.principal import Principal
from sync.people.staff import attempt_login, end_sessions, set_language


@bp.get("/login")
def login():
    if g.principal is not None:
        return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", next=request.args.get("next", ""))


@bp.post("/login")
def login_post():
    form = LoginForm().load(request.form)
    result = attempt_login(db.session, form["username"], form["password"],
                           ip=request.remote_addr or "", now=utcnow(), limits=login_limits())
    db.session.commit()  # the attempt counts, whatever its outcome
    if result.user is None:
        error = (_("Too many failed attempts. Wait a few minutes and try again.")
                 if result.blocked else _("Wrong username or password."))
        return render_template("login.html", error=error, next=form["next"],
                               username=form["username"]), 429 if result.blocked else 401
    picked = session.get("lang")
    if picked:  # chosen on the login page: it stays this user's language
        set_language(db.session, Principal.of_user(result.user), picked, now=utcnow())
        db.session.commit()
    start_session(result.user)
    return redirect(safe_next(form["next"]))


@bp.post("/logout")
def logout():
    language = g.user.language if g.user is not None else session.get("lang")
    if g.user is not None:
        end_sessions(db.session, g.user, now=utcnow())
        db.session.commit()
    session.clear()
    if language:
        session["lang"] = language  # the login page stays in the language just used
    return redirect(url_for("web.login"))


@bp.post("/language")
def language():
    """Logged in: saved on the user. Before logging in: kept in the session."""
    form = LanguageForm().load(request.form)
    if g.principal is not None:
        set_language(db.session, g.principal, form["language"], now=utcnow())
        db.session.commit()
    session["lang"] = form["language"]
    return redirect(safe_next(form["next"]) if g.principal is not None
                    else url_for("web.login", next=form["next"] or None))


@bp.get("/")
@login_required
def home():
    if not g.principal.in_country:
        return render_template("hq/body_home.html", body=g.user.body)
    target = "web.depots" if g.principal.can("review.read") else "web.inspections"
    return redirect(url_for(target))


def root():
    """The bare server address leads to the HQ pages."""
    return redirect(url_for("web.home"))


bp.record_once(lambda state: state.app.add_url_rule("/", "root", root))

"""What templates may call: times in a depot's local time (formatted for the reader's
language), code words translated, answers and JSON values shown as text, links that keep the
current filters. Jinja autoescaping stays on for every template: nothing here returns Markup."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime
from flask import current_app, g, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import gettext as _

from server.db import db
from server.db import zone as db_zone
from server.models import Country
from server.web import bp
from server.web.errors import reader_message
from server.web.vocabulary import OVER_ENTRIES, PROBLEM_PREFIXES, WORDS, word
from sync.people.staff import LANGUAGES, RTL
from sync.views.questions import form_titles, verdict


def zone(name: str | None) -> tzinfo:
    """A depot's zone; for what belongs to no depot (a phone, a login), the reader's
    country's; else the configured fallback."""
    return db_zone(name, _reader_country_tz(), current_app.config["DISPLAY_TIMEZONE"])


def _reader_country_tz() -> str | None:
    if "reader_tz" not in g:
        user = g.get("user")
        country = (db.session.get(Country, user.country_code)
                   if user is not None and user.country_code else None)
        g.reader_tz = country.timezone if country is not None else None
    return g.reader_tz


def country_zone() -> tzinfo:
    """The reader's country zone: where date filters' days begin and end."""
    return zone(None)


# One way to write each kind of value on every page: day first (en-GB conventions in English,
# the French ones in French, Western digits in Arabic as the Maghreb and Sahel write them), a
# 24-hour clock, months by name only where days are not shown.
FORMATS = {"en": "en_GB", "fr": "fr_FR", "ar": "ar"}
MOMENT, DAY, MONTH = "dd/MM/yyyy HH:mm", "dd/MM/yyyy", "LLL yyyy"


def _formatting_locale() -> str:
    language = str(get_locale())
    return FORMATS.get(language, language)


@bp.app_template_filter("local")
def local(moment: datetime | str | None, tz: str | None = None) -> str:
    """A moment in a depot's zone, formatted for the reader (ISO strings kept in JSON too)."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if moment is None:
        return "—"
    return format_datetime(moment, MOMENT, tzinfo=zone(tz), locale=_formatting_locale())


@bp.app_template_filter("local_date")
def local_date(moment: Any, tz: str | None = None) -> str:
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        moment = moment.astimezone(zone(tz)).date()
    return format_date(moment, DAY, locale=_formatting_locale())


@bp.app_template_filter("month")
def month(day: Any) -> str:
    return format_date(day, MONTH, locale=_formatting_locale())


@bp.app_template_filter("iso")
def iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else ""


@bp.app_template_filter("word")
def word_filter(code: object, context: str | None = None) -> str:
    return word(code, context)


@bp.app_template_filter("problem")
def problem_filter(problem: Mapping[str, Any]) -> str:
    """A flag reason in the reader's language: a fixed wording, a wording around the value it
    names (the instance an edit replaces, a count), or a refusal worded by its code."""
    text = str(problem.get("problem") or "")
    for prefix, wording in PROBLEM_PREFIXES:
        if text.startswith(prefix):
            rest = text[len(prefix):]
            if problem.get("code"):
                rest = reader_message(problem["code"], rest)
            return str(wording) % {"rest": rest}
    if (over := OVER_ENTRIES.fullmatch(text)) is not None:
        return gettext("over %(num)s entries", num=int(over[1]))
    if text in WORDS or not problem.get("code"):
        return word(text)
    return reader_message(problem["code"], text)


@bp.app_template_filter("form_title")
def form_title(form_id: str | None) -> str:
    """A form's title in the reader's language instead of its id (the id if unknown)."""
    if not form_id:
        return "—"
    if "form_titles" not in g:
        g.form_titles = form_titles(db.session, str(get_locale()))
    return g.form_titles.get(form_id, form_id)


@bp.app_template_filter("answer")
def answer(value: Any) -> str:
    """An answer as text: yes/no translated, lists joined, anything else as it came."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(answer(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    checked = verdict(value)
    return word(checked) if checked is not None else str(value)


@bp.app_template_global()
def can(permission: str) -> bool:
    """For menus only: what a page shows is decided by access.py in the domain call."""
    principal = g.get("principal")
    return principal is not None and principal.can(permission)


URL_SAFE = "!$'()*,/:;?@"  # what url_for leaves unescaped in a query (the WHATWG set)


@bp.app_template_global()
def url_with(**changes: Any) -> str:
    """This page's URL with some query arguments changed (None removes one). The query is
    encoded apart: a key like `endpoint`, `_method` or `_external` is only a key."""
    args = {k: v for k, v in request.args.items()}
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    path = url_for(request.endpoint, **(request.view_args or {}))
    return f"{path}?{urlencode(args, safe=URL_SAFE)}" if args else path


@bp.app_template_global()
def query_args(*drop: str) -> dict[str, str]:
    """This page's query arguments, less some (to hand the same filters to an export), and
    less those url_for would take as its own (endpoint, _method, _external…) or that name
    an export's path value (fmt)."""
    return {k: v for k, v in request.args.items()
            if k not in drop and k not in ("endpoint", "values", "fmt") and not k.startswith("_")}


@bp.app_context_processor
def _context() -> dict[str, Any]:
    principal, locale = g.get("principal"), str(get_locale())
    return {"current_user": g.get("user"), "languages": LANGUAGES,
            "in_country": principal is not None and principal.in_country,
            "locale": locale, "direction": "rtl" if locale in RTL else "ltr"}

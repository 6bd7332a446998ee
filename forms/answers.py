"""Answers against the form that asked them. Pure: no database.

check_answers() lists what breaks the form's rules (required, type, choices, constraints),
for both doors; a submission is never refused for it, only flagged. What the engine reads out
of the answers (the visit header, count lines, findings…) is forms/derived.py's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

from forms.spec import FieldSpec, FormSpec
from forms.xpath import Unknown, evaluate, truthy

Problem = dict[str, Any]
Scope = list[Mapping[str, Any]]  # innermost repeat instance first, the top-level answers last
INT = re.compile(r"^[-+]?\d{1,18}$")
DECIMAL = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)$")
SKIP_NAMES = {"meta", "instanceID", "deprecatedID", "instanceName"}


def check_answers(spec: FormSpec, answers: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    _check_level(spec, None, [answers], "", problems)
    return problems


def _check_level(spec: FormSpec, repeat: str | None, scope: Scope, prefix: str,
                 problems: list[Problem]) -> None:
    here = scope[0]
    known = {f.name for f in spec.fields_in(repeat)}
    for r in spec.repeats:
        if r.parent == repeat:
            known.add(r.name)
            items = here.get(r.name) or []
            if not isinstance(items, list):
                problems.append(_problem(prefix + r.name, "not a repeat (a list)"))
                continue
            for n, item in enumerate(items[:10_000]):
                if isinstance(item, Mapping):
                    _check_level(spec, r.path, [item, *scope], f"{prefix}{r.name}[{n}].",
                                 problems)
    for f in spec.fields_in(repeat):
        problem = _check_field(f, here.get(f.name), scope)
        if problem:
            problems.append(_problem(prefix + f.name, problem, here.get(f.name)))
    for name in here:
        if name not in known and name not in SKIP_NAMES:
            problems.append(_problem(prefix + name, "not a question of this form"))


def _problem(field: str, problem: str, value: Any = None) -> Problem:
    out = {"field": field[:128], "problem": problem}
    if value not in (None, ""):
        out["value"] = str(value)[:64]
    return out


def _resolver(scope: Scope, value: Any) -> Callable[[str], Any]:
    def resolve(path: str) -> Any:
        if path.strip() == ".":
            return as_text(value)
        name = path.rstrip("/").rsplit("/", 1)[-1]
        for level in scope:
            if name in level and not isinstance(level[name], list):
                return as_text(level[name])
        raise Unknown(path)
    return resolve


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _holds(expr: str, scope: Scope, value: Any = None) -> bool | None:
    """The truth of expr, or None when the subset cannot tell."""
    try:
        return truthy(evaluate(expr, _resolver(scope, value)))
    except Unknown:
        return None


def _check_field(f: FieldSpec, value: Any, scope: Scope) -> str | None:
    if f.calculate or (f.control is None and f.type != "dateTime"):
        return None  # computed by the phone
    relevant = [_holds(expr, scope) for expr in f.relevant]
    if False in relevant:
        return None  # not asked: whatever it holds is ignored
    empty = value is None or (isinstance(value, str) and value.strip() == "")
    if empty:
        required = f.required if isinstance(f.required, bool) else _holds(f.required, scope)
        return "required" if required and None not in relevant else None
    if (wrong := _wrong_type(f, value)) is not None:
        return wrong
    if f.constraint and _holds(f.constraint, scope, value) is False:
        return "breaks the question's constraint"
    return None


def _wrong_type(f: FieldSpec, value: Any) -> str | None:
    if isinstance(value, list | dict):
        return "not a single answer"
    text = as_text(value).strip()
    if len(text) > 10_000:
        return "too long"
    checks = {"int": _is_int, "decimal": _is_decimal, "date": _is_date, "time": _is_time,
              "dateTime": _is_datetime, "geopoint": _is_geopoint, "binary": _is_filename}
    if f.type in checks and not checks[f.type](text):
        return f"not a valid {f.type}"
    if f.choices is not None:
        picked = text.split() if f.control == "select" else [text]
        if any(p not in f.choices for p in picked):
            return "not one of the choices"
    return None


def _is_int(text: str) -> bool:
    return bool(INT.match(text))


def _is_decimal(text: str) -> bool:
    return bool(DECIMAL.match(text))


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _is_time(text: str) -> bool:
    try:
        time.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_datetime(text: str) -> bool:
    return parse_datetime(text) is not None


def _is_geopoint(text: str) -> bool:
    parts = text.split()
    if not 2 <= len(parts) <= 4 or not all(_is_decimal(p) for p in parts):
        return False
    lat, lon = float(parts[0]), float(parts[1])
    return -90 <= lat <= 90 and -180 <= lon <= 180


def _is_filename(text: str) -> bool:
    return safe_name(text)


def safe_name(name: str) -> bool:
    """A plain file name, never a path: what an attachment may be called."""
    return (0 < len(name) <= 255 and "/" not in name and "\\" not in name
            and "\x00" not in name and name not in (".", ".."))


def parse_datetime(text: str) -> datetime | None:
    """An aware datetime (Collect writes 2026-11-25T10:15:00.000+01:00), else None."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else None

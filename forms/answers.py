"""Answers against the form that asked them. Pure: no database.

check_answers() lists what breaks the form's rules (required, type, choices, constraints),
for both doors; a submission is never refused for it, only flagged. answers_to_fields()
reads what the engine needs out of the answers, by the fields' `ds:` tags (see
forms/sources/common.py): the visit header, count lines and findings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from forms.spec import FieldSpec, FormSpec
from forms.xpath import Unknown, evaluate, number, truthy

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
            return _as_text(value)
        name = path.rstrip("/").rsplit("/", 1)[-1]
        for level in scope:
            if name in level and not isinstance(level[name], list):
                return _as_text(level[name])
        raise Unknown(path)
    return resolve


def _as_text(value: Any) -> str:
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
    text = _as_text(value).strip()
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


@dataclass(frozen=True)
class Derived:
    depot: str | None = None
    visit_type: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    counts: tuple[dict[str, Any], ...] = ()
    findings: tuple[dict[str, Any], ...] = ()
    attachments: tuple[tuple[str, str], ...] = ()  # (file name, question path)
    scans: tuple[tuple[str, str], ...] = ()  # (question name, scanned label as read)
    visit: dict[str, str] = field(default_factory=dict)  # every ds:visit answer, as text
    closeout: tuple[dict[str, str], ...] = ()  # F7's findings, by ds:closeout role
    acks: dict[str, str] = field(default_factory=dict)  # ds:ack role -> answer
    register: str = ""  # keys | access | alarm | patrol: the register a sheet is of
    entries: tuple[dict[str, Any], ...] = ()  # its entries: at/until/who/what + details
    proposals: tuple[dict[str, str], ...] = ()  # F6: lot/condition/suspend/reason/crate
    voucher: dict[str, Any] = field(default_factory=dict)  # ds:voucher roles, and its lines

    @property
    def visit_id(self) -> str | None:
        return self.visit.get("visit_id") or None


PhotoRef = Callable[[str], str]


def answers_to_fields(spec: FormSpec, answers: Mapping[str, Any],
                      photo_ref: PhotoRef = lambda name: name) -> Derived:
    """What the engine needs, read through the fields' ds: tags. photo_ref turns an
    attachment file name into the photo ID the engine links by."""
    visit = {f.ds["visit"]: _as_text(answers.get(f.name)).strip()[:10_000]
             for f in spec.tagged("visit") if f.repeat is None}
    visit = {k: v for k, v in visit.items() if v}
    counts, findings, files, scans, closeout, entries = [], [], {}, [], [], []
    proposals = []
    for scope, repeat in _instances(spec, answers):
        for f in spec.fields_in(repeat):
            value = _as_text(scope[0].get(f.name)).strip()
            if f.type == "binary" and value and safe_name(value):
                files.setdefault(value, f.path)
            if f.ds.get("scan") == "label" and value:
                scans.append((f.name, value[:64]))
            if "finding" in f.ds and value == "no":
                findings.append(_finding(spec, f, scope, photo_ref))
        if any("count" in f.ds for f in spec.fields_in(repeat)):
            line = _count(spec, repeat, scope, photo_ref)
            if line.get("crate"):
                counts.append(line)
        entry = {f.ds["closeout"]: _as_text(scope[0].get(f.name)).strip()
                 for f in spec.fields_in(repeat) if "closeout" in f.ds}
        if any(entry.values()):
            closeout.append(entry)
        proposal = {f.ds["surveil"]: _as_text(scope[0].get(f.name)).strip()[:2000]
                    for f in spec.fields_in(repeat) if "surveil" in f.ds}
        if proposal.get("lot"):
            proposals.append(proposal)
        if repeat is not None and any("register" in f.ds for f in spec.fields_in(repeat)):
            entries.append(_register_entry(spec, repeat, scope[0]))
    depot = visit.get("depot") or visit.get("depot_scan") or ""
    return Derived(
        depot=depot.upper()[:8] or None,
        visit_type=str(visit.get("visit_type") or "")[:32],
        started_at=parse_datetime(str(visit.get("started_at") or "")),
        ended_at=parse_datetime(str(visit.get("ended_at") or "")),
        counts=tuple(counts), findings=tuple(findings), attachments=tuple(files.items()),
        scans=tuple(scans), visit=visit, closeout=tuple(closeout),
        acks={f.ds["ack"]: _as_text(answers.get(f.name)).strip()[:64]
              for f in spec.tagged("ack") if f.repeat is None and answers.get(f.name)},
        register=next((_as_text(answers.get(f.name)).strip()[:16] for f in spec.tagged(
            "register") if f.ds["register"] == "kind" and f.repeat is None), ""),
        entries=tuple(entries), proposals=tuple(proposals), voucher=_voucher(spec, answers))


def _voucher(spec: FormSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """A stock voucher's fields by their ds:voucher role, its lines (crate, quantity) from
    the repeat whose fields have roles; {} for other forms."""
    tagged = spec.tagged("voucher")
    if not tagged:
        return {}
    voucher: dict[str, Any] = {f.ds["voucher"]: _as_text(answers.get(f.name)).strip()[:4000]
                               for f in tagged if f.repeat is None}
    lines = []
    for scope, repeat in _instances(spec, answers):
        roles = [f for f in spec.fields_in(repeat) if "voucher" in f.ds]
        if repeat is not None and roles:
            lines.append({f.ds["voucher"]: _as_text(scope[0].get(f.name)).strip()[:64]
                          for f in roles})
    voucher["lines"] = lines
    return voucher


def _register_entry(spec: FormSpec, repeat: str, here: Mapping[str, Any]) -> dict[str, Any]:
    """One register entry: its at/until/who/what fields by role, the other answers as
    details (by question name)."""
    entry: dict[str, Any] = {"details": {}}
    for f in spec.fields_in(repeat):
        value = _as_text(here.get(f.name)).strip()[:2000]
        if "register" in f.ds:
            entry[f.ds["register"]] = value
        elif value and not f.calculate:
            entry["details"][f.name] = value
    return entry


def _instances(spec: FormSpec, answers: Mapping[str, Any], repeat: str | None = None,
               outer: Scope = ()) -> list[tuple[Scope, str | None]]:
    """(scope, repeat path) for the top level and every repeat instance, outermost first."""
    scope = [answers, *outer]
    found = [(scope, repeat)]
    for r in spec.repeats:
        if r.parent == repeat:
            for item in answers.get(r.name) or []:
                if isinstance(item, Mapping):
                    found += _instances(spec, item, r.path, scope)
    return found


def _finding(spec: FormSpec, f: FieldSpec, scope: Scope, photo_ref: PhotoRef) -> dict:
    here = scope[0]
    subject = [f"{_as_text(here.get(s.name))}" for s in spec.fields_in(f.repeat)
               if "subject" in s.ds and here.get(s.name)]
    comment = _as_text(here.get(f"{f.name}_comment")).strip()
    photo = _as_text(here.get(f"{f.name}_photo")).strip()
    finding = {"item": f.name, "section": (f.group or spec.form_id)[:32],
               "severity": f.ds["finding"] if f.ds["finding"] in ("critical", "major", "minor")
               else "major",
               "text": " — ".join([*subject, comment]) if subject else comment,
               "photos": [photo_ref(photo)] if photo and safe_name(photo) else []}
    crate = next((here.get(c.name) for c in spec.fields_in(f.repeat)
                  if c.ds.get("count") == "crate" and here.get(c.name)), None)
    if crate:
        finding["crate"] = str(crate)
    return finding


def _count(spec: FormSpec, repeat: str | None, scope: Scope, photo_ref: PhotoRef) -> dict:
    here, line = scope[0], {}
    for f in spec.fields_in(repeat):
        role, value = f.ds.get("count"), _as_text(here.get(f.name)).strip()
        if not role or value == "":
            continue
        if role in ("quantity", "base_version"):
            n = number(value)
            if not math.isnan(n) and n.is_integer() and 0 <= n <= 10_000_000:
                line[role] = int(n)
        elif role in ("seal_intact", "blind"):
            line[role] = value.lower() in ("yes", "true", "1")
        elif role == "photo":
            if safe_name(value):
                line.setdefault("photos", []).append(photo_ref(value))
        elif role in ("crate", "lot_number", "condition", "seal_number"):
            line[role] = value
    serials = [_as_text(item.get(f.name)).strip()
               for r in spec.repeats if r.parent == repeat
               for item in here.get(r.name) or [] if isinstance(item, Mapping)
               for f in spec.fields_in(r.path) if f.ds.get("count") == "serial"]
    if serials:
        line["serials"] = [s for s in serials if s]
    return line

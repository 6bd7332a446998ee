"""What the engine needs out of a form's answers, read by the fields' `ds:` tags (see
forms/sources/common.py): the visit header, count lines, findings, register entries, close-out,
proposals and vouchers. Pure: no database."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from forms.answers import Scope, as_text, parse_datetime, safe_name
from forms.spec import FieldSpec, FormSpec
from forms.xpath import number


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
    visit = {f.ds["visit"]: as_text(answers.get(f.name)).strip()[:10_000]
             for f in spec.tagged("visit") if f.repeat is None}
    visit = {k: v for k, v in visit.items() if v}
    counts, findings, files, scans, closeout, entries = [], [], {}, [], [], []
    proposals = []
    for scope, repeat in _instances(spec, answers):
        for f in spec.fields_in(repeat):
            value = as_text(scope[0].get(f.name)).strip()
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
        entry = {f.ds["closeout"]: as_text(scope[0].get(f.name)).strip()
                 for f in spec.fields_in(repeat) if "closeout" in f.ds}
        if any(entry.values()):
            closeout.append(entry)
        proposal = {f.ds["surveil"]: as_text(scope[0].get(f.name)).strip()[:2000]
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
        acks={f.ds["ack"]: as_text(answers.get(f.name)).strip()[:64]
              for f in spec.tagged("ack") if f.repeat is None and answers.get(f.name)},
        register=next((as_text(answers.get(f.name)).strip()[:16] for f in spec.tagged(
            "register") if f.ds["register"] == "kind" and f.repeat is None), ""),
        entries=tuple(entries), proposals=tuple(proposals), voucher=_voucher(spec, answers))


def _voucher(spec: FormSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """A stock voucher's fields by their ds:voucher role, its lines (crate, quantity) from
    the repeat whose fields have roles; {} for other forms."""
    tagged = spec.tagged("voucher")
    if not tagged:
        return {}
    voucher: dict[str, Any] = {f.ds["voucher"]: as_text(answers.get(f.name)).strip()[:4000]
                               for f in tagged if f.repeat is None}
    lines = []
    for scope, repeat in _instances(spec, answers):
        roles = [f for f in spec.fields_in(repeat) if "voucher" in f.ds]
        if repeat is not None and roles:
            lines.append({f.ds["voucher"]: as_text(scope[0].get(f.name)).strip()[:64]
                          for f in roles})
    voucher["lines"] = lines
    return voucher


def _register_entry(spec: FormSpec, repeat: str, here: Mapping[str, Any]) -> dict[str, Any]:
    """One register entry: its at/until/who/what fields by role, the other answers as
    details (by question name)."""
    entry: dict[str, Any] = {"details": {}}
    for f in spec.fields_in(repeat):
        value = as_text(here.get(f.name)).strip()[:2000]
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
    subject = [f"{as_text(here.get(s.name))}" for s in spec.fields_in(f.repeat)
               if "subject" in s.ds and here.get(s.name)]
    comment = as_text(here.get(f"{f.name}_comment")).strip()
    photo = as_text(here.get(f"{f.name}_photo")).strip()
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
        role, value = f.ds.get("count"), as_text(here.get(f.name)).strip()
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
    serials = [as_text(item.get(f.name)).strip()
               for r in spec.repeats if r.parent == repeat
               for item in here.get(r.name) or [] if isinstance(item, Mapping)
               for f in spec.fields_in(r.path) if f.ds.get("count") == "serial"]
    if serials:
        line["serials"] = [s for s in serials if s]
    return line

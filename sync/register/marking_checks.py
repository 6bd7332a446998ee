"""F5 marking checks compared with the register on arrival. Each sampled weapon is looked up
by its serial in the depot's country: one the register does not know, or whose maker or model
differ from the record, becomes a finding of the visit (the engine creates it, like any
finding); one it knows is dated as seen, and a lost or stolen one raises the alert. A national
marking read on the weapon that no register entry carries is a finding too ("marked but not
registered", sync/register/reconciliation.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Weapon
from sync.register.alerts import note_seen
from sync.stock.catalogue import canonical_maker
from sync.stock.serials import plain_serial

UNKNOWN, DIFFERENT = "register_unknown_serial", "register_marks_differ"
UNREGISTERED_MARK = "register_unknown_marking"


def unregistered_marks(session: Session, country_code: str, marks: list[str]) -> set[str]:
    """Of national markings as read, those that no register entry of the country carries
    (compared as the register's search key: separators and case dropped)."""
    keys = {m: plain_serial(m) for m in marks if plain_serial(m)}
    if not keys:
        return set()
    known = set(session.scalars(select(Weapon.marking_key).where(
        Weapon.country_code == country_code, Weapon.marking_key.in_(sorted(set(keys.values()))))))
    return {m for m, key in keys.items() if key not in known}


def _same(session: Session, country_code: str, a: str, b: str) -> bool:
    def norm(name: str) -> str:
        return " ".join(canonical_maker(session, name, country_code).split()).casefold()
    return norm(a) == norm(b)


def marking_check_findings(session: Session, *, country_code: str, depot_code: str,
                           depot_id: int, answers: dict[str, Any], reference: str,
                           user_id: int | None, now: datetime) -> list[dict[str, Any]]:
    """Findings (as a submission's findings: item, section, severity, text) for the F5
    answers that disagree with the register."""
    sampled = [w for w in answers.get("weapons") or [] if isinstance(w, dict)]
    serials = [str(w.get("serial") or w.get("serial_typed") or "")[:64] for w in sampled]
    seen = note_seen(session, country_code=country_code, depot_id=depot_id, serials=serials,
                     source="marking_check", reference=reference, user_id=user_id, now=now)
    marks = [" ".join(str(w.get("marking_read") or "").split())[:64] for w in sampled]
    unregistered = unregistered_marks(session, country_code, marks)
    findings = [{"item": UNREGISTERED_MARK, "section": "F5", "severity": "major",
                 "depot": depot_code,
                 "text": f"National marking {mark} (serial {serial.strip()}) is on no "
                         "register entry."}
                for mark, serial in zip(marks, serials, strict=True) if mark in unregistered]
    for answer, serial in zip(sampled, serials, strict=True):
        serial = serial.strip()
        if not serial:
            continue
        weapon = seen.known.get(serial)
        if weapon is None:
            findings.append({"item": UNKNOWN, "section": "F5", "severity": "major",
                             "depot": depot_code,
                             "text": f"Serial {serial} ({answer.get('manufacturer', '')} "
                                     f"{answer.get('model', '')}) is not on the register."})
            continue
        maker, model = str(answer.get("manufacturer") or ""), str(answer.get("model") or "")
        if (maker and not _same(session, country_code, maker, weapon.manufacturer)) or (
                model and model.casefold() != weapon.model.casefold()):
            findings.append({"item": DIFFERENT, "section": "F5", "severity": "critical",
                             "depot": depot_code,
                             "text": f"Serial {serial} is marked {maker} {model}; the register "
                                     f"holds {weapon.manufacturer} {weapon.model}."})
    return findings

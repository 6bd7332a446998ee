"""F5 marking checks compared with the register on arrival. Each sampled weapon is looked up
by its serial in the depot's country: one the register does not know, or whose maker or model
differ from the record, becomes a finding of the visit (the engine creates it, like any
finding); one it knows is dated as seen, and a lost or stolen one raises the alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sync.register.alerts import note_seen
from sync.stock.catalogue import canonical_maker

UNKNOWN, DIFFERENT = "register_unknown_serial", "register_marks_differ"


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
    findings = []
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

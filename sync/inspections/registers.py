"""Depot registers kept on the phone (key issues and returns, access, alarms, patrols): their
entries stored from each day's sheet, what they tell F1 (a register is kept when it has
entries in the country's last N days, register_days, default 7), and the anomalies HQ
lists: a key out overnight (not returned, or returned another day, in the depot's time) and
an alarm without a response."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from forms.answers import parse_datetime
from server.models import Country, Depot, RegisterEntry, Submission
from sync.access.principal import Principal
from sync.access.scope import visible_depots

KINDS = ("keys", "access", "alarm", "patrol")
DEFAULT_DAYS = 7
LOOK_BACK = timedelta(days=31)  # how far back HQ's anomaly list reads
MAX_ENTRIES = 2000  # entries of one sheet


@dataclass(frozen=True)
class Anomaly:
    kind: str  # key_out_overnight | alarm_unanswered
    entry: RegisterEntry


def record_register(session: Session, submission: Submission, kind: str,
                    entries: tuple[dict, ...]) -> list[dict]:
    """The sheet's entries, replacing those of the sheet it edits. Returns problems."""
    if kind not in KINDS:
        return [{"field": "register", "problem": "not a register", "value": kind[:16]}]
    if submission.deprecated_id:
        earlier = session.scalar(select(Submission.id).where(
            Submission.instance_id == submission.deprecated_id))
        session.execute(delete(RegisterEntry).where(RegisterEntry.submission_id == earlier))
    problems = []
    for n, entry in enumerate(entries[:MAX_ENTRIES]):
        at, until = (parse_datetime(entry.get(k) or "") for k in ("at", "until"))
        if at is None:
            problems.append({"field": f"entries[{n}]", "problem": "no time"})
        session.add(RegisterEntry(
            depot_id=submission.depot_id, submission_id=submission.id, kind=kind, number=n,
            at=at, until=until, who=str(entry.get("who", ""))[:200],
            what=str(entry.get("what", ""))[:200], details=entry.get("details") or {}))
    if len(entries) > MAX_ENTRIES:
        problems.append({"field": "entries", "problem": f"over {MAX_ENTRIES} entries"})
    return problems


def kept_registers(session: Session, principal: Principal, *,
                   now: datetime) -> list[tuple[str, dict[str, bool]]]:
    """Per depot of the phone: which registers have entries in the country's last N days."""
    country = session.get(Country, principal.country_code)
    days = int((country.settings or {}).get("register_days", DEFAULT_DAYS)) if country \
        else DEFAULT_DAYS
    depots = visible_depots(session, principal)
    recent = set(session.execute(
        select(RegisterEntry.depot_id, RegisterEntry.kind).distinct()
        .where(RegisterEntry.depot_id.in_([d.id for d in depots]),
               RegisterEntry.at >= now - timedelta(days=days))).all())
    return [(d.code, {k: (d.id, k) in recent for k in KINDS}) for d in depots]


def register_anomalies(session: Session, principal: Principal, *,
                       now: datetime) -> list[Anomaly]:
    principal.require("review.read")
    entries = session.scalars(
        select(RegisterEntry).join(Depot, Depot.id == RegisterEntry.depot_id)
        .where(Depot.country_code == principal.country_code,
               principal.depot_clause(RegisterEntry.depot_id),
               RegisterEntry.kind.in_(("keys", "alarm")), RegisterEntry.at >= now - LOOK_BACK)
        .order_by(RegisterEntry.at.desc(), RegisterEntry.id))
    found = []
    for e in entries:
        if e.kind == "keys" and _overnight(e, now):
            found.append(Anomaly("key_out_overnight", e))
        elif e.kind == "alarm" and not (e.details.get("response") and e.until):
            found.append(Anomaly("alarm_unanswered", e))
    return found


def _overnight(entry: RegisterEntry, now: datetime) -> bool:
    """Out past the end of the day it was issued, in the depot's time."""
    zone = ZoneInfo(entry.depot.timezone or "UTC")
    issued = entry.at.astimezone(zone).date()
    back = (entry.until or now).astimezone(zone).date()
    return back > issued

"""Reconciliation of the register with what counts and marking checks saw, for HQ:
  - unmarked: weapons the state holds that carry no national marking;
  - unknown serials: serials a count (unknown_serial_found) or an F5 check saw that the
    register still does not know (checked again now: a later registration settles them);
  - marked but not registered: national markings an F5 check read, or a marking movement of
    the books applied, that no register entry carries now;
  - not seen: weapons kept in a depot that no count or check has seen in N months
    (the country's register.unseen_months, 12 by default).
Each list is capped at LIMIT rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.models import Country, Depot, Discrepancy, Finding, Movement, MovementLine, Weapon
from server.models.ledger import MovementType
from sync.access.principal import Principal
from sync.register.marking_checks import UNKNOWN, UNREGISTERED_MARK, unregistered_marks
from sync.stock.marking import PARTS, MarkingFormat, marking_format
from sync.stock.placement import HELD, IN_DEPOT
from sync.stock.serials import serial_key

LIMIT = 500
SERIAL_SAID = re.compile(r"Serial (.+?) \(")  # the F5 finding's text (marking_checks.py)
MARK_SAID = re.compile(r"National marking (.+?) \(serial (.*?)\) is on no register entry")


@dataclass(frozen=True)
class Unknown:
    serial: str
    depot: str
    source: str  # count | marking_check
    seen_at: datetime


@dataclass(frozen=True)
class Mark:
    marking: str
    serial: str
    depot: str
    source: str  # marking_check | marking (the books' movement)
    seen_at: datetime


@dataclass(frozen=True)
class Reconciliation:
    unmarked: list[Weapon]
    unknown: list[Unknown]
    not_seen: list[Weapon]
    months: int
    marked_unregistered: list[Mark] = field(default_factory=list)


def reconcile(session: Session, principal: Principal, *, months: int,
              now: datetime) -> Reconciliation:
    principal.require("register.alerts")
    country = principal.country_code
    mine = Weapon.country_code == country
    unmarked = list(session.scalars(select(Weapon).where(
        mine, Weapon.marking_key == "", Weapon.status.in_(sorted(HELD)))
        .order_by(Weapon.serial).limit(LIMIT)))
    since = now - timedelta(days=30 * months)
    not_seen = list(session.scalars(select(Weapon).where(
        mine, Weapon.status.in_(sorted(IN_DEPOT)),
        or_(Weapon.last_seen_at.is_(None), Weapon.last_seen_at < since))
        .order_by(Weapon.last_seen_at.is_not(None), Weapon.last_seen_at, Weapon.serial)
        .limit(LIMIT)))
    return Reconciliation(unmarked, _unknown(session, country), not_seen, months,
                          _marked_unregistered(session, country))


def _marked_unregistered(session: Session, country: str) -> list[Mark]:
    seen: list[Mark] = []
    for finding, code in session.execute(
            select(Finding, Depot.code).join(Depot, Depot.id == Finding.depot_id)
            .where(Depot.country_code == country, Finding.item == UNREGISTERED_MARK)
            .order_by(Finding.created_at.desc()).limit(LIMIT)):
        said = MARK_SAID.match(finding.text)
        if said:
            seen.append(Mark(said[1], said[2], code, "marking_check", finding.created_at))
    fmt = marking_format(session.get(Country, country))
    for line, serial, code, at in session.execute(
            select(MovementLine.details, Weapon.serial, Depot.code, Movement.occurred_at)
            .join(Movement, Movement.id == MovementLine.movement_id)
            .join(Depot, Depot.id == Movement.depot_id)
            .join(Weapon, Weapon.id == MovementLine.weapon_id)
            .where(Depot.country_code == country, Movement.type == MovementType.MARKING)
            .order_by(Movement.occurred_at.desc()).limit(LIMIT)):
        text = _applied(line, fmt)
        if text:
            seen.append(Mark(text, serial, code, "marking", at))
    unregistered = unregistered_marks(session, country, [m.marking for m in seen])
    return [m for m in seen if m.marking in unregistered][:LIMIT]


def _applied(details: dict | None, fmt: MarkingFormat) -> str:
    """The marking a movement line applied, as engraved (vouchers first wrote a date)."""
    given = (details or {}).get("marking")
    if not isinstance(given, dict):
        return ""
    year = str(given.get("year") or given.get("date") or "")[:4]
    parts = {**{k: str(given.get(k) or "") for k in PARTS}, "year": year[-fmt.year_digits:]}
    return fmt.separator.join(parts[p] for p in fmt.order)


def _unknown(session: Session, country: str) -> list[Unknown]:
    seen: list[Unknown] = []
    for found, code in session.execute(
            select(Discrepancy, Depot.code).join(Depot, Depot.id == Discrepancy.depot_id)
            .where(Depot.country_code == country, Discrepancy.kind == "unknown_serial_found")
            .order_by(Discrepancy.opened_at.desc()).limit(LIMIT)):
        seen += [Unknown(s, code, "count", found.opened_at)
                 for s in (found.details or {}).get("serials", []) if isinstance(s, str)]
    for finding, code in session.execute(
            select(Finding, Depot.code).join(Depot, Depot.id == Finding.depot_id)
            .where(Depot.country_code == country, Finding.item == UNKNOWN)
            .order_by(Finding.created_at.desc()).limit(LIMIT)):
        said = SERIAL_SAID.match(finding.text)
        seen.append(Unknown(said[1] if said else "", code, "marking_check",
                            finding.created_at))
    keys = {serial_key(u.serial) for u in seen if u.serial}
    known = set(session.scalars(select(Weapon.serial_key).where(
        Weapon.country_code == country, Weapon.serial_key.in_(sorted(keys))))) if keys else set()
    return [u for u in seen if u.serial and serial_key(u.serial) not in known][:LIMIT]

"""Sightings of weapons: serials read in one place (a count, a marking check, a registration,
a search, a found movement, an opening balance) dated on the register, and a weapon closed as
lost or stolen (the books' loss and theft movements) that turns up raising an alert to HQ of
its country, once per sighting. Here in the books' layer so that the ledger and the import
raise them too; sync/register/alerts.py lists and closes them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Weapon, WeaponAlert
from server.models.inventory import WeaponStatus as WS
from sync.journal.trail import Actor, record_audit
from sync.stock.serials import serial_key

FLAGGED = (WS.LOST, WS.STOLEN)


@dataclass(frozen=True)
class Seen:
    known: dict[str, Weapon]  # serial as read -> the register's weapon
    unknown: list[str]  # serials the register does not know
    alerts: list[WeaponAlert]


def note_seen(session: Session, *, country_code: str, depot_id: int | None,
              serials: Iterable[str], source: str, reference: str, user_id: int | None,
              now: datetime, dates_sighting: bool = True) -> Seen:
    """Serials read in one place (a count, a form, a register entry): which the register
    knows, which it does not, and the alerts the lost and stolen among them raise."""
    read = {s.strip(): serial_key(s) for s in serials if s and serial_key(s)}
    if not read:
        return Seen({}, [], [])
    by_key: dict[str, list[Weapon]] = {}
    for weapon in session.scalars(select(Weapon).where(
            Weapon.country_code == country_code,
            Weapon.serial_key.in_(sorted(set(read.values()))))):
        by_key.setdefault(weapon.serial_key, []).append(weapon)
    known, unknown, alerts = {}, [], []
    for text, key in read.items():
        weapons = by_key.get(key)
        if not weapons:
            unknown.append(text)
            continue
        known[text] = weapons[0]
        for weapon in weapons:
            if dates_sighting:
                weapon.last_seen_at = now
            if weapon.status in FLAGGED:
                alerts.append(_raise(session, weapon, text, source=source, depot_id=depot_id,
                                     reference=reference, user_id=user_id, now=now))
    return Seen(known, sorted(unknown), [a for a in alerts if a is not None])


def _raise(session: Session, weapon: Weapon, seen_as: str, *, source: str,
           depot_id: int | None, reference: str, user_id: int | None,
           now: datetime) -> WeaponAlert | None:
    if reference and session.scalar(select(WeaponAlert.id).where(
            WeaponAlert.weapon_id == weapon.id, WeaponAlert.reference == reference[:64])):
        return None  # the same sighting again (a replayed count)
    alert = WeaponAlert(country_code=weapon.country_code, weapon_id=weapon.id, source=source,
                        depot_id=depot_id, seen_as=seen_as[:64], reference=reference[:64],
                        user_id=user_id, raised_at=now, status="open")
    session.add(alert)
    session.flush()
    record_audit(session, Actor(user_id=user_id), "register.alert", now=now, entity="weapon",
                 entity_id=weapon.id, country_code=weapon.country_code, depot_id=depot_id,
                 details={"source": source, "status": weapon.status.value,
                          "alert": alert.id})
    return alert


def note_weapons(session: Session, depot_id: int, country_code: str, weapon_ids: Iterable[str],
                 *, source: str, reference: str, user_id: int | None, now: datetime) -> Seen:
    """Weapons a movement or an import names, seen at a depot: read before the movement
    changes their status, so that a lost or stolen one reported found raises its alert."""
    ids = sorted({i for i in weapon_ids if i})
    serials = session.scalars(select(Weapon.serial).where(Weapon.id.in_(ids))) if ids else ()
    return note_seen(session, country_code=country_code, depot_id=depot_id, serials=serials,
                     source=source, reference=reference, user_id=user_id, now=now)

"""Lost and stolen weapons seen again: HQ lists and closes the alerts that sightings raise
(sync/stock/sightings.py: any later count, marking check, registration, search, found
movement or opening balance that names the serial of a weapon closed as lost or stolen).
Every sighting also dates the weapon's last_seen_at (the reconciliation lists use it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict, NotFound
from server.models import WeaponAlert
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit
from sync.stock.sightings import FLAGGED, Seen, note_seen  # noqa: F401  (read from here)


def list_alerts(session: Session, principal: Principal, *, status: str | None = "open",
                limit: int = 200) -> list[WeaponAlert]:
    """The country's alerts, newest first (HQ roles: alerts name weapons in any depot)."""
    principal.require("register.alerts")
    query = select(WeaponAlert).where(WeaponAlert.country_code == principal.country_code)
    if status:
        query = query.where(WeaponAlert.status == status)
    return list(session.scalars(query.order_by(WeaponAlert.raised_at.desc(),
                                               WeaponAlert.id.desc()).limit(limit)))


def close_alert(session: Session, principal: Principal, alert_id: int, *, note: str,
                now: datetime) -> WeaponAlert:
    principal.require("register.alerts")
    alert = session.get(WeaponAlert, alert_id)
    if alert is None or alert.country_code != principal.country_code:
        raise NotFound("No such alert.", alert_id=alert_id)
    if alert.status != "open":
        raise Conflict("This alert is already closed.", alert_id=alert_id)
    alert.status, alert.closed_by, alert.closed_at = "closed", principal.user_id, now
    alert.note = (note or "").strip()[:2000]
    record_audit(session, Actor.of(principal),
                 "register.alert_close", now=now, entity="weapon", entity_id=alert.weapon_id,
                 country_code=alert.country_code, depot_id=alert.depot_id,
                 details={"alert": alert.id})
    return alert

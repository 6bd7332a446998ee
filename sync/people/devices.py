"""Phones as the HQ pages manage them: whose devices a person sees, enrolment for someone
they manage (the token is shown once), revocation, when each was last seen and what its last
sync brought. Who manages whom is decided in access.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from server.models import AppliedOp, Device, User
from sync.access.principal import Principal
from sync.access.scope import get_device, get_user, manages_user
from sync.journal.trail import Actor
from sync.people.accounts import Enrolment, enroll_device, revoke_device


def managed_users(session: Session, principal: Principal) -> list[User]:
    """The people this principal may enrol phones for (themselves included when allowed)."""
    if not principal.can("devices.manage"):
        return []
    users = session.scalars(select(User).where(User.country_code == principal.country_code,
                                               User.active.is_(True))
                            .order_by(User.username))
    return [u for u in users if manages_user(principal, u)]


def list_devices(session: Session, principal: Principal) -> list[Device]:
    """One's own phones and those of the people one manages; live ones first."""
    principal.require("devices.own")
    owners = {u.id for u in managed_users(session, principal)} | {principal.user_id}
    return list(session.scalars(select(Device).where(Device.user_id.in_(sorted(owners)))
                                .order_by(Device.revoked_at.is_not(None),
                                          Device.created_at.desc(), Device.id)))


def enrol_device(session: Session, principal: Principal, user_id: int, *, name: str,
                 now: datetime) -> Enrolment:
    user = get_user(session, principal, user_id)
    return enroll_device(session, user, name=name.strip()[:100],
                         actor=Actor.of(principal), now=now)


def revoke(session: Session, principal: Principal, device_id: str, *, now: datetime) -> Device:
    device = get_device(session, principal, device_id)
    return revoke_device(session, device.id, actor=Actor.of(principal), now=now)


def mark_seen(session: Session, device: Device, *, now: datetime, every: timedelta) -> bool:
    """Note that an authenticated device called now, unless that was noted within `every`:
    no statement at all on most requests, a write at most once per `every` per device."""
    if device.last_seen_at is not None and device.last_seen_at >= now - every:
        return False
    changed = session.execute(  # the same test again: two workers do not both write
        update(Device).where(Device.id == device.id,
                             or_(Device.last_seen_at.is_(None),
                                 Device.last_seen_at < now - every))
        .values(last_seen_at=now).execution_options(synchronize_session=False))
    return bool(changed.rowcount)


@dataclass(frozen=True)
class LastSync:
    """A device's most recent batch of ops: when, and how many ended in each status."""

    at: datetime | None = None
    statuses: dict[str, int] = field(default_factory=dict)


def last_syncs(session: Session, device_ids: list[str]) -> dict[str, LastSync]:
    latest = dict(session.execute(
        select(AppliedOp.device_id, func.max(AppliedOp.id))
        .where(AppliedOp.device_id.in_(device_ids)).group_by(AppliedOp.device_id)).all())
    out: dict[str, LastSync] = {}
    for device_id, op_id in latest.items():
        last = session.get(AppliedOp, op_id)
        rows = session.execute(select(AppliedOp.status, AppliedOp.applied_at).where(
            AppliedOp.device_id == device_id, AppliedOp.batch_id == last.batch_id)).all()
        out[device_id] = LastSync(max(at for _s, at in rows),
                                  dict(sorted(Counter(s for s, _at in rows).items())))
    return out


def silent(devices: list[Device], *, now: datetime, days: int) -> list[Device]:
    """Live phones not seen for `days` (or never): the ones to chase."""
    cutoff = now - timedelta(days=days)
    return [d for d in devices if d.revoked_at is None
            and (d.last_seen_at or d.created_at) < cutoff]


@dataclass(frozen=True)
class Overview:
    devices: list[Device]
    syncs: dict[str, LastSync]
    silent: list[Device]
    silent_days: int


def device_overview(session: Session, principal: Principal, *, now: datetime,
                    silent_days: int) -> Overview:
    """The devices page: the phones one sees, their last sync, and those gone silent."""
    found = list_devices(session, principal)
    return Overview(found, last_syncs(session, [d.id for d in found]),
                    silent(found, now=now, days=silent_days), silent_days)

"""Phones as the HQ pages manage them: whose devices a person sees, enrolment for someone
they manage (the token is shown once), revocation. Who manages whom is decided in access.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Device, User
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
                         actor=Actor(user_id=principal.user_id), now=now)


def revoke(session: Session, principal: Principal, device_id: str, *, now: datetime) -> Device:
    device = get_device(session, principal, device_id)
    return revoke_device(session, device.id, actor=Actor(user_id=principal.user_id), now=now)

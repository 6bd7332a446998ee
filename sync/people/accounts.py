"""Users and devices: create users, enrol devices with a one-time token, revoke them."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from server.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from server.models import BODY_ROLES, Body, BodyKind, Country, Depot, Device, Role, User
from sync.journal.trail import Actor, record_audit


class TokenRevoked(Unauthenticated):
    code = "auth.token_revoked"


class TokenInvalid(Unauthenticated):
    code = "auth.token_invalid"


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    token: str  # shown once, never stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_body(session: Session, code: str, name: str, *, kind: str, actor: Actor,
                now: datetime) -> Body:
    """A regional body or a programme partner: an organisation that belongs to no country."""
    try:
        kind = BodyKind(kind)
    except ValueError:
        raise InvalidInput(f"Unknown kind {kind!r}.", kinds=[k.value for k in BodyKind]) from None
    code = code.strip().upper()
    if not code or not name.strip():
        raise InvalidInput("A body needs a code and a name.")
    if session.scalar(select(Body.id).where(Body.code == code)) is not None:
        raise Conflict(f"Body {code!r} already exists.", body=code)
    body = Body(code=code, name=name.strip(), kind=kind, created_at=now)
    session.add(body)
    session.flush()
    record_audit(session, actor, "body.create", now=now, entity="body", entity_id=str(body.id),
                 details={"code": code, "name": body.name, "kind": kind.value})
    return body


def create_user(session: Session, username: str, *, role: str, country_code: str | None = None,
                body_code: str | None = None, depot_codes: Sequence[str] = (),
                password: str | None = None, full_name: str = "", language: str = "en",
                actor: Actor, now: datetime) -> User:
    """A country's staff (a country, and depots for those who work in depots) or a body's
    (regional, partner: a body and nothing else)."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"Unknown role {role!r}.", roles=[r.value for r in Role]) from None
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"User {username!r} already exists.", username=username)
    if role in BODY_ROLES:
        country, depots, body = None, [], _body_for(session, role, body_code, country_code,
                                                    depot_codes)
    else:
        if body_code:
            raise InvalidInput(f"A {role.value} belongs to a country, not a body.")
        country = session.get(Country, (country_code or "").upper())
        if country is None:
            raise InvalidInput(f"Unknown country {country_code!r}.", country=country_code)
        depots, body = _depots(session, country.code, depot_codes), None
    if role is Role.INSPECTOR and not depots:
        raise InvalidInput("An inspector needs at least one depot to inspect (--depot).")
    user = User(username=username, role=role, country_code=country.code if country else None,
                body_id=body.id if body else None, full_name=full_name, language=language,
                depots=depots, created_at=now,
                password_hash=generate_password_hash(password) if password else None)
    session.add(user)
    session.flush()
    record_audit(session, actor, "user.create", now=now, entity="user", entity_id=str(user.id),
                 country_code=user.country_code,
                 details={"username": username, "role": role.value,
                          "depots": [d.code for d in depots],
                          **({"body": body.code} if body else {})})
    return user


def _body_for(session: Session, role: Role, body_code: str | None, country_code: str | None,
              depot_codes: Sequence[str]) -> Body:
    if country_code or depot_codes:
        raise InvalidInput(f"A {role.value} user belongs to a body, not to a country or a depot.")
    body = session.scalar(select(Body).where(Body.code == (body_code or "").strip().upper()))
    if body is None:
        raise InvalidInput(f"Unknown body {body_code!r} (--body).", body=body_code)
    if body.kind.value != role.value:
        raise InvalidInput(f"A {role.value} user needs a {role.value} body; {body.code} is "
                           f"a {body.kind.value} body.", body=body.code)
    return body


def _depots(session: Session, country_code: str, depot_codes: Sequence[str]) -> list[Depot]:
    depots = []
    for code in depot_codes:
        depot = session.scalar(select(Depot).where(Depot.country_code == country_code,
                                                   Depot.code == code.upper()))
        if depot is None:
            raise InvalidInput(f"No depot {code!r} in {country_code}.", depot=code)
        depots.append(depot)
    return depots


@functools.cache
def _unknown_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def check_password(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.password_hash:
        check_password_hash(_unknown_hash(), password)  # one hash check either way
        return None
    return user if check_password_hash(user.password_hash, password) else None


def enroll_device(session: Session, user: User, *, name: str = "", actor: Actor,
                  now: datetime) -> Enrolment:
    # a regional body's officer gets a token for its tools (tracing requests over the API);
    # a programme partner's user has only pages
    if user.country_code is None and Role(user.role) is not Role.REGIONAL:
        raise InvalidInput("Phones are for a country's depot staff, and API tokens for a "
                           "regional body's officers.", user=user.username)
    token = secrets.token_urlsafe(32)
    device = Device(user_id=user.id, name=name or f"{user.username}'s phone",
                    token_hash=hash_token(token), created_at=now)
    session.add(device)
    session.flush()
    record_audit(session, actor, "device.enroll", now=now, entity="device", entity_id=device.id,
                 country_code=user.country_code, details={"user": user.username, "name": name})
    return Enrolment(device_id=device.id, token=token)


def revoke_device(session: Session, device_id: str, *, actor: Actor, now: datetime) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"No device {device_id!r}.", device_id=device_id)
    if device.revoked_at is None:
        device.revoked_at = now
        record_audit(session, actor, "device.revoke", now=now, entity="device",
                     entity_id=device.id, country_code=device.user.country_code)
    return device


def authenticate_device(session: Session, token: str) -> Device:
    """The device a bearer token belongs to; 401 when unknown, revoked or its user disabled."""
    if not token:
        raise TokenInvalid("A device token is required.")
    digest = hash_token(token)
    device = session.scalar(select(Device).where(Device.token_hash == digest).options(
        joinedload(Device.user).joinedload(User.depots)))  # the principal's scope: one statement
    if device is None or not hmac.compare_digest(device.token_hash, digest):
        raise TokenInvalid("Unknown device token.")
    if device.revoked_at is not None or not device.user.active:
        raise TokenRevoked("This device has been revoked.")
    return device

"""People at the HQ pages: password logins under a rate limit kept in the database (so it
holds across every worker and machine), and the language each person reads in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.errors import InvalidInput
from server.models import LoginAttempt, User
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit
from sync.people.accounts import check_password

LANGUAGES = ("en", "fr", "ar")
# written right to left; the pages mirror for them
RTL = frozenset({"ar"})
KEEP_ATTEMPTS = timedelta(days=1)


@dataclass(frozen=True)
class LoginLimits:
    """Failed attempts allowed in `window`: per username (a success starts it afresh) and
    per client address (successes do not: one known account must not unlock guessing)."""

    per_user: int = 5
    per_ip: int = 30
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    blocked: bool = False


def attempt_login(session: Session, username: str, password: str, *, ip: str, now: datetime,
                  limits: LoginLimits) -> LoginResult:
    """Check a password unless the username or address is over its limit. The attempt is
    recorded either way except when blocked (the caller commits even on failure)."""
    username, ip = username.strip()[:64], ip[:64]
    if _over_limit(session, username, ip, now, limits):
        return LoginResult(None, blocked=True)
    user = check_password(session, username, password)
    session.add(LoginAttempt(at=now, username=username, ip=ip, success=user is not None))
    session.execute(delete(LoginAttempt).where(
        LoginAttempt.at < now - max(KEEP_ATTEMPTS, limits.window)))
    if user is not None:
        record_audit(session, Actor(user_id=user.id), "user.login", now=now, entity="user",
                     entity_id=str(user.id), country_code=user.country_code,
                     details={"ip": ip})
    return LoginResult(user)


def _over_limit(session: Session, username: str, ip: str, now: datetime,
                limits: LoginLimits) -> bool:
    since = now - limits.window
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(True)))
    user_since = max(since, last_success) if last_success is not None else since
    failures = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.success.is_(False))
    by_user = session.scalar(failures.where(LoginAttempt.username == username,
                                            LoginAttempt.at > user_since))
    if by_user >= limits.per_user:
        return True
    return session.scalar(failures.where(LoginAttempt.ip == ip,
                                         LoginAttempt.at > since)) >= limits.per_ip


def end_sessions(session: Session, user: User, *, now: datetime) -> None:
    """Logout: every HQ session of the user ends, on the server, not only in this browser."""
    user.session_epoch += 1
    record_audit(session, Actor(user_id=user.id), "user.logout", now=now, entity="user",
                 entity_id=str(user.id), country_code=user.country_code)


def display_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """Each user's full name (else username), for the people a page mentions, in one query."""
    wanted = sorted(i for i in ids if i is not None)
    return {uid: full or username for uid, username, full in session.execute(
        select(User.id, User.username, User.full_name).where(User.id.in_(wanted)))}


def set_language(session: Session, principal: Principal, language: str, *,
                 now: datetime) -> User:
    if language not in LANGUAGES:
        raise InvalidInput("The language is en, fr or ar.", language=language)
    user = session.get(User, principal.user_id)
    if user.language != language:
        user.language = language
        record_audit(session, Actor(user_id=user.id), "user.language", now=now, entity="user",
                     entity_id=str(user.id), country_code=user.country_code,
                     details={"language": language})
    return user

"""Restricted data (serial lists, depot coordinates): who may see it, how it looks to those who
may not, and the audit of every read, kept like a write so a country can see who looked at what
(domain.md, "Security and access")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit

SERIALS = "serials"


def record_restricted_read(session: Session, principal: Principal, *, entity: str,
                           entity_id: str, depot_id: int | None, fields: Sequence[str],
                           now: datetime) -> None:
    record_audit(session, Actor.of(principal),
                 "restricted.read", now=now, entity=entity, entity_id=entity_id,
                 country_code=principal.country_code, depot_id=depot_id,
                 details={"fields": sorted(fields)})


def serials_shown(session: Session, principal: Principal, *, entity: str, entity_id: str,
                  depot_id: int | None, present: bool, now: datetime) -> bool:
    """Whether the principal's role may see serial lists; when it may and the page holds
    some (present), the read is audited."""
    allowed = principal.can("restricted.read")
    if allowed and present:
        record_restricted_read(session, principal, entity=entity, entity_id=entity_id,
                               depot_id=depot_id, fields=[SERIALS], now=now)
    return allowed


def redact_serials(details: Mapping[str, Any], allowed: bool) -> dict[str, Any]:
    """Details as a reader sees them: a serial list becomes how many serials it holds,
    unless the reader may see serial lists."""
    if allowed:
        return dict(details)
    return {k: (len(v) if k == SERIALS and isinstance(v, list) else v)
            for k, v in details.items()}

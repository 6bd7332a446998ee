"""Reads of restricted data (serial lists, depot coordinates) are audited like writes, so a
country can see who looked at what (domain.md, "Security and access")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit


def record_restricted_read(session: Session, principal: Principal, *, entity: str,
                           entity_id: str, depot_id: int | None, fields: Sequence[str],
                           now: datetime) -> None:
    record_audit(session, Actor(user_id=principal.user_id, device_id=principal.device_id),
                 "restricted.read", now=now, entity=entity, entity_id=entity_id,
                 country_code=principal.country_code, depot_id=depot_id,
                 details={"fields": sorted(fields)})

"""Whose instance ID it is: a submission is stored under the phone's instance ID unless a
submission the sender may not read already holds it; then under a key of the sender's own,
so no answer tells a phone that an ID exists in another country or depot."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import OpIncident, Submission
from sync.access.principal import Principal


def instance_key(session: Session, principal: Principal, instance_id: str) -> str:
    """The key a phone's submission is stored under: its instance ID, unless a submission the
    sender may not read holds that ID (another country's, another depot's): then a key of
    the sender's own, so that neither the answer nor anything after it (a retry, a status
    read, an edit, its photos) tells the phone the ID exists elsewhere or touches that
    submission. The doors answer with the phone's instance ID."""
    found = session.scalar(select(Submission).where(Submission.instance_id == instance_id))
    if found is None or readable(principal, found):
        return instance_id
    return _own_key(principal, instance_id)


def stored_under(session: Session, principal: Principal,
                 instance_id: str) -> tuple[str, Submission | None]:
    """instance_key, and the submission already stored under that key: one query unless
    the ID is held in another scope."""
    found = session.scalar(select(Submission).where(Submission.instance_id == instance_id))
    if found is None or readable(principal, found):
        return instance_id, found
    key = _own_key(principal, instance_id)
    return key, session.scalar(select(Submission).where(Submission.instance_id == key))


def _own_key(principal: Principal, instance_id: str) -> str:
    owner = principal.device_id or f"user:{principal.user_id}"
    digest = hashlib.sha256(f"{owner}\0{instance_id}".encode()).hexdigest()
    return f"elsewhere:{digest[:40]}"


def note_elsewhere(session: Session, principal: Principal, instance_id: str,
                   now: datetime) -> None:
    """For reviewers (never the phone): an instance ID taken in another scope came again."""
    if session.scalar(select(OpIncident.id).where(
            OpIncident.device_id == principal.device_id, OpIncident.op_id == instance_id[:64],
            OpIncident.kind == "instance_id_elsewhere")) is None:
        session.add(OpIncident(device_id=principal.device_id, op_id=instance_id[:64],
                               kind="instance_id_elsewhere", at=now, payload={},
                               reason="An instance ID held by a submission of another "
                                      "scope; stored under the sender's own key."))


def readable(principal: Principal, found: Submission) -> bool:
    """It came from this device or user, or its depot's scope covers it."""
    if ((found.device_id is not None and found.device_id == principal.device_id)
            or (found.user_id is not None and found.user_id == principal.user_id)):
        return True
    return found.depot is not None and principal.sees_depot(found.depot_id,
                                                            found.depot.country_code)

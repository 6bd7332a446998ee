"""F6 answers: an inspector's proposal of a lot's condition or of its suspension becomes a
safety review item for HQ (sync/stock/safety_items.py), never a change of the books."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.errors import AppError
from server.models import Depot, Submission
from sync.access.principal import Principal
from sync.stock.safety_items import propose

YES = ("yes", "true", "1")


def record_proposals(session: Session, principal: Principal, submission: Submission,
                     depot: Depot, proposals: Sequence[dict[str, Any]], *,
                     now: datetime) -> list[dict]:
    """Each proposal in its own savepoint; one naming no lot of the depot is a problem of
    the submission, not a refusal of it."""
    problems = []
    for n, p in enumerate(proposals):
        suspend = p.get("suspend") is True or str(p.get("suspend")).lower() in YES
        try:
            with session.begin_nested():
                propose(session, principal, depot, lot_ref=str(p.get("lot") or ""),
                        condition=str(p.get("condition") or "") or None, suspend=suspend,
                        reason=str(p.get("reason") or ""),
                        crate_label=str(p.get("crate") or ""), submission_id=submission.id,
                        now=now)
        except AppError as exc:
            problems.append({"field": f"proposals[{n}]", "problem": exc.message,
                             "code": exc.code})
    return problems

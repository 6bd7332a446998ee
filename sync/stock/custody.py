"""Custody edits phones make by patch (location, seal, condition, category, status): what
the book allows, and their record. A crate is emptied or retired only at zero stock; the
condition or stock category of stock is changed by an approved condition-change voucher, not
by a patch. Every applied edit is audited with its before and after values and its author,
so it stays in the crate's history when `sync compact` drops old change-log rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.errors import AppError
from server.models import Crate
from server.models.inventory import CrateStatus
from sync.journal.trail import Actor, record_audit

CLOSING = {CrateStatus.EMPTIED.value, CrateStatus.RETIRED.value}
BY_VOUCHER = ("condition", "category")


class CustodyRefused(AppError):
    status, code = 409, "stock.custody_refused"


def holds_stock(crate: Crate) -> bool:
    return crate.quantity > 0 or bool(crate.weapons)


def check_custody(crate: Crate, values: dict[str, Any], current: dict[str, Any]) -> None:
    """Refuse, before anything is written, a patch the book does not allow."""
    if values.get("status") in CLOSING and holds_stock(crate):
        raise CustodyRefused(f"Crate {crate.label_id} still holds stock on the books; it is "
                             "emptied or retired only at zero.", label_id=crate.label_id)
    changed = [f for f in BY_VOUCHER if f in values and values[f] != current.get(f)]
    if changed and holds_stock(crate):
        raise CustodyRefused(f"The {' and '.join(changed)} of stock changes by an approved "
                             "condition-change voucher, not by a patch.", fields=changed)


def record_custody_edit(session: Session, crate: Crate, before: dict[str, Any],
                        after: dict[str, Any], *, actor: Actor, now: datetime) -> None:
    record_audit(session, actor, "crate.custody", now=now, entity="crate", entity_id=crate.id,
                 country_code=crate.depot.country_code, depot_id=crate.depot_id,
                 details={"before": {f: before.get(f) for f in after}, "after": after,
                          "version": crate.version})

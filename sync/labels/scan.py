"""What a scanned or typed label is: a crate, a blank of a depot, a retired label (and what
replaced it), a stack sign; or why not: not a label, a misread check character, a forged
signature, or nothing this reader may see. Read-only; takes a session and plain values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import Crate, Depot, Label, LabelStatus, Location, StorageBuilding
from sync.labels.ids import CheckCharacterError, LabelFormatError, Signature, read_scan
from sync.labels.registry import BadCheck, ForgedLabel, NotALabel
from sync.labels.sheets import read_sign

log = logging.getLogger(__name__)


class Reader(Protocol):
    """Who is scanning (a sync.access Principal): scope and permissions are decided there."""

    def sees_depot(self, depot_id: int, country_code: str) -> bool: ...

    def require(self, permission: str) -> None: ...


@dataclass(frozen=True)
class Lookup:
    """The answer to a scan: status is crate, unassigned, retired or location."""

    status: str
    depot: Depot
    label_id: str | None = None
    signature: str | None = None
    crate: Crate | None = None
    label: Label | None = None
    replaced_by: str | None = None
    location: Location | None = None


def look_up_label(session: Session, value: str, *, key: bytes, reader: Reader) -> Lookup:
    """What a scanned or typed value is, in the order that leaks nothing: a malformed value or
    a wrong check character is a fact about the text alone; then anything outside the reader's
    scope (another country, another depot, or nothing at all) is the same 404; only then is a
    wrong signature reported as forged, and the label's state given."""
    if "/" in (value or ""):
        return _look_up_sign(session, value, reader)
    try:
        scan = read_scan(value, key)
    except CheckCharacterError as exc:
        raise BadCheck(str(exc)) from None
    except LabelFormatError as exc:
        raise NotALabel(str(exc)) from None
    label_id = scan.label_id
    unknown = NotFound(f"No label {label_id}.", label_id=label_id)
    label = session.get(Label, label_id)
    crate = session.scalar(select(Crate).where(Crate.label_id == label_id))
    if crate is None and label is not None and label.crate_id is not None:
        crate = label.crate  # a label that was replaced: the crate carries another now
    if crate is not None and crate.deleted_at is not None:
        raise unknown
    depot = crate.depot if crate else label.depot if label else session.scalar(
        select(Depot).where(Depot.country_code == scan.label.country,
                            Depot.code == scan.label.depot))
    if depot is None or not reader.sees_depot(depot.id, depot.country_code):
        raise unknown
    reader.require("inventory.read")
    if scan.signature is Signature.INVALID:
        log.warning("forged label %s scanned (depot %s-%s)", label_id, depot.country_code,
                    depot.code)
        raise ForgedLabel(f"Label {label_id} was not printed by this server: its signature "
                          "does not match. Treat the crate as suspect.", label_id=label_id)
    answer = {"depot": depot, "label_id": label_id, "signature": scan.signature.value,
              "crate": crate, "label": label}
    if label is not None and label.status is LabelStatus.RETIRED:
        replaced_by = session.scalar(select(Label.label_id).where(Label.replaces == label_id))
        return Lookup("retired", replaced_by=replaced_by, **answer)
    if crate is not None:
        return Lookup("crate", **answer)
    if label is None:
        raise unknown
    return Lookup("unassigned", **answer)


def _look_up_sign(session: Session, value: str, reader: Reader) -> Lookup:
    place = read_sign(value) if len(value) <= 100 else None
    if place is None:
        raise NotALabel("Not a label ID or a stack sign.")
    country, depot_code, building, stack = place
    location = session.scalar(
        select(Location).join(StorageBuilding).join(Depot, StorageBuilding.depot_id == Depot.id)
        .where(Depot.country_code == country, Depot.code == depot_code,
               StorageBuilding.code == building, Location.code == stack))
    depot = location.building.depot if location is not None else None
    if depot is None or not reader.sees_depot(depot.id, depot.country_code):
        raise NotFound("No such place.", building=building, stack=stack)
    reader.require("inventory.read")
    return Lookup("location", depot=depot, location=location)

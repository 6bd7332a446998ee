"""A crate as phones see it: the wire state used by merge, push answers and pull."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import InvalidInput
from server.models import Crate, Location, StorageBuilding
from server.models.inventory import Condition, CrateStatus, StockCategory


def location_code(location: Location | None) -> str | None:
    return f"{location.building.code}/{location.code}" if location is not None else None


def crate_state(crate: Crate) -> dict[str, Any]:
    """The fields a phone holds for a crate (what pull sends and merge compares)."""
    return {
        "id": crate.id, "label_id": crate.label_id, "depot": crate.depot.code,
        "kind": crate.kind.value, "status": crate.status.value,
        "category": crate.category.value,
        "condition": crate.condition.value if crate.condition else None,
        "location": location_code(crate.location), "seal_number": crate.seal_number,
        "lot": crate.lot_id, "quantity": crate.quantity, "notes": crate.notes,
        "tags": list(crate.tags or []), "version": crate.version,
    }


def resolve_location(session: Session, depot_id: int, code: str | None) -> Location | None:
    """"B1/A2" (building/stack) of this depot, or None for no location."""
    if code in (None, ""):
        return None
    building, _, stack = str(code).partition("/")
    location = session.scalar(select(Location).join(StorageBuilding).where(
        StorageBuilding.depot_id == depot_id, StorageBuilding.code == building,
        Location.code == stack))
    if location is None:
        raise InvalidInput(f"No location {code!r} in this depot.", location=code)
    return location


def write_fields(session: Session, crate: Crate, values: dict[str, Any]) -> None:
    """Write merged wire values onto the crate (custody, lifecycle, notes, tags only)."""
    for name, value in values.items():
        if name == "location":
            crate.location = resolve_location(session, crate.depot_id, value)
        elif name == "status":
            crate.status = CrateStatus(value)
        elif name == "category":
            crate.category = StockCategory(value)
        elif name == "condition":
            crate.condition = Condition(value) if value else None
        elif name in ("seal_number", "notes", "tags"):
            setattr(crate, name, value)
        else:
            raise InvalidInput(f"{name} cannot be changed this way.", field=name)


def check_values(values: dict[str, Any]) -> None:
    """Refuse values that are not of the field's type before anything is merged."""
    enums = {"status": CrateStatus, "category": StockCategory, "condition": Condition}
    for name, value in values.items():
        if name in enums and value is not None:
            try:
                enums[name](value)
            except ValueError:
                raise InvalidInput(f"{value!r} is not a valid {name}.", field=name,
                                   allowed=[e.value for e in enums[name]]) from None
        if name == "tags" and not (isinstance(value, list)
                                   and all(isinstance(t, str) and len(t) <= 64 for t in value)):
            raise InvalidInput("tags is a list of short strings.", field=name)
        if name in ("seal_number", "location") and value is not None and (
                not isinstance(value, str) or len(value) > 64):
            raise InvalidInput(f"{name} is a short string.", field=name)
        if name == "notes" and (not isinstance(value, str) or len(value) > 10_000):
            raise InvalidInput("notes is a string of at most 10,000 characters.", field=name)

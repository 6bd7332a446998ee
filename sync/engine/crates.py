"""A crate as phones see it: the wire state used by merge, push answers and pull."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from server.errors import InvalidInput
from server.models import AmmoLot, Crate, Depot, Location, StorageBuilding
from server.models.inventory import Condition, CrateStatus, StockCategory
from sync.engine.merge import NOTES_MAX, keep_recent
from sync.stock.rows import READ, CrateRow, set_loaded


def location_code(location: Location | None) -> str | None:
    return f"{location.building.code}/{location.code}" if location is not None else None


def crate_state(crate: Crate) -> dict[str, Any]:
    """The fields a phone holds for a crate (what pull sends and merge compares)."""
    return _state(crate.id, crate.label_id, crate.depot.code, crate.kind, crate.status,
                  crate.category, crate.condition, location_code(crate.location),
                  crate.seal_number, crate.lot_id, crate.quantity, crate.notes, crate.tags,
                  crate.version)


def _state(id, label_id, depot, kind, status, category, condition, location, seal_number,
           lot, quantity, notes, tags, version) -> dict[str, Any]:
    return {
        "id": id, "label_id": label_id, "depot": depot, "kind": kind.value,
        "status": status.value, "category": category.value,
        "condition": condition.value if condition else None, "location": location,
        "seal_number": seal_number, "lot": lot, "quantity": quantity, "notes": notes,
        "tags": list(tags or []), "version": version,
    }


def state_rows(session: Session, *where, order_by=Crate.id, limit: int | None = None):
    """(state, deleted, kind) of crates straight from one joined query, no ORM objects:
    the same state as crate_state(), at the speed a 10,000-crate pull needs."""
    query = (select(Crate.id, Crate.label_id, Depot.code, Crate.kind, Crate.status,
                    Crate.category, Crate.condition,
                    (StorageBuilding.code + "/" + Location.code), Crate.seal_number,
                    Crate.lot_id, Crate.quantity, Crate.notes, Crate.tags, Crate.version,
                    Crate.deleted_at)
             .join(Depot, Depot.id == Crate.depot_id)
             .outerjoin(Location, Location.id == Crate.location_id)
             .outerjoin(StorageBuilding, StorageBuilding.id == Location.building_id)
             .where(*where).order_by(order_by))
    if limit is not None:
        query = query.limit(limit)
    for row in session.execute(query):
        yield _state(*row[:14]), row[14] is not None


class Locations:
    """"B1/A2" (building/stack) -> Location, loaded once per depot."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_depot: dict[int, dict[str, Location]] = {}

    def find(self, depot_id: int, code: str | None) -> Location | None:
        if depot_id not in self.by_depot:
            rows = self.session.scalars(select(Location).join(StorageBuilding).where(
                StorageBuilding.depot_id == depot_id))
            self.by_depot[depot_id] = {location_code(loc): loc for loc in rows}
        if code in (None, ""):
            return None
        location = self.by_depot[depot_id].get(str(code))
        if location is None:
            raise InvalidInput(f"No location {code!r} in this depot.", location=code)
        return location


def read_rows(session: Session, crate_ids: list[str], locations: Locations, *,
              lock: bool) -> dict[str, CrateRow]:
    """The crates as CrateRows, in one query (lock: FOR UPDATE, in id order, so that two
    workers cannot deadlock), with their depots, locations and lots read once for all."""
    if not crate_ids:
        return {}
    table = Crate.__table__
    query = select(*(table.c[name] for name in READ)).where(
        table.c.id.in_(crate_ids)).order_by(table.c.id)
    rows = [CrateRow(session, dict(zip(READ, values, strict=True)))
            for values in session.execute(query.with_for_update() if lock else query)]
    depot_ids = sorted({row.depot_id for row in rows})
    depots = {d.id: d for d in session.scalars(select(Depot).where(Depot.id.in_(depot_ids)))}
    by_id: dict[int, Location] = {}
    for depot_id in depot_ids:
        locations.find(depot_id, None)
        by_id.update((loc.id, loc) for loc in locations.by_depot[depot_id].values())
    lot_ids = sorted({row.lot_id for row in rows if row.lot_id})
    lots = {lot.id: lot for lot in session.scalars(
        select(AmmoLot).where(AmmoLot.id.in_(lot_ids)))} if lot_ids else {}
    for row in rows:
        row.depot, row.lot = depots[row.depot_id], lots.get(row.lot_id)
        row.location = None if row.location_id is None else (
            by_id.get(row.location_id) or session.get(Location, row.location_id))
    return {row.id: row for row in rows}


def resolve_location(session: Session, depot_id: int, code: str | None) -> Location | None:
    return Locations(session).find(depot_id, code)


def _typed(session: Session, crate: Crate, values: dict[str, Any],
           locations: Locations | None) -> dict[str, Any]:
    """Merged wire values as the crate's attributes hold them (custody, lifecycle, notes,
    tags only; `location` becomes the Location). The location is looked up, and every name
    checked, before anything is set, so a bad one changes nothing."""
    typed: dict[str, Any] = {}
    for name, value in values.items():
        if name == "location":
            value = (locations or Locations(session)).find(crate.depot_id, value)
        elif name == "status":
            value = CrateStatus(value)
        elif name == "category":
            value = StockCategory(value)
        elif name == "condition":
            value = Condition(value) if value else None
        elif name == "notes":
            value = keep_recent(value)
        elif name not in ("seal_number", "tags"):
            raise InvalidInput(f"{name} cannot be changed this way.", field=name)
        typed[name] = value
    return typed


def write_fields(session: Session, crate: Crate, values: dict[str, Any],
                 locations: Locations | None = None) -> None:
    """Write merged wire values onto the crate, through the unit of work (_typed)."""
    for name, value in _typed(session, crate, values, locations).items():
        setattr(crate, name, value)


def stage_fields(crate: Crate | CrateRow, values: dict[str, Any],
                 locations: Locations) -> dict[str, Any]:
    """write_fields without the unit of work: each value is set on the crate as if it had
    been loaded, and returned as a column of the crate's row for the batch's bulk UPDATE
    (write_staged), so one push costs one executemany, not an ORM flush of its crates."""
    columns: dict[str, Any] = {}
    for name, value in _typed(locations.session, crate, values, locations).items():
        set_loaded(crate, name, value)
        if name == "location":
            name, value = "location_id", value.id if value is not None else None
            set_loaded(crate, name, value)
        columns[name] = value
    return columns


def write_staged(session: Session, staged: dict[str, dict[str, Any]]) -> None:
    """The staged crate rows (id -> changed columns), one executemany per set of columns."""
    table = Crate.__table__
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for crate_id, columns in staged.items():
        groups.setdefault(tuple(sorted(columns)), []).append(
            {"crate_id": crate_id, **{f"v_{k}": v for k, v in columns.items()}})
    for names, rows in groups.items():
        session.execute(table.update().where(table.c.id == bindparam("crate_id")).values(
            {name: bindparam(f"v_{name}", type_=table.c[name].type) for name in names}), rows)
    staged.clear()


def check_values(values: dict[str, Any], *, base: bool = False) -> None:
    """Refuse values that are not of the field's type before anything is merged. In a `base`
    (what the phone saw) any field may have been empty."""
    enums = {"status": CrateStatus, "category": StockCategory, "condition": Condition}
    for name, value in values.items():
        if base and value is None:
            continue
        if name in ("status", "category") and value is None:
            raise InvalidInput(f"{name} cannot be empty.", field=name)
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
        if name == "notes" and (not isinstance(value, str) or len(value) > 2 * NOTES_MAX):
            # the notes shown (up to NOTES_MAX) and what was added; the crate keeps the end
            raise InvalidInput(f"notes is a string of at most {2 * NOTES_MAX:,} characters.",
                               field=name)

"""Which crates a print order chooses and what their labels say: the crates found (in the order
given, or the order of a walk round a building), their registry rows, contents and weapons."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from server.errors import InvalidInput, NotFound
from server.models import Crate, Depot, Label, LabelStatus, Location, Weapon
from server.models import StorageBuilding as Building
from server.models.inventory import CrateStatus
from sync.labels.ids import parse_label
from sync.labels.registry import LabelRetired, NotALabel, canonical_label
from sync.labels.sheets import CrateFacts

LIVE = (CrateStatus.REGISTERED, CrateStatus.IN_STORE)  # what "all" and "building" print
CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class Selection:
    """Which labels to print: exactly one of crates, building, all, blank (that many new
    blanks), reserved (a range first..last of blanks again); signs prints the stack signs of
    `building`, or of the whole depot."""

    crates: tuple[str, ...] = ()
    building: str | None = None
    all: bool = False
    blank: int = 0
    reserved: tuple[str, str] | None = None
    signs: bool = False

    @property
    def kind(self) -> str:
        chosen = [name for name, on in (("crates", bool(self.crates)),
                                        ("building", self.building is not None),
                                        ("all", self.all), ("blank", self.blank > 0),
                                        ("reserved", self.reserved is not None)) if on]
        if self.signs and set(chosen) <= {"building", "all"}:
            return "signs"
        if len(chosen) != 1 or self.signs:
            raise InvalidInput("Choose one of: crates, a building, all, blank N, a reserved "
                               "range, or signs (of a building or the whole depot).",
                               chosen=chosen)
        return chosen[0]


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def crate_facts(session: Session, depot: Depot, selection: Selection) -> list[CrateFacts]:
    """The printable facts of the chosen crates (in the order given), or of every live crate
    of a building or the depot (by building, stack and label, the order of a walk round)."""
    query = select(Crate).where(Crate.depot_id == depot.id, Crate.deleted_at.is_(None))
    if selection.crates:
        wanted = list(dict.fromkeys(canonical_label(v) for v in selection.crates))
        found: dict[str, Crate] = {}
        for part in chunks(wanted):
            found.update((c.label_id, c) for c in session.scalars(
                query.where(Crate.label_id.in_(part))))
        missing = [w for w in wanted if w not in found]
        if missing:
            raise NotFound(f"No crate {', '.join(missing[:5])} in depot {depot.code}.",
                           labels=missing[:50])
        crates = [found[w] for w in wanted]
    else:
        if selection.building is not None and session.scalar(select(Building.id).where(
                Building.depot_id == depot.id, Building.code == selection.building)) is None:
            raise NotFound(f"No building {selection.building} in depot {depot.code}.",
                           building=selection.building)
        query = (query.where(Crate.status.in_(LIVE))
                 .outerjoin(Location, Crate.location_id == Location.id)
                 .outerjoin(Building, Location.building_id == Building.id)
                 .order_by(Building.code.nulls_last(), Location.code.nulls_last(),
                           Crate.label_id))
        if selection.building is not None:
            query = query.where(Building.code == selection.building)
        crates = list(session.scalars(query))
    register_crates(session, crates)
    weapons = weapon_summary(session, depot, [c.id for c in crates])
    return [facts_of(c, weapons.get(c.id, ())) for c in crates]


def register_crates(session: Session, crates: Sequence[Crate]) -> None:
    """Registry rows for crates that predate the registry; refuse retired labels."""
    status: dict[str, LabelStatus] = {}
    for part in chunks([c.label_id for c in crates]):
        status.update(session.execute(select(Label.label_id, Label.status).where(
            Label.label_id.in_(part))).all())
    retired = [c.label_id for c in crates if status.get(c.label_id) is LabelStatus.RETIRED
               or c.status is CrateStatus.RETIRED]
    if retired:
        raise LabelRetired(f"Label {', '.join(retired[:5])} is retired: relabel the crate or "
                           "leave it out.", labels=retired[:50])
    rows, bad = [], []
    for crate in crates:
        if crate.label_id in status:
            continue
        try:
            parse_label(crate.label_id)
        except ValueError:
            bad.append(crate.label_id)
        rows.append({"label_id": crate.label_id, "depot_id": crate.depot_id,
                     "status": LabelStatus.ASSIGNED, "crate_id": crate.id,
                     "issued_at": crate.created_at, "assigned_at": crate.created_at,
                     "reason": "", "print_count": 0})
    if bad:
        raise NotALabel(f"Crate label {', '.join(bad[:5])} is not a label ID: relabel the "
                        "crate first.", labels=bad[:50])
    if rows:
        session.execute(insert(Label), rows)


def weapon_summary(session: Session, depot: Depot,
                   crate_ids: Sequence[str]) -> dict[str, list[tuple[str, str, int]]]:
    """crate id -> [(model, type, how many)], most numerous first. Never serials."""
    n = func.count(Weapon.id)
    query = (select(Weapon.crate_id, Weapon.model, Weapon.type, n)
             .join(Crate, Weapon.crate_id == Crate.id).where(Crate.depot_id == depot.id)
             .group_by(Weapon.crate_id, Weapon.model, Weapon.type)
             .order_by(Weapon.crate_id, n.desc(), Weapon.model))
    wanted = set(crate_ids)
    if len(wanted) <= CHUNK:
        query = query.where(Weapon.crate_id.in_(sorted(wanted)))
    summary: dict[str, list[tuple[str, str, int]]] = {}
    for crate_id, model, kind, count in session.execute(query):
        if crate_id in wanted:
            summary.setdefault(crate_id, []).append((model, kind, count))
    return summary


def facts_of(crate: Crate, weapons: Sequence[tuple[str, str, int]]) -> CrateFacts:
    location, lot = crate.location, crate.lot
    item = lot.item_type if lot is not None else None
    return CrateFacts(
        label_id=crate.label_id, depot=crate.depot.code,
        building=location.building.code if location else None,
        stack=location.code if location else None, kind=crate.kind.value,
        nature=item.nature if item else "", calibre=item.calibre if item else "",
        ammo_type=item.type if item else "", lot_number=lot.lot_number if lot else None,
        lot_state=lot.lot_state.value if lot else None, quantity=crate.quantity,
        hazard=item.hazard_code if item else "", weapons=tuple(weapons))

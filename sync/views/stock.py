"""Stock at a glance for HQ pages: one depot's crates filtered, sorted and paged (filters in the
URL), the choices those filters offer, and the depot's totals by nature and by hazard
division. Weapons count by crate; ammunition by book quantity and net explosive quantity."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.models import Crate, Depot, Location, StorageBuilding, Weapon
from server.models.inventory import AmmoItemType, AmmoLot
from sync.access.principal import Principal
from sync.access.scope import get_depot
from sync.views.paging import check_page

SORTS = {"label": Crate.label_id, "location": StorageBuilding.code,
         "nature": AmmoItemType.nature, "calibre": AmmoItemType.calibre,
         "quantity": Crate.quantity, "counted": Crate.last_counted_at,
         "status": Crate.status}


@dataclass(frozen=True)
class CrateFilter:
    """What the reader asked for; each field travels in the URL under its own name."""

    building: str | None = None
    kind: str | None = None
    nature: str | None = None
    calibre: str | None = None
    hd: str | None = None
    cg: str | None = None
    lot: str | None = None
    status: str | None = None
    condition: str | None = None
    category: str | None = None
    sort: str = "label"
    descending: bool = False


@dataclass(frozen=True)
class CrateRow:
    label_id: str
    kind: str
    status: str
    category: str
    condition: str | None
    location: str
    nature: str | None
    calibre: str | None
    hazard: str | None
    lot_number: str | None
    quantity: int
    weapons: int
    last_counted_at: object


@dataclass(frozen=True)
class CratePage:
    depot: Depot
    rows: list[CrateRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Total:
    key: str
    crates: int
    quantity: int
    weapons: int
    neq_kg: Decimal


def _joined(query: Select) -> Select:
    """Crates with where they are and what their lot is (a weapon crate has no lot)."""
    return (query.outerjoin(Location, Crate.location_id == Location.id)
            .outerjoin(StorageBuilding, Location.building_id == StorageBuilding.id)
            .outerjoin(AmmoLot, Crate.lot_id == AmmoLot.id)
            .outerjoin(AmmoItemType, AmmoLot.item_type_id == AmmoItemType.id))


def _live(depot: Depot):
    return (Crate.depot_id == depot.id) & Crate.deleted_at.is_(None)


def _base(depot: Depot, *columns) -> Select:
    return _joined(select(*columns).select_from(Crate)).where(_live(depot))


def _filtered(query: Select, flt: CrateFilter) -> Select:
    wanted = {
        "building": StorageBuilding.code, "kind": Crate.kind, "nature": AmmoItemType.nature,
        "calibre": AmmoItemType.calibre, "hd": AmmoItemType.hazard_division,
        "cg": AmmoItemType.compatibility_group, "lot": AmmoLot.lot_number,
        "status": Crate.status, "condition": Crate.condition, "category": Crate.category}
    for name, column in wanted.items():
        value = getattr(flt, name)
        if value is not None:
            query = query.where(column == value)
    return query


def crate_page(session: Session, principal: Principal, code: str, flt: CrateFilter, *,
               page: int, per_page: int) -> CratePage:
    """One page of a depot's crates; a page past the last is an error, not page 1."""
    depot = get_depot(session, principal, code)
    total = session.scalar(_filtered(_base(depot, func.count(Crate.id)), flt))
    check_page(page, total, per_page)
    order = SORTS[flt.sort]
    order = order.desc() if flt.descending else order.asc()
    # the page's crates first, then their rows: weapons are counted for these crates only,
    # not for every crate of the depot before the page is cut (a depot holds 10,000)
    on_page = list(session.scalars(_filtered(_base(depot, Crate.id), flt)
                                   .order_by(order, Crate.label_id)
                                   .limit(per_page).offset((page - 1) * per_page)))
    weapons = (select(func.count(Weapon.id)).where(Weapon.crate_id == Crate.id)
               .correlate(Crate).scalar_subquery())
    rows = session.execute(_base(depot, Crate, StorageBuilding.code, Location.code,
                                 AmmoItemType, AmmoLot.lot_number, weapons.label("weapons"))
                           .where(Crate.id.in_(on_page)).order_by(order, Crate.label_id)).all()
    return CratePage(depot, [_row(*r) for r in rows], total, page, per_page)


def _row(crate: Crate, building: str | None, stack: str | None, item: AmmoItemType | None,
         lot_number: str | None, weapons: int) -> CrateRow:
    return CrateRow(
        label_id=crate.label_id, kind=crate.kind.value, status=crate.status.value,
        category=crate.category.value,
        condition=crate.condition.value if crate.condition else None,
        location=f"{building}/{stack}" if building else "—",
        nature=item.nature if item else None, calibre=item.calibre if item else None,
        hazard=item.hazard_code if item else None, lot_number=lot_number,
        quantity=crate.quantity, weapons=weapons, last_counted_at=crate.last_counted_at)


def crate_choices(session: Session, depot: Depot) -> dict[str, list[str]]:
    """The values each filter can take in this depot, for its select boxes: one pass over
    the depot's crates for the places and lots they are in, then the names of those."""
    columns = {"building": StorageBuilding.code, "nature": AmmoItemType.nature,
               "calibre": AmmoItemType.calibre, "hd": AmmoItemType.hazard_division,
               "cg": AmmoItemType.compatibility_group}
    seen = (select(Crate.location_id, Crate.lot_id).where(_live(depot)).distinct()
            .subquery())
    combos = session.execute(
        select(*columns.values()).select_from(seen)
        .outerjoin(Location, seen.c.location_id == Location.id)
        .outerjoin(StorageBuilding, Location.building_id == StorageBuilding.id)
        .outerjoin(AmmoLot, seen.c.lot_id == AmmoLot.id)
        .outerjoin(AmmoItemType, AmmoLot.item_type_id == AmmoItemType.id)).all()
    return {name: sorted({row[k] for row in combos} - {None})
            for k, name in enumerate(columns)}


def stock_totals(session: Session, principal: Principal,
                 code: str) -> tuple[list[Total], list[Total]]:
    """A depot's live stock by nature and by hazard division; weapon crates (no lot) are
    the group "weapons" (by nature) and "—" (by division). The crates are summed once per
    nature and division pair, then folded into each list."""
    depot = get_depot(session, principal, code)
    keys = (func.coalesce(AmmoItemType.nature, "weapons"),
            func.coalesce(AmmoItemType.hazard_division, "—"))
    crates = session.execute(
        _base(depot, *keys, func.count(Crate.id), func.sum(Crate.quantity),
              func.sum(Crate.quantity * AmmoItemType.neq_kg)).group_by(*keys)).all()
    weapons = session.execute(_base(depot, *keys, func.count(Weapon.id))
                              .join(Weapon, Weapon.crate_id == Crate.id).group_by(*keys)).all()
    return _folded(crates, weapons, 0), _folded(crates, weapons, 1)


def _folded(crates, weapons, key: int) -> list[Total]:
    """Rows (nature, division, crates, quantity, NEQ) and (nature, division, weapons) summed
    by column `key` (0: nature, 1: division)."""
    sums: dict[str, list] = {}
    for row in crates:
        total = sums.setdefault(row[key], [0, 0, 0, Decimal(0)])
        total[0] += row[2]
        total[1] += int(row[3] or 0)
        total[3] += Decimal(row[4] or 0)
    for row in weapons:
        sums[row[key]][2] += row[2]
    return [Total(name, *values) for name, values in sorted(sums.items())]

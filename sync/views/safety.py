"""The HQ safety read model: each building's gauge (NEQ per hazard division against its ELL,
and what the country's aggregation rule holds against which licence), and the country
safety report: buildings over or near their limit or without one, incompatible mixes,
unsegregated stacks, lots due for test, suspended lots and where they are, stock awaiting
disposal. Segregation is judged per stack: a stack holding unserviceable or suspect stock
next to serviceable stock is flagged."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import (
    AmmoItemType,
    AmmoLot,
    Country,
    Crate,
    Depot,
    Location,
    LotTest,
    SafetyItem,
    StorageBuilding,
    SuspensionNotice,
)
from server.models.inventory import Condition, StockCategory
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit
from sync.stock.limits import NEAR_LIMIT, country_rules, held_against, incompatible_pairs
from sync.stock.magazines import Load, building_loads
from sync.stock.surveillance import NOT_ISSUABLE, Box, find_every_box, live_notice
from sync.views.exports import Export, safe_cell

DUE_WITHIN = timedelta(days=90)  # a lot whose test or shelf life ends within this is "due"


@dataclass(frozen=True)
class GaugeRow:
    division: str
    neq_kg: Decimal
    limit_kg: Decimal | None  # None: the building has no ELL on record
    added: tuple[str, ...] = ()

    @property
    def share(self) -> float | None:
        if self.limit_kg is None:
            return None
        return float(self.neq_kg / self.limit_kg) if self.limit_kg else (
            float("inf") if self.neq_kg else 0.0)


@dataclass(frozen=True)
class Gauge:
    building: StorageBuilding
    depot_code: str
    divisions: tuple[GaugeRow, ...]  # each division held, against its own ELL
    held: tuple[GaugeRow, ...]  # what the rule holds against each ELL
    lots: dict[str, list[str]]  # compatibility group -> lot numbers
    pairs: tuple[tuple[str, str], ...]
    rule: str

    @property
    def status(self) -> str:
        shares = [r.share for r in self.held if r.share is not None]
        if not self.held:
            return "empty"
        if not self.building.ell_kg:
            return "no_ell"
        if any(s > 1 for s in shares):
            return "over"
        return "near" if any(s >= NEAR_LIMIT for s in shares) else "ok"


def _gauge(load: Load, rule: str, table: dict) -> Gauge:
    building = load.building
    ell = {k: Decimal(str(v)) for k, v in (building.ell_kg or {}).items()}

    def limit(division: str) -> Decimal | None:
        return ell.get(division, Decimal(0)) if ell else None

    neq = {d: q for d, q in load.neq.items() if q > 0}
    return Gauge(
        building=building, depot_code=building.depot.code,
        divisions=tuple(GaugeRow(d, neq.get(d, Decimal(0)), limit(d))
                        for d in sorted(set(neq) | set(ell))),
        held=tuple(GaugeRow(d, q, limit(d), added)
                   for d, (q, added) in held_against(neq, rule).items()),
        lots={g: sorted(lots) for g, lots in sorted(load.lots.items())},
        pairs=tuple(incompatible_pairs(load.groups, table)), rule=rule)


def _rules(session: Session, principal: Principal) -> tuple[str, dict]:
    _, rule, table = country_rules(session.get(Country, principal.country_code).settings or {})
    return rule, table


def gauges(session: Session, principal: Principal) -> list[Gauge]:
    principal.require("review.read")
    ids = session.scalars(select(StorageBuilding.id).join(Depot).where(
        Depot.country_code == principal.country_code, principal.depot_clause(Depot.id)))
    rule, table = _rules(session, principal)
    found = [_gauge(load, rule, table) for load in building_loads(session, ids).values()]
    return sorted(found, key=lambda g: (g.depot_code, g.building.code))


def building_gauge(session: Session, principal: Principal, building_id: int) -> Gauge:
    principal.require("review.read")
    building = session.get(StorageBuilding, building_id)
    if building is None or not principal.sees_depot(building.depot_id,
                                                    building.depot.country_code):
        raise NotFound("No such building.", building_id=building_id)
    rule, table = _rules(session, principal)
    return _gauge(building_loads(session, [building.id])[building.id], rule, table)


@dataclass(frozen=True)
class Holding:
    depot: str
    building: str | None
    stack: str | None
    lot_id: int
    lot_number: str
    item: str
    quantity: int
    detail: str = ""  # a due date, a condition, a category


@dataclass(frozen=True)
class Suspension:
    notice: SuspensionNotice
    boxes: list[Box]
    tasks: list[tuple[str, bool]]  # (depot code, every box counted since the notice)


@dataclass
class Report:
    gauges: list[Gauge]
    unsegregated: list[Holding] = field(default_factory=list)
    due: list[Holding] = field(default_factory=list)
    suspensions: list[Suspension] = field(default_factory=list)
    awaiting_disposal: list[Holding] = field(default_factory=list)
    open_items: int = 0

    def by_status(self, *statuses: str) -> list[Gauge]:
        return [g for g in self.gauges if g.status in statuses]

    @property
    def incompatible(self) -> list[Gauge]:
        return [g for g in self.gauges if g.pairs]


def _holdings(session: Session, principal: Principal, *where):
    return session.execute(
        select(Depot.code, StorageBuilding.code, Location.code, AmmoLot.id, AmmoLot.lot_number,
               AmmoItemType.calibre, AmmoItemType.type, Crate.condition, AmmoLot.condition,
               AmmoLot.suspended, Crate.category, AmmoLot.next_test_due, AmmoLot.expiry_date,
               func.sum(Crate.quantity))
        .join(Depot, Depot.id == Crate.depot_id)
        .join(AmmoLot, AmmoLot.id == Crate.lot_id)
        .join(AmmoItemType, AmmoItemType.id == AmmoLot.item_type_id)
        .outerjoin(Location, Location.id == Crate.location_id)
        .outerjoin(StorageBuilding, StorageBuilding.id == Location.building_id)
        .where(Depot.country_code == principal.country_code,
               principal.depot_clause(Crate.depot_id), Crate.quantity > 0,
               Crate.deleted_at.is_(None), *where)
        .group_by(Depot.code, StorageBuilding.code, Location.code, AmmoLot.id,
                  AmmoLot.lot_number, AmmoItemType.calibre, AmmoItemType.type,
                  Crate.condition, AmmoLot.condition, AmmoLot.suspended, Crate.category,
                  AmmoLot.next_test_due, AmmoLot.expiry_date)
        .order_by(Depot.code, StorageBuilding.code, Location.code, AmmoLot.lot_number))


def _suspect(crate_condition, lot_condition, suspended: bool, category) -> bool:
    """Stock that may not stand with serviceable stock (surveillance.condition_of)."""
    condition = Condition.SUSPENDED if suspended else (crate_condition or lot_condition)
    return condition in NOT_ISSUABLE or category is StockCategory.AWAITING_DISPOSAL


def safety_report(session: Session, principal: Principal, *, today: date) -> Report:
    report = Report(gauges=gauges(session, principal))
    notices = list(session.scalars(select(SuspensionNotice).where(
        SuspensionNotice.country_code == principal.country_code,
        SuspensionNotice.lifted_at.is_(None)).order_by(SuspensionNotice.issued_at)))
    live = {n.lot_id for n in notices}
    stacks: dict[tuple, set[bool]] = defaultdict(set)
    for (depot, building, stack, lot_id, number, calibre, kind, c_cond, l_cond, suspended,
         category, next_test, expiry, quantity) in _holdings(session, principal):
        holding = Holding(depot, building, stack, lot_id, number or "?", f"{calibre} {kind}",
                          int(quantity))
        suspect = _suspect(c_cond, l_cond, suspended or lot_id in live, category)
        if stack is not None:
            stacks[(depot, building, stack)].add(suspect)
        due = min((d for d in (next_test, expiry) if d is not None), default=None)
        if due is not None and due <= today + DUE_WITHIN:
            report.due.append(_with(holding, due.isoformat()))
        if (category is StockCategory.AWAITING_DISPOSAL
                or (c_cond or l_cond) is Condition.UNSERVICEABLE_FOR_DISPOSAL):
            report.awaiting_disposal.append(_with(holding, category.value))
    report.unsegregated = [Holding(d, b, s, 0, "", "", 0) for (d, b, s), kinds in
                           sorted(stacks.items()) if kinds == {True, False}]
    for notice in notices:
        boxes = find_every_box(session, principal, notice.lot_id, since=notice.issued_at)
        report.suspensions.append(Suspension(notice, boxes, [
            (t.depot.code, t.confirmed_at is not None) for t in notice.tasks
            if principal.sees_depot(t.depot_id, notice.country_code)]))
    report.open_items = session.scalar(select(func.count()).select_from(SafetyItem).join(
        Depot, Depot.id == SafetyItem.depot_id).where(
        SafetyItem.status == "open", Depot.country_code == principal.country_code,
        principal.depot_clause(SafetyItem.depot_id)))
    return report


def _with(holding: Holding, detail: str) -> Holding:
    return Holding(**{**holding.__dict__, "detail": detail})



@dataclass(frozen=True)
class LotView:
    lot: AmmoLot
    notice: SuspensionNotice | None
    boxes: list[Box]
    tests: list[LotTest]


def lot_view(session: Session, principal: Principal, lot_id: int) -> LotView:
    """A lot's surveillance: its tests, its live notice and every box of it in scope."""
    principal.require("review.read")
    notice = live_notice(session, principal.country_code, lot_id)
    boxes = find_every_box(session, principal, lot_id,
                           since=notice.issued_at if notice else None)
    tests = list(session.scalars(select(LotTest).where(LotTest.lot_id == lot_id)
                                 .order_by(LotTest.tested_on.desc())))
    return LotView(session.get(AmmoLot, lot_id), notice, boxes, tests)


EXPORT_COLUMNS = ("section", "depot", "building", "stack", "lot", "hazard_division",
                  "neq_kg", "limit_kg", "status", "detail")


def safety_export(session: Session, principal: Principal, *, today: date,
                  now: datetime) -> Export:
    """The country safety report as rows, one section after another; audited."""
    principal.require("export")
    report = safety_report(session, principal, today=today)
    record_audit(session, Actor.of(principal), "export.safety", now=now,
                 entity="export", entity_id="safety", country_code=principal.country_code)
    rows: list[list] = []
    for gauge in report.gauges:
        for r in gauge.held:
            rows.append(["building", gauge.depot_code, gauge.building.code, "",
                         "; ".join(f"{g}: {', '.join(n)}" for g, n in gauge.lots.items()),
                         "+".join(r.added), float(r.neq_kg),
                         None if r.limit_kg is None else float(r.limit_kg), gauge.status,
                         " ".join(f"{a}+{b}" for a, b in gauge.pairs)])
    sections = (("unsegregated", report.unsegregated), ("due_for_test", report.due),
                ("awaiting_disposal", report.awaiting_disposal))
    for section, holdings in sections:
        rows += [[section, h.depot, h.building or "", h.stack or "", h.lot_number, "",
                  None, None, "", h.detail or h.item] for h in holdings]
    for s in report.suspensions:
        rows += [["suspended_box", b.depot, b.building or "", b.stack or "",
                  s.notice.lot.lot_number, "", None, None,
                  "counted" if b.counted_at else "open", f"{s.notice.reference} {b.label_id}"]
                 for b in s.boxes]
    return Export(EXPORT_COLUMNS, iter([[safe_cell(v) for v in row] for row in rows]))

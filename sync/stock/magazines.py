"""What each storage building holds by the books (NEQ per hazard division, compatibility
groups and their lots) and the limits and mixing rules of limits.py applied to it, wherever
stock enters or moves inside a building: refused under the country's "block", accepted and
queued for HQ as a safety item under "warn". A phone's relocation happened on the ground
before it reached the server, so it is always accepted and, when it breaks a rule, queued."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.errors import AppError
from server.models import (
    AmmoItemType,
    AmmoLot,
    Country,
    Crate,
    Depot,
    Location,
    SafetyItem,
    StorageBuilding,
)
from sync.journal.trail import Actor, record_audit
from sync.stock.limits import Excess, country_rules, excesses, incompatible_pairs, not_licensed


class LimitExceeded(AppError):
    status, code = 409, "safety.ell_exceeded"


class IncompatibleStorage(AppError):
    status, code = 409, "safety.cg_incompatible"


@dataclass
class Load:
    """One building's explosives on the books."""

    building: StorageBuilding
    neq: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    lots: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # CG -> lots

    @property
    def groups(self) -> set[str]:
        return set(self.lots)


def building_loads(session: Session, building_ids: Iterable[int]) -> dict[int, Load]:
    """The load of each building: its boxes summed per lot in one grouped query over its
    stacks' crates, then weighed with the few lots' item types."""
    ids = sorted(set(building_ids))
    loads = {b.id: Load(b) for b in session.scalars(
        select(StorageBuilding).where(StorageBuilding.id.in_(ids)))}
    held = session.execute(
        select(Location.building_id, Crate.lot_id, func.sum(Crate.quantity))
        .join(Location, Location.id == Crate.location_id)
        .where(Location.building_id.in_(ids), Crate.lot_id.is_not(None), Crate.quantity > 0,
               Crate.deleted_at.is_(None))
        .group_by(Location.building_id, Crate.lot_id)).all()
    lots = {lot_id: (number, division, group, neq) for lot_id, number, division, group, neq in
            session.execute(select(AmmoLot.id, AmmoLot.lot_number,
                                   AmmoItemType.hazard_division,
                                   AmmoItemType.compatibility_group, AmmoItemType.neq_kg)
                            .join(AmmoItemType, AmmoItemType.id == AmmoLot.item_type_id)
                            .where(AmmoLot.id.in_(sorted({r[1] for r in held}))))}
    for building_id, lot_id, quantity in held:
        number, division, group, neq = lots[lot_id]
        load = loads[building_id]
        load.neq[division] += Decimal(str(neq)) * int(quantity)
        load.lots[group].add(number or "?")
    return loads


def buildings_of(session: Session, crate_ids: Iterable[str]) -> set[int]:
    ids = [c for c in set(crate_ids) if c]
    if not ids:
        return set()
    return set(session.scalars(select(Location.building_id).join(
        Crate, Crate.location_id == Location.id).where(Crate.id.in_(ids))))


@dataclass(frozen=True)
class Breach:
    kind: str  # ell_exceeded | cg_incompatible
    building: StorageBuilding
    message: str
    details: dict


def breaches(load: Load, settings: dict) -> list[Breach]:
    """What is wrong with a building's load under its country's rules."""
    _, rule, table = country_rules(settings)
    building, found = load.building, []
    where = f"{building.depot.code}/{building.code}"
    if building.ell_kg:  # no ELL on record: the safety report lists the building
        for e in excesses(load.neq, building.ell_kg, rule):
            found.append(Breach("ell_exceeded", building, _excess_text(where, e, building), {
                "building": where, "hazard_division": e.division,
                "limit_kg": float(e.limit_kg), "neq_kg": float(e.neq_kg),
                "divisions": list(e.divisions), "licence": building.ell_licence_ref}))
    pairs = incompatible_pairs(load.groups, table)
    outside = not_licensed(load.groups, building.cgs_allowed)
    if pairs or outside:
        lots = {g: sorted(load.lots[g]) for g in sorted({*sum(pairs, ()), *outside})}
        named = "; ".join(f"{g}: {', '.join(lots[g])}" for g in lots)
        why = ", ".join(f"{a}+{b}" for a, b in pairs) or "not licensed: " + "".join(outside)
        text = (f"Building {where} would store compatibility groups that may not share it "
                f"({why}); lots {named}.")
        found.append(Breach("cg_incompatible", building, text, {
            "building": where, "pairs": [list(p) for p in pairs], "not_licensed": outside,
            "lots": lots}))
    return found


def _excess_text(where: str, e: Excess, building: StorageBuilding) -> str:
    mix = f" (HD {' + '.join(e.divisions)} added up)" if len(e.divisions) > 1 else ""
    licence = f", licence {building.ell_licence_ref}" if building.ell_licence_ref else ""
    return (f"Building {where}: NEQ of HD {e.division} would be {e.neq_kg:.3f} kg{mix}, over "
            f"its limit of {e.limit_kg:.3f} kg{licence}.")


def check_buildings(session: Session, depot: Depot, building_ids: Iterable[int], *,
                    source: str, actor: Actor, now: datetime, enforce: bool = True,
                    reference: str = "") -> list[SafetyItem]:
    """Apply the rules to buildings whose load just changed. Under "block" (and enforce)
    the first breach is raised; otherwise each is queued (one open item per building and
    kind, brought up to date) and returned."""
    settings = session.get(Country, depot.country_code).settings or {}
    policy = country_rules(settings)[0]
    found = [b for load in building_loads(session, building_ids).values()
             for b in breaches(load, settings)]
    if found and enforce and policy == "block":
        first = found[0]
        error = LimitExceeded if first.kind == "ell_exceeded" else IncompatibleStorage
        raise error(first.message, **first.details)
    return [_queue(session, depot, b, source=source, actor=actor, now=now,
                   reference=reference) for b in found]


def _queue(session: Session, depot: Depot, breach: Breach, *, source: str, actor: Actor,
           now: datetime, reference: str) -> SafetyItem:
    item = session.scalar(select(SafetyItem).where(
        SafetyItem.building_id == breach.building.id, SafetyItem.kind == breach.kind,
        SafetyItem.status == "open"))
    details = {**breach.details, "reference": reference}
    if item is None:
        item = SafetyItem(depot_id=depot.id, building_id=breach.building.id, kind=breach.kind,
                          source=source, opened_at=now, opened_by=actor.user_id,
                          message=breach.message, details=details)
        session.add(item)
    else:
        item.message, item.details, item.source = breach.message, details, source
    session.flush()
    record_audit(session, actor, f"safety.{breach.kind}", now=now, entity="safety_item",
                 entity_id=item.id, country_code=depot.country_code, depot_id=depot.id,
                 details={"source": source, **details})
    return item

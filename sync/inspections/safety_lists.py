"""What F2 and F6 need offline, for the phone's depots only: each building's licence and its
load from the books (buildings.csv), and each lot present at a depot with its condition and
due date (lots.csv). Numbers and codes only, so one file serves every language."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import AmmoItemType, AmmoLot, Country, Crate, StorageBuilding
from sync.access.principal import Principal
from sync.access.scope import visible_depots
from sync.stock.limits import country_rules, held_against, incompatible_pairs
from sync.stock.magazines import Load, building_loads
from sync.stock.surveillance import live_notice

BUILDING_COLUMNS = ("name", "label", "depot", "licence", "load", "groups")
LOT_COLUMNS = ("name", "label", "depot", "condition", "due", "suspended")


def _kg(value: Decimal) -> str:
    return f"{value:.1f}"


def _load_text(load: Load, rule: str) -> str:
    ell = load.building.ell_kg or {}
    parts = [f"{d}: {_kg(q)}/{ell[d] if d in ell else '-'} kg"
             for d, q in sorted(load.neq.items()) if q > 0]
    held = held_against(load.neq, rule)
    for division, (neq, added) in held.items():
        if len(added) > 1:
            limit = Decimal(str(ell.get(division, 0)))
            share = f" ({neq / limit:.0%})" if limit else ""
            parts.append(f"Σ {'+'.join(added)} = {division}: {_kg(neq)}/{limit} kg{share}")
    return " · ".join(parts) or "0 kg"


def building_rows(session: Session, principal: Principal) -> list[tuple]:
    principal.require("inventory.read")
    depots = {d.id: d.code for d in visible_depots(session, principal)}
    _, rule, table = country_rules(session.get(Country, principal.country_code).settings or {})
    ids = session.scalars(select(StorageBuilding.id).where(
        StorageBuilding.depot_id.in_(list(depots))).order_by(StorageBuilding.id))
    rows = []
    for load in building_loads(session, ids).values():
        b, depot = load.building, depots[load.building.depot_id]
        pairs = incompatible_pairs(load.groups, table)
        groups = ", ".join(sorted(load.groups)) or "-"
        if pairs:
            groups += " ≠ " + ", ".join(f"{a}+{c}" for a, c in pairs)
        rows.append((f"{depot}/{b.code}", f"{b.code} ({b.type})", depot,
                     b.ell_licence_ref or "-", _load_text(load, rule), groups))
    return sorted(rows)


def lot_rows(session: Session, principal: Principal) -> list[tuple]:
    principal.require("inventory.read")
    depots = {d.id: d.code for d in visible_depots(session, principal)}
    held = session.execute(
        select(Crate.depot_id, AmmoLot, AmmoItemType).distinct()
        .join(AmmoLot, AmmoLot.id == Crate.lot_id)
        .join(AmmoItemType, AmmoItemType.id == AmmoLot.item_type_id)
        .where(Crate.depot_id.in_(list(depots)), Crate.quantity > 0,
               Crate.deleted_at.is_(None)))
    rows = []
    for depot_id, lot, item in held:
        suspended = lot.suspended or live_notice(session, principal.country_code,
                                                 lot.id) is not None
        due = min((d for d in (lot.next_test_due, lot.expiry_date) if d), default=None)
        rows.append((lot.id, f"{lot.lot_number or '?'} — {item.calibre} {item.type} "
                     f"({item.hazard_code})", depots[depot_id],
                     "SUSPENDED" if suspended else lot.condition.value,
                     due.isoformat() if due else "-", "yes" if suspended else "no"))
    return sorted(rows, key=lambda r: (r[2], r[1]))

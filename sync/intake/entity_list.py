"""The files Collect downloads with the forms, made for one device's depots: the crate
entity list (crates.csv), the book contents for open counts (crate_book.csv), the depot list
(depots.csv), the visits and users of sync.inspections.phone_lists; and which entity IDs a
phone holds are gone (the integrity answer).

crates.csv is an ODK entity list: name (the crate UUID, the entity ID updates name),
label (the printed label ID), __version (the crate's version, the baseVersion of updates),
then properties. It holds no book quantities and no lot numbers, so a blind count is blind:
those are in crate_book.csv, attached only to the open count form.
Each file's bytes are stable for the same data, so its md5 changes when it does, and only then.
"""

from __future__ import annotations

import csv
import io
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from server.db import utcnow
from server.models import AmmoLot, Crate, Depot, Location, Weapon
from sync.access.principal import Principal
from sync.access.scope import visible_depots
from sync.engine.crates import location_code
from sync.inspections.phone_lists import (
    REGISTER_COLUMNS,
    USER_COLUMNS,
    VISIT_COLUMNS,
    register_rows,
    user_rows,
    visit_rows,
    visit_states,
)
from sync.inspections.safety_lists import BUILDING_COLUMNS, LOT_COLUMNS, building_rows, lot_rows
from sync.stock.ledger import IN_DEPOT

CRATE_COLUMNS = ("name", "label", "__version", "label_key", "depot", "location", "kind",
                 "status", "seal_number", "nature", "calibre", "hazard")
BOOK_COLUMNS = ("name", "label", "lot_number", "quantity", "weapons", "models")
DEPOT_COLUMNS = ("name", "label")
MAX_IDS = 5000


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if v is None else v for v in r])
    return out.getvalue().encode()


def _crates(session: Session, principal: Principal) -> list[Crate]:
    principal.require("inventory.read")
    depot_ids = [d.id for d in visible_depots(session, principal)]
    if not depot_ids:
        return []
    return list(session.scalars(
        select(Crate).where(Crate.depot_id.in_(depot_ids), Crate.deleted_at.is_(None))
        .options(selectinload(Crate.location).joinedload(Location.building),
                 selectinload(Crate.lot).joinedload(AmmoLot.item_type))
        .order_by(Crate.label_id)))


def crates_csv(session: Session, principal: Principal) -> bytes:
    rows = []
    for c in _crates(session, principal):
        item = c.lot.item_type if c.lot is not None else None
        rows.append((c.id, c.label_id, c.version, c.label_id.replace("-", ""), c.depot.code,
                     location_code(c.location) or "", c.kind.value, c.status.value,
                     c.seal_number or "", item.nature if item else "",
                     item.calibre if item else "", item.hazard_code if item else ""))
    return _csv(CRATE_COLUMNS, rows)


def crate_book_csv(session: Session, principal: Principal) -> bytes:
    crates = _crates(session, principal)
    weapons: dict[str, tuple[int, list[str]]] = defaultdict(lambda: (0, []))
    ids = [c.id for c in crates if c.kind.value == "weapon_crate"]
    for start in range(0, len(ids), 1000):
        for crate_id, model, n in session.execute(
                select(Weapon.crate_id, Weapon.model, func.count(Weapon.id))
                .where(Weapon.crate_id.in_(ids[start:start + 1000]),
                       Weapon.status.in_(IN_DEPOT))
                .group_by(Weapon.crate_id, Weapon.model).order_by(Weapon.model)):
            total, models = weapons[crate_id]
            weapons[crate_id] = (total + n, [*models, model])
    rows = []
    for c in crates:
        count, models = weapons.get(c.id, (0, []))
        rows.append((c.id, c.label_id, c.lot.lot_number if c.lot is not None else "",
                     c.quantity, count, "; ".join(models)[:200]))
    return _csv(BOOK_COLUMNS, rows)


def depots_csv(session: Session, principal: Principal) -> bytes:
    principal.require("inventory.read")
    return _csv(DEPOT_COLUMNS, ((d.code, f"{d.code} — {d.name}")
                                for d in visible_depots(session, principal)))


MAKERS = {"crates.csv": crates_csv, "crate_book.csv": crate_book_csv, "depots.csv": depots_csv,
          "visits.csv": lambda session, principal: _csv(
              VISIT_COLUMNS, visit_rows(session, principal, now=utcnow())),
          "users.csv": lambda session, principal: _csv(USER_COLUMNS,
                                                       user_rows(session, principal)),
          "registers.csv": lambda session, principal: _csv(
              REGISTER_COLUMNS, register_rows(session, principal, now=utcnow())),
          "buildings.csv": lambda session, principal: _csv(
              BUILDING_COLUMNS, building_rows(session, principal)),
          "lots.csv": lambda session, principal: _csv(
              LOT_COLUMNS, lot_rows(session, principal))}
CRATE_FILES = {"crates.csv", "crate_book.csv"}  # slow to make for a big depot: cached
CACHE_SIZE, CACHE_SECONDS = 16, 300
_cache: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()


def media_file(session: Session, principal: Principal, name: str) -> bytes | None:
    """A file's bytes for this device. The crate files of a big depot take seconds to make
    and Collect reads every manifest on each update check, so they are kept per worker,
    keyed by a fingerprint of the crates and weapons in the device's depots (any versioned
    change moves it); a short lifetime bounds what a change elsewhere (a renamed item type)
    can leave stale."""
    maker = MAKERS.get(name)
    if maker is None:
        return None
    if name not in CRATE_FILES:
        return maker(session, principal)
    principal.require("inventory.read")
    depot_ids = tuple(sorted(d.id for d in visible_depots(session, principal)))
    key = (name, depot_ids, *_fingerprint(session, depot_ids))
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        _cache.move_to_end(key)
        return hit[1]
    body = maker(session, principal)
    _cache[key] = (time.monotonic(), body)
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return body


def _fingerprint(session: Session, depot_ids: tuple[int, ...]) -> tuple:
    if not depot_ids:
        return ()
    crates = session.execute(select(func.count(Crate.id), func.sum(Crate.version),
                                    func.max(Crate.updated_at), func.min(Crate.id))
                             .where(Crate.depot_id.in_(depot_ids),
                                    Crate.deleted_at.is_(None))).one()
    weapons = session.execute(select(func.count(Weapon.id), func.sum(Weapon.version))
                              .where(Weapon.depot_id.in_(depot_ids))).one()
    return (*crates, *weapons)


def deleted_states(session: Session, principal: Principal, ids: Sequence[str],
                   dataset: str = "crates") -> list[tuple[str, bool]]:
    """For each entity ID asked that this device's country holds, whether the phone should
    drop it (deleted, or out of this device's depots). IDs the server never saw, or of
    another country, are left out, as ODK Central does: Collect would delete a crate
    registered offline and not yet sent, and another country's crates are not told.
    Visits (dataset "visits") answer by their own rule."""
    principal.require("inventory.read")
    asked = list(dict.fromkeys(i.strip() for i in ids if i.strip()))[:MAX_IDS]
    if dataset == "visits":
        return visit_states(session, principal, asked, now=utcnow())
    depot_ids = {d.id for d in visible_depots(session, principal)}
    known: dict[str, bool] = {}
    for start in range(0, len(asked), 1000):
        for crate_id, depot_id, deleted_at in session.execute(
                select(Crate.id, Crate.depot_id, Crate.deleted_at).join(Depot).where(
                    Crate.id.in_(asked[start:start + 1000]),
                    Depot.country_code == principal.country_code)):
            known[crate_id] = deleted_at is not None or depot_id not in depot_ids
    return [(i, known[i]) for i in asked if i in known]

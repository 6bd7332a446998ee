"""Opening balances: a depot's existing register, imported from the documented template
(CSV or XLSX). Every row is checked first; a register with any bad row is refused whole with
each bad row's number, and nothing is written. A good one is booked as receipt vouchers that
cite the source document. The depot is "on the books" once a 100% count confirms it.

Template columns (one row per ammunition crate or per weapon):
  type      ammo | weapon
  building  storage building code;  stack: stack code in it
  crate     label ID of the crate, or the register's own crate number (rows sharing it go
            into one crate, with a new label); blank: a new label for an ammo row, and a
            weapon is kept on the stack
  calibre, ammo_type   ammunition: the item type in the catalogue (e.g. 7.62x39mm, ball)
  lot_number, maker, country   the lot (created if new), or the weapon's maker and country
  quantity  ammunition: rounds in the crate
  model, serial, year   weapons
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import AppError, InvalidInput
from server.models import (
    AmmoItemType,
    AmmoLot,
    Crate,
    Depot,
    Discrepancy,
    Location,
    StorageBuilding,
)
from server.models.inventory import CrateKind, LotState
from server.models.ledger import MovementType as MT
from sync.access.principal import Principal, check_may_post
from sync.access.scope import check_depot
from sync.journal.trail import Actor, record_audit
from sync.labels.ids import parse_label
from sync.stock import inventory
from sync.stock.catalogue import canonical_maker, find_weapon_model, visible
from sync.stock.ledger import LineIn, post_movement
from sync.stock.sightings import note_weapons

COLUMNS = ("type", "building", "stack", "crate", "calibre", "ammo_type", "lot_number", "maker",
           "country", "quantity", "model", "serial", "year")
MAX_ROWS = 200_000
LINES_PER_VOUCHER = 500  # a long register is booked as several receipt vouchers
Progress = Callable[[str, Iterable], Iterable]


class ImportRefused(AppError):
    status, code = 422, "books.import_refused"


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it (the header is row 1)
    values: dict[str, str]
    location_id: int | None = None
    item_type_id: int | None = None
    model: object | None = None


@dataclass
class Preview:
    rows: list[Row]
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ammo(self) -> int:
        return sum(r.values["type"] == "ammo" for r in self.rows)

    @property
    def weapons(self) -> int:
        return sum(r.values["type"] == "weapon" for r in self.rows)


def template(fmt: str) -> bytes:
    """The empty template: the header row (and, in XLSX, a sheet explaining each column)."""
    if fmt == "csv":
        return (",".join(COLUMNS) + "\r\n").encode()
    book = Workbook()
    sheet = book.active
    sheet.title = "register"
    sheet.append(list(COLUMNS))
    notes = book.create_sheet("columns")
    for line in (__doc__ or "").split("Template columns")[1].splitlines()[1:]:
        if line.strip():
            notes.append([line.strip()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(data: bytes, filename: str) -> list[Row]:
    """The rows of a CSV or XLSX register, as text, numbered as the sheet numbers them."""
    try:
        if filename.lower().endswith(".xlsx"):
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            table = ([("" if v is None else str(v)) for v in row]
                     for row in sheet.iter_rows(values_only=True))
        else:
            table = csv.reader(io.StringIO(data.decode("utf-8-sig")))
        header = [h.strip().lower() for h in next(table, [])]
    except (UnicodeDecodeError, csv.Error, OSError, KeyError, ValueError) as exc:
        raise InvalidInput(f"Not a readable CSV (UTF-8) or XLSX register: {exc}") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(f"The register lacks the template's columns: {', '.join(missing)}.",
                           missing=missing)
    rows = []
    for n, cells in enumerate(table, start=2):
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(f"A register has at most {MAX_ROWS} rows.")
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        if any(values.get(c) for c in COLUMNS):
            rows.append(Row(number=n, values={c: values.get(c, "") for c in COLUMNS}))
    return rows


def check_register(session: Session, depot: Depot, rows: list[Row]) -> Preview:
    """Check every row against the depot and the catalogues; write nothing."""
    preview = Preview(rows=rows)
    places = {(b, s): loc_id for b, s, loc_id in session.execute(
        select(StorageBuilding.code, Location.code, Location.id).join(Location.building)
        .where(StorageBuilding.depot_id == depot.id))}
    items = {}
    for item in session.scalars(select(AmmoItemType).where(
            visible(AmmoItemType, depot.country_code))):
        items.setdefault((item.calibre.casefold(), item.type.casefold()), []).append(item.id)
    labels = set(session.scalars(select(Crate.label_id)))
    seen_labels: dict[str, str] = {}
    seen_weapons: set[tuple[str, str, str]] = set()
    for row in rows:
        try:
            _check_row(session, row, places, items, labels, seen_labels, seen_weapons,
                       depot.country_code)
        except InvalidInput as exc:
            preview.errors.append((row.number, exc.message))
    return preview


def _check_row(session, row, places, items, labels, seen_labels, seen_weapons,
               country_code) -> None:
    v = row.values
    kind = v["type"].lower()
    if kind not in ("ammo", "weapon"):
        raise InvalidInput("type is ammo or weapon.")
    v["type"] = kind
    row.location_id = places.get((v["building"].upper(), v["stack"].upper()))
    if row.location_id is None:
        raise InvalidInput(f"No stack {v['stack']!r} in building {v['building']!r} here.")
    if v["crate"]:
        if v["crate"] in labels:
            raise InvalidInput(f"Crate {v['crate']} is already on the books.")
        if seen_labels.setdefault(v["crate"], kind + v["lot_number"]) != kind + v["lot_number"]:
            raise InvalidInput(f"Crate {v['crate']} appears with another lot or kind: one lot "
                               "per crate.")
    if kind == "ammo":
        found = items.get((v["calibre"].casefold(), v["ammo_type"].casefold()), [])
        if len(found) != 1:
            raise InvalidInput(f"No single item type {v['calibre']} {v['ammo_type']} in the "
                               "catalogue.")
        row.item_type_id = found[0]
        if not v["quantity"].isdigit() or int(v["quantity"]) < 1:
            raise InvalidInput("quantity is a whole number of rounds, at least 1.")
        if not v["lot_number"]:
            raise InvalidInput("lot_number is required (write UNKNOWN if it cannot be read).")
        return
    if not (v["maker"] and v["model"] and v["serial"] and len(v["country"]) == 2):
        raise InvalidInput("A weapon needs maker, model, serial and a 2-letter country.")
    if v["year"] and not (v["year"].isdigit() and 1850 <= int(v["year"]) <= 2100):
        raise InvalidInput(f"year {v['year']!r} is not a year.")
    row.model = find_weapon_model(session, v["maker"], v["model"], country_code)
    if row.model is None:
        raise InvalidInput(f"{v['maker']} {v['model']} is not in the weapon catalogue.")
    key = (row.model.manufacturer, row.model.model, v["serial"])
    if key in seen_weapons:
        raise InvalidInput(f"Serial {v['serial']} appears twice.")
    seen_weapons.add(key)


def import_register(session: Session, principal: Principal, depot: Depot, rows: list[Row], *,
                    source_document: str, now: datetime,
                    progress: Progress | None = None) -> Preview:
    """Check every row; refuse the whole register if any is bad; else book it."""
    check_depot(principal, depot, "inventory.read")
    check_may_post(principal, MT.RECEIPT.value)
    if not (source_document or "").strip():
        raise InvalidInput("An opening balance cites its source document (the register).")
    preview = check_register(session, depot, rows)
    if preview.errors:
        raise ImportRefused(f"{len(preview.errors)} row(s) are wrong; nothing was imported.",
                            rows=[{"row": n, "error": e} for n, e in preview.errors])
    actor = Actor.of(principal)
    lines = _stock_lines(session, depot, rows, actor, now, progress)
    # a serial on the register that reads as a lost or stolen weapon's raises its alert
    note_weapons(session, depot.id, depot.country_code, (ln.weapon_id for ln in lines),
                 source="import", reference=source_document.strip(),
                 user_id=principal.user_id, now=now)
    for start in range(0, len(lines), LINES_PER_VOUCHER):
        post_movement(session, depot_id=depot.id, type=MT.RECEIPT,
                      lines=lines[start:start + LINES_PER_VOUCHER],
                      originator_id=principal.user_id, occurred_at=now, now=now,
                      document_ref=source_document.strip()[:64],
                      counterparty="opening balance", actor=actor)
    record_audit(session, actor, "books.opening_balance", now=now, entity="depot",
                 entity_id=depot.id, country_code=depot.country_code, depot_id=depot.id,
                 details={"rows": len(rows), "source": source_document})
    return preview


def _stock_lines(session: Session, depot: Depot, rows: list[Row], actor: Actor,
                 now: datetime, progress: Progress | None) -> list[LineIn]:
    """Crates, lots and weapons the rows name, created as needed; the receipt lines."""
    crates: dict[str, Crate] = {}
    lines = []
    for row in (progress("Opening balance", rows) if progress else rows):
        v = row.values
        ref = v["crate"] or None
        crate = crates.get(ref) if ref else None
        if crate is None and (ref or v["type"] == "ammo"):
            label = ref if ref and _is_label(ref) else inventory.allocate_labels(
                session, depot, 1, now=now)[0]
            crate = inventory.register_crate(
                session, depot, label_id=label, location=session.get(Location, row.location_id),
                kind=CrateKind.AMMO_BOX if v["type"] == "ammo" else CrateKind.WEAPON_CRATE,
                actor=actor, now=now)
            crates[ref or label] = crate
        if v["type"] == "ammo":
            lines.append(LineIn(crate_id=crate.id, quantity=int(v["quantity"]),
                                lot_id=_lot(session, row, depot.country_code).id))
            continue
        weapon = inventory.register_weapon(
            session, country_code=depot.country_code, manufacturer=row.model.manufacturer,
            model=row.model.model, serial=v["serial"], country_of_manufacture=v["country"],
            calibre=row.model.calibre, type=row.model.type,
            year=int(v["year"]) if v["year"] else None)
        lines.append(LineIn(weapon_id=weapon.id, to_crate_id=crate and crate.id,
                            to_location_id=None if crate else row.location_id))
    return lines


def _is_label(value: str) -> bool:
    try:
        parse_label(value)
    except ValueError:
        return False
    return True


def _lot(session: Session, row: Row, country_code: str) -> AmmoLot:
    v = row.values
    maker = canonical_maker(session, v["maker"], country_code)
    unknown = v["lot_number"].upper() == "UNKNOWN"
    number = None if unknown else v["lot_number"]
    lot = session.scalar(select(AmmoLot).where(
        AmmoLot.item_type_id == row.item_type_id, AmmoLot.manufacturer == maker,
        AmmoLot.lot_number == number if number else AmmoLot.lot_number.is_(None),
        visible(AmmoLot, country_code)).order_by(AmmoLot.country_code.is_(None)).limit(1))
    if lot is None:
        lot = inventory.create_lot(session, session.get(AmmoItemType, row.item_type_id),
                                   lot_number=number, manufacturer=maker,
                                   country_of_manufacture=v["country"].upper(),
                                   lot_state=LotState.UNKNOWN if unknown else LotState.KNOWN,
                                   country_code=country_code)
    return lot


def confirm_on_books(session: Session, principal: Principal, depot: Depot, *,
                     since: datetime, now: datetime) -> Depot:
    """A 100% count since the opening balance, with no open discrepancy, puts the depot on
    the books."""
    check_depot(principal, depot, "ledger.approve")
    crates = list(session.scalars(select(Crate).where(Crate.depot_id == depot.id,
                                                      Crate.deleted_at.is_(None))))
    uncounted = [c.label_id for c in crates if not c.last_counted_at or c.last_counted_at < since]
    if not crates or uncounted:
        raise InvalidInput(f"{len(uncounted)} crate(s) not counted since the opening balance.",
                           uncounted=uncounted[:50])
    if session.scalar(select(Discrepancy.id).where(Discrepancy.depot_id == depot.id,
                                                   Discrepancy.status != "closed").limit(1)):
        raise InvalidInput("Discrepancies are still open at this depot.")
    depot.status = "on_books"
    record_audit(session, Actor.of(principal),
                 "books.on_books", now=now, entity="depot", entity_id=depot.id,
                 country_code=depot.country_code, depot_id=depot.id,
                 details={"crates": len(crates)})
    return depot

"""What goes on a sheet of labels, read from the database, and the record of every print.

prepare_print() is the one entry: it gathers the labels (chosen crates, a building, the whole
depot, new blanks, a reserved range, or stack signs), writes one LabelPrint row per label
(print_no > 1 is a reprint, and the face says so) and one audit event, and returns the faces
for server/labels.py to draw. The caller renders, then commits: a failed render writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from server.db import new_uuid
from server.errors import InvalidInput, NotFound
from server.models import Crate, Depot, Label, LabelPrint, LabelStatus, Location, Weapon
from server.models import StorageBuilding as Building
from server.models.inventory import CrateStatus
from sync.journal.trail import Actor, record_audit
from sync.labels.ids import make_label, parse_label, qr_text
from sync.labels.registry import (
    MAX_RESERVE,
    LabelRetired,
    NotALabel,
    canonical_label,
    issue_labels,
)
from sync.labels.sheets import (
    CrateFacts,
    Face,
    blank_face,
    check_lang,
    check_skip,
    crate_face,
    default_lang,
    get_layout,
    sign_face,
)

LIVE = (CrateStatus.REGISTERED, CrateStatus.IN_STORE)  # what "all" and "building" print
CHUNK = 500  # ids per IN (...) list


class TooMany(InvalidInput):
    code = "labels.too_many"


class NothingToPrint(InvalidInput):
    code = "labels.nothing_to_print"


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


@dataclass(frozen=True)
class PrintOrder:
    """A sheet to print: what, on which layout, in which language (None: the country's
    first), from which slot of a partly used sheet, and whether the QR codes are signed."""

    selection: Selection
    layout: str
    lang: str | None = None
    skip: int = 0
    signed: bool = True


@dataclass(frozen=True)
class PrintJob:
    job_id: str
    kind: str
    faces: tuple[Face, ...]
    label_ids: tuple[str, ...] = ()
    reprints: int = 0
    skipped: tuple[str, ...] = ()  # in a reserved range, labels that are no longer blanks


def prepare_print(session: Session, depot: Depot, order: PrintOrder, *, key: bytes,
                  actor: Actor, now: datetime, limit: int | None = None) -> PrintJob:
    """Gather a sheet and record the print; a bad choice raises before any print is logged."""
    selection, kind, job_id = order.selection, order.selection.kind, new_uuid()
    check_skip(get_layout(order.layout), order.skip)
    lang = check_lang(order.lang or default_lang(depot.country.languages))
    if kind == "signs":
        return _print_signs(session, depot, order, lang=lang, job_id=job_id, actor=actor,
                            now=now, limit=limit)
    facts: list[CrateFacts] | None = None
    skipped: list[str] = []
    if kind == "blank":
        _check_count(selection.blank, min(limit or MAX_RESERVE, MAX_RESERVE))
        ids = issue_labels(session, depot, selection.blank, now=now, actor=actor)
    elif kind == "reserved":
        ids, skipped = reserved_range(session, depot, *selection.reserved)
    else:
        facts = crate_facts(session, depot, selection)
        ids = [f.label_id for f in facts]
    _check_count(len(ids), limit)
    numbers = record_prints(session, depot, ids, job_id=job_id, layout=order.layout,
                            signed=order.signed, actor=actor, now=now)
    sign_key = key if order.signed else None
    if facts is None:
        faces = tuple(blank_face(i, depot.code, lang=lang, qr=qr_text(i, sign_key),
                                 print_no=numbers[i]) for i in ids)
    else:
        day = local_day(depot, now)
        faces = tuple(crate_face(f, lang=lang, qr=qr_text(f.label_id, sign_key), day=day,
                                 print_no=numbers[f.label_id]) for f in facts)
    reprints = sum(1 for n in numbers.values() if n > 1)
    record_audit(session, actor, "labels.print", now=now, entity="label_print",
                 entity_id=job_id, country_code=depot.country_code, depot_id=depot.id,
                 details={"kind": kind, "layout": order.layout, "count": len(ids),
                          "reprints": reprints, "signed": order.signed,
                          "first": ids[0], "last": ids[-1]})
    return PrintJob(job_id, kind, faces, tuple(ids), reprints, tuple(skipped))


def _print_signs(session: Session, depot: Depot, order: PrintOrder, *, lang: str, job_id: str,
                 actor: Actor, now: datetime, limit: int | None) -> PrintJob:
    """Stack signs are not labels: no registry, no print numbers; the print is audited."""
    faces = tuple(sign_faces(session, depot, order.selection.building, lang=lang))
    _check_count(len(faces), limit)
    record_audit(session, actor, "labels.print_signs", now=now, entity="label_print",
                 entity_id=job_id, country_code=depot.country_code, depot_id=depot.id,
                 details={"layout": order.layout, "count": len(faces),
                          "building": order.selection.building})
    return PrintJob(job_id, "signs", faces)


def _check_count(count: int, limit: int | None) -> None:
    if count == 0:
        raise NothingToPrint("There is nothing to print for that choice.")
    if limit is not None and count > limit:
        raise TooMany(f"{count} labels are more than {limit} in one PDF; print them in parts.",
                      count=count, limit=limit)


def local_day(depot: Depot, now: datetime) -> date:
    """The date on the label: today where the depot is."""
    return now.astimezone(depot.zone()).date()


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


def reserved_range(session: Session, depot: Depot, first: str,
                   last: str) -> tuple[list[str], list[str]]:
    """The labels of first..last (this depot's) that are still blanks, and those skipped
    because a crate took them or they were retired."""
    a, b = parse_label(canonical_label(first)), parse_label(canonical_label(last))
    if {(a.country, a.depot), (b.country, b.depot)} != {(depot.country_code, depot.code)}:
        raise InvalidInput(f"A range of depot {depot.code}'s labels, please.", first=first,
                           last=last)
    if not 0 <= b.seq - a.seq < MAX_RESERVE:
        raise InvalidInput(f"A range runs from the lower label to the higher, {MAX_RESERVE} "
                           "labels at most.", first=first, last=last)
    ids = [make_label(a.country, a.depot, seq) for seq in range(a.seq, b.seq + 1)]
    blank: set[str] = set()
    for part in chunks(ids):
        blank.update(session.scalars(select(Label.label_id).where(
            Label.label_id.in_(part), Label.depot_id == depot.id,
            Label.status == LabelStatus.RESERVED)))
    return [i for i in ids if i in blank], [i for i in ids if i not in blank]


def record_prints(session: Session, depot: Depot, label_ids: Sequence[str], *, job_id: str,
                  layout: str, signed: bool, actor: Actor, now: datetime) -> dict[str, int]:
    """Count one more print of each label (atomically, so two sheets printed at once never
    both claim the first print) and log it. Returns label -> print number (1 = first)."""
    numbers: dict[str, int] = {}
    for part in chunks(label_ids):
        numbers.update(session.execute(
            update(Label).where(Label.label_id.in_(part))
            .values(print_count=Label.print_count + 1)
            .returning(Label.label_id, Label.print_count)).all())
    session.execute(insert(LabelPrint), [
        {"job_id": job_id, "label_id": i, "depot_id": depot.id, "print_no": numbers[i],
         "layout": layout, "signed": signed, "printed_at": now, "user_id": actor.user_id,
         "device_id": actor.device_id} for i in label_ids])
    return numbers


def sign_faces(session: Session, depot: Depot, building: str | None, *,
               lang: str) -> Iterator[Face]:
    query = (select(Location.code, Building.code).join(Building)
             .where(Building.depot_id == depot.id).order_by(Building.code, Location.code))
    if building is not None:
        if session.scalar(select(Building.id).where(Building.depot_id == depot.id,
                                                    Building.code == building)) is None:
            raise NotFound(f"No building {building} in depot {depot.code}.", building=building)
        query = query.where(Building.code == building)
    for stack, building_code in session.execute(query):
        yield sign_face(depot.country_code, depot.code, building_code, stack, lang=lang)

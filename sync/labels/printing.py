"""What goes on a sheet of labels, read from the database, and the record of every print.

prepare_print() is the one entry: it gathers the labels (chosen crates, a building, the whole
depot, new blanks, a reserved range, or stack signs), writes one LabelPrint row per label
(print_no > 1 is a reprint, and the face says so) and one audit event, and returns the faces
for sync/labels/pdf.py to draw. The caller renders, then commits: a failed render writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from server.db import new_uuid
from server.errors import InvalidInput, NotFound
from server.models import Depot, Label, LabelPrint, LabelStatus, Location
from server.models import StorageBuilding as Building
from sync.journal.trail import Actor, record_audit
from sync.labels.contents import Selection, chunks, crate_facts
from sync.labels.ids import make_label, parse_label, qr_text
from sync.labels.registry import (
    MAX_RESERVE,
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


class TooMany(InvalidInput):
    code = "labels.too_many"


class NothingToPrint(InvalidInput):
    code = "labels.nothing_to_print"


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

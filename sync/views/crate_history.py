"""A crate's whole story for the HQ crate page: current state, versions, ledger, counts,
photos, and (for reviewing roles) its conflicts, discrepancies and their audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import (
    AppliedOp,
    AuditEvent,
    Change,
    Conflict,
    CountEvent,
    Crate,
    Discrepancy,
    Finding,
    Label,
    LabelPrint,
    Movement,
    MovementLine,
    Photo,
    Weapon,
)
from sync.access.principal import Principal
from sync.access.scope import get_crate
from sync.engine.crates import crate_state
from sync.journal.restricted import serials_shown
from sync.people.staff import display_names
from sync.photos.links import photo_depot_id
from sync.stock.ledger import IN_DEPOT

AUDIT_LIMIT = 200


@dataclass(frozen=True)
class VersionEntry:
    version: int
    at: datetime
    user_id: int | None
    device_id: str | None
    cause: str  # registered | movement:<type> | conflict_resolution | relabel | retired |
    # op:<status> | ""


@dataclass(frozen=True)
class LedgerEntry:
    movement: Movement
    quantity: int
    balance: int
    weapon: str | None  # "AKM AK100001" when restricted reads are allowed, else "weapon"
    weapon_status: str | None


@dataclass(frozen=True)
class LabelEntry:
    label: Label  # reserved, assigned or retired; replaces names the label before it
    prints: list[LabelPrint]


@dataclass(frozen=True)
class CrateView:
    crate: Crate
    state: dict[str, Any]
    versions: list[VersionEntry]
    ledger: list[LedgerEntry]
    counts: list[CountEvent]
    photos: list[Photo]
    labels: list[LabelEntry]  # every label the crate has worn, oldest first
    weapon_count: int
    weapons: list[Weapon] | None  # None: the role may not read serial lists
    conflicts: list[Conflict] | None  # None: the role does not review
    discrepancies: list[Discrepancy] | None
    audit: list[AuditEvent] | None
    names: dict[int, str]  # user id -> display name, for everything above


def crate_view(session: Session, principal: Principal, label_id: str, *,
               now: datetime) -> CrateView:
    """The crate page, if the crate is in scope, found by its label or one it wore before a
    relabel. Showing its serial list is a restricted read, and is audited."""
    crate = _crate_by_any_label(session, principal, label_id)
    weapons = [w for w in crate.weapons if w.status in IN_DEPOT]
    serials_ok = serials_shown(session, principal, entity="crate", entity_id=crate.id,
                               depot_id=crate.depot_id, present=bool(weapons), now=now)
    reviews = principal.can("review.read")
    conflicts = _rows(session, select(Conflict).where(Conflict.entity_id == crate.id)
                      .order_by(Conflict.created_at.desc()))
    discrepancies = _rows(session, select(Discrepancy).where(Discrepancy.crate_id == crate.id)
                          .order_by(Discrepancy.opened_at.desc()))
    ledger = _ledger(session, crate, serials_ok)
    labels = _labels(session, crate)
    view = CrateView(
        crate=crate, state=crate_state(crate), versions=_versions(session, crate, labels),
        ledger=ledger, counts=_rows(session, select(CountEvent).where(
            CountEvent.crate_id == crate.id).order_by(CountEvent.received_at)),
        photos=_photos(session, crate), labels=labels, weapon_count=len(weapons),
        weapons=weapons if serials_ok else None,
        conflicts=conflicts if reviews else None,
        discrepancies=discrepancies if reviews else None,
        audit=_audit(session, crate, conflicts, discrepancies, ledger, labels)
        if reviews else None,
        names={})
    view.names.update(_names(session, view))
    return view


def _crate_by_any_label(session: Session, principal: Principal, label_id: str) -> Crate:
    try:
        return get_crate(session, principal, label_id)
    except NotFound:
        worn = session.get(Label, label_id)
        current = session.get(Crate, worn.crate_id) if worn and worn.crate_id else None
        if current is None or current.label_id == label_id:
            raise
        return get_crate(session, principal, current.label_id)  # scope checked again


def _labels(session: Session, crate: Crate) -> list[LabelEntry]:
    labels = list(session.scalars(select(Label).where(Label.crate_id == crate.id)
                                  .order_by(Label.assigned_at, Label.issued_at)))
    prints: dict[str, list[LabelPrint]] = {label.label_id: [] for label in labels}
    for printed in session.scalars(select(LabelPrint).where(
            LabelPrint.label_id.in_(sorted(prints))).order_by(LabelPrint.id)):
        prints[printed.label_id].append(printed)
    return [LabelEntry(label, prints[label.label_id]) for label in labels]


def _rows(session: Session, query) -> list:
    return list(session.scalars(query))


def _names(session: Session, view: CrateView) -> dict[int, str]:
    """Display names of everyone the page mentions, in one query."""
    ids = {v.user_id for v in view.versions} | {c.user_id for c in view.counts}
    ids |= {e.movement.originator_id for e in view.ledger}
    ids |= {e.movement.approver_id for e in view.ledger}
    ids |= {c.resolved_by for c in view.conflicts or ()} | {c.user_id for c in view.conflicts or ()}
    ids |= {d.proposed_by for d in view.discrepancies or ()}
    ids |= {d.approved_by for d in view.discrepancies or ()}
    ids |= {a.user_id for a in view.audit or ()}
    ids |= {e.label.issued_by for e in view.labels} | {e.label.retired_by for e in view.labels}
    ids |= {p.user_id for e in view.labels for p in e.prints}
    return display_names(session, ids)


def _versions(session: Session, crate: Crate, labels: list[LabelEntry]) -> list[VersionEntry]:
    """Each version with what made it: the registration, a ledger movement, a conflict
    resolution, a relabel or retirement (matched by their shared timestamp), else the first
    phone op that reported it (later ops that changed nothing report the same version)."""
    ops: dict[int, str] = {}
    for applied in session.scalars(select(AppliedOp).where(
            AppliedOp.entity == "crate", AppliedOp.entity_id == crate.id,
            AppliedOp.status.in_(("applied", "merged", "conflict"))).order_by(AppliedOp.id)):
        ops.setdefault(applied.result.get("version"), applied.status)
    moved = {m.recorded_at: m.type.value for m in session.scalars(
        select(Movement).join(MovementLine).where(MovementLine.crate_id == crate.id))}
    resolved = {c.resolved_at for c in session.scalars(select(Conflict).where(
        Conflict.entity_id == crate.id, Conflict.resolved_at.is_not(None)))}
    relabelled = {e.label.assigned_at for e in labels if e.label.replaces}
    retired = {e.label.retired_at for e in labels if e.label.retired_at}
    entries = []
    for change in session.scalars(select(Change).where(
            Change.entity == "crate", Change.entity_id == crate.id).order_by(Change.seq)):
        cause = ("registered" if change.version == 1
                 else f"movement:{moved[change.at]}" if change.at in moved
                 else "conflict_resolution" if change.at in resolved
                 else "relabel" if change.at in relabelled
                 else "retired" if change.at in retired
                 else f"op:{ops[change.version]}" if change.version in ops else "")
        entries.append(VersionEntry(change.version, change.at, change.user_id,
                                    change.device_id, cause))
    return entries


def _ledger(session: Session, crate: Crate, serials_ok: bool) -> list[LedgerEntry]:
    rows = session.execute(select(MovementLine, Movement, Weapon)
                           .join(Movement, Movement.id == MovementLine.movement_id)
                           .outerjoin(Weapon, Weapon.id == MovementLine.weapon_id)
                           .where(MovementLine.crate_id == crate.id)
                           .order_by(Movement.depot_seq, MovementLine.line_no))
    entries, balance = [], 0
    for line, movement, weapon in rows:
        name = None
        if weapon is not None:
            name = f"{weapon.model} {weapon.serial}" if serials_ok else "weapon"
        else:
            balance += line.quantity
        entries.append(LedgerEntry(movement, line.quantity, balance, name, line.weapon_status))
    return entries


def _photos(session: Session, crate: Crate) -> list[Photo]:
    """Photos of the crate itself, of its counts and of findings about it (phones spell photo
    UUIDs in either case; the photo store keys them in lower case), once they belong to the
    crate's depot: until then only the phone that sent one may see it (access.check_photo)."""
    ids: set[str] = set()
    for photos in session.scalars(select(CountEvent.photos).where(
            CountEvent.crate_id == crate.id)):
        ids.update(p.lower() for p in photos or ())
    for photos in session.scalars(select(Finding.photos).where(Finding.crate_id == crate.id)):
        ids.update(p.lower() for p in photos or ())
    found = session.scalars(select(Photo).where(
        or_(Photo.crate_id == crate.id, func.lower(Photo.id).in_(sorted(ids))))
        .order_by(Photo.created_at, Photo.id))
    return [p for p in found if photo_depot_id(session, p) == crate.depot_id]


def _audit(session: Session, crate: Crate, conflicts: list[Conflict],
           discrepancies: list[Discrepancy], ledger: list[LedgerEntry],
           labels: list[LabelEntry]) -> list[AuditEvent]:
    """Every decision about the crate: its conflicts' and discrepancies' events, its ledger
    movements, its labels (relabels, retirements), reads of its serial list."""
    targets = [("crate", [crate.id]), ("conflict", [c.id for c in conflicts]),
               ("discrepancy", [d.id for d in discrepancies]),
               ("movement", sorted({e.movement.id for e in ledger})),
               ("label", [e.label.label_id for e in labels]),
               ("label_print", sorted({p.job_id for e in labels for p in e.prints}))]
    clauses = [(AuditEvent.entity == entity) & AuditEvent.entity_id.in_(ids)
               for entity, ids in targets if ids]
    return list(session.scalars(select(AuditEvent).where(or_(*clauses))
                                .order_by(AuditEvent.id.desc()).limit(AUDIT_LIMIT)))

"""One inspection as HQ reads it: labelled answers, photos (arrived and still missing), the
crates counted (book against observed), findings, and the discrepancies and conflicts its
ops opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import (
    AppliedOp,
    Conflict,
    CountEvent,
    Crate,
    Discrepancy,
    Finding,
    Submission,
    SubmissionAttachment,
)
from sync.access.principal import Principal
from sync.access.scope import get_submission, sees_submission
from sync.journal.restricted import serials_shown
from sync.photos.links import missing_photos
from sync.views.questions import Answer, catalogue, readable_answers


@dataclass(frozen=True)
class CountLine:
    crate_label: str
    book: int
    observed: int | None
    book_lot: str | None
    observed_lot: str | None
    seal_intact: bool | None
    seal_number: str | None
    condition: str | None
    blind: bool
    serial_count: int | None
    serials: list[str] | None  # None when the reader's role may not see serial lists
    counted_at: datetime | None

    @property
    def difference(self) -> int | None:
        return None if self.observed is None else self.observed - self.book


@dataclass(frozen=True)
class InspectionView:
    submission: Submission
    answers: list[Answer]
    photos: list[SubmissionAttachment]  # arrived
    missing: list[SubmissionAttachment]  # named by the form, not yet received
    counts: list[CountLine]
    findings: list[Finding]
    discrepancies: list[Discrepancy]
    conflicts: list[Conflict]
    replaces: Submission | None
    replaced_by: Submission | None

    @property
    def photo_names(self) -> dict[str, SubmissionAttachment]:
        return {a.name: a for a in self.photos}

    @property
    def missing_names(self) -> set[str]:
        return {a.name for a in self.missing}


def inspection_view(session: Session, principal: Principal, submission_id: str,
                    language: str, *, now: datetime) -> InspectionView:
    """The inspection, if the principal may read it. Showing counted serial lists is a
    restricted read, and is audited."""
    sub = get_submission(session, principal, submission_id)
    known = catalogue(session, sub.form_id, sub.form_version)
    events = list(session.scalars(select(CountEvent).where(CountEvent.submission_id == sub.id)
                                  .order_by(CountEvent.received_at, CountEvent.id)))
    crates = {c.id: c for c in session.scalars(
        select(Crate).where(Crate.id.in_({e.crate_id for e in events})))}
    serials_ok = serials_shown(session, principal, entity="submission", entity_id=sub.id,
                               depot_id=sub.depot_id,
                               present=any(e.observed_serials for e in events), now=now)
    return InspectionView(
        submission=sub, answers=readable_answers(sub.answers or {}, known, language, sub.form_id),
        photos=[a for a in sub.attachments if a.photo_id is not None],
        missing=missing_photos(sub),
        counts=[_count_line(e, crates[e.crate_id], serials_ok) for e in events],
        findings=list(session.scalars(select(Finding).where(Finding.submission_id == sub.id)
                                      .order_by(Finding.created_at, Finding.id))),
        discrepancies=_discrepancies(session, events),
        conflicts=list(session.scalars(
            select(Conflict).join(AppliedOp, (AppliedOp.device_id == Conflict.device_id)
                                  & (AppliedOp.op_id == Conflict.op_id))
            .where(Conflict.device_id == sub.device_id,
                   AppliedOp.batch_id == f"submission:{sub.instance_id}")
            .order_by(Conflict.created_at, Conflict.id))),
        replaces=_linked(session, principal, sub.deprecated_id),
        replaced_by=_linked(session, principal, sub.replaced_by))


def _count_line(event: CountEvent, crate: Crate, serials_ok: bool) -> CountLine:
    serials = event.observed_serials
    return CountLine(
        crate_label=crate.label_id, book=event.book_quantity, observed=event.observed_quantity,
        book_lot=crate.lot.lot_number if crate.lot else None, observed_lot=event.observed_lot,
        seal_intact=event.seal_intact, seal_number=event.seal_number,
        condition=event.condition, blind=event.blind,
        serial_count=len(serials) if serials is not None else None,
        serials=list(serials) if serials is not None and serials_ok else None,
        counted_at=event.counted_at)


def _discrepancies(session: Session, events: list[CountEvent]) -> list[Discrepancy]:
    """Discrepancies one of these counts opened or joined."""
    ids = {e.id for e in events}
    if not ids:
        return []
    candidates = session.scalars(select(Discrepancy).where(
        Discrepancy.crate_id.in_({e.crate_id for e in events}))
        .order_by(Discrepancy.opened_at, Discrepancy.id))
    return [d for d in candidates if ids & set(d.count_ids or ())]


def _linked(session: Session, principal: Principal, instance_id: str | None) -> Submission | None:
    if not instance_id:
        return None
    found = session.scalar(select(Submission).where(Submission.instance_id == instance_id))
    return found if found is not None and sees_submission(principal, found) else None

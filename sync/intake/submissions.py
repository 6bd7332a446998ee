"""accept_submission(): the one entry for completed forms, from the JSON door and OpenRosa.

Stored once per instance ID. The same ID with the same content is a duplicate; with other
content it is refused (409) and recorded for review, never overwritten. An edit names the
instance it replaces. A well-formed submission is never refused for its answers: what breaks
the form's rules is stored and flagged, because a phone cannot fix it in the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms.answers import check_answers, parse_datetime
from forms.registry import current_version, get_version, spec_of
from server.errors import AppError, NotFound
from server.models import (
    Crate,
    Depot,
    OpIncident,
    Submission,
    SubmissionAttachment,
)
from server.models.sync import SubmissionStatus
from sync.access.principal import Principal
from sync.access.scope import get_depot
from sync.engine.ingest import apply_batch, tally
from sync.engine.types import MAX_INT, BatchIn, OpIn
from sync.inspections.condition_reports import record_proposals
from sync.inspections.registers import record_register
from sync.inspections.visits import VisitPart, record_visit_part, visit_of
from sync.intake.entities import count_after, derived_op_id
from sync.intake.instance_keys import instance_key, note_elsewhere, readable, stored_under
from sync.journal.trail import Actor, audit_batch, record_audit
from sync.labels.ids import parse_label
from sync.photos.links import link_submission_photos
from sync.register.marking_checks import marking_check_findings
from sync.register.records import register_from_form


@dataclass(frozen=True)
class AttachmentIn:
    name: str
    question: str = ""
    photo_uuid: str | None = None


@dataclass(frozen=True)
class SubmissionIn:
    instance_id: str
    form_id: str
    source: str  # json | openrosa
    raw: str  # verbatim XML, or canonical JSON
    content_hash: str
    answers: dict[str, Any]
    form_version: str = ""
    depot_code: str | None = None
    deprecated_id: str | None = None
    visit_type: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    attachments: tuple[AttachmentIn, ...] = ()
    counts: tuple[dict[str, Any], ...] = ()  # each: crate (label or id), quantity, lot…
    findings: tuple[dict[str, Any], ...] = ()  # each: item, severity, text, crate…
    problems: tuple[dict[str, Any], ...] = ()  # found by the door (e.g. form rules)
    ops: tuple[OpIn, ...] = ()  # derived by the door (ODK entity blocks), applied first
    awaited: dict[str, OpIn] = field(default_factory=dict)  # counts' crates not known yet
    visit: VisitPart | None = None  # the visit it opens (F0) or is part of
    register: str = ""  # a register's day sheet: which register (keys, access…)
    entries: tuple[dict[str, Any], ...] = ()  # and its entries
    voucher: dict[str, Any] = field(default_factory=dict)  # a stock voucher form's answers
    proposals: tuple[dict[str, Any], ...] = ()  # F6: a lot's condition or suspension proposed


class SubmissionMismatch(AppError):
    """The same instance ID came again with other content. The first stands and the second
    was recorded for review, so a door commits before it raises this."""

    status, code = 409, "sync.submission_mismatch"

    @classmethod
    def of(cls, instance_id: str) -> SubmissionMismatch:
        return cls("This instance ID was already submitted with other content; the first "
                   "stands and this one was recorded for review.", instance_id=instance_id)


@dataclass
class Accepted:
    submission: Submission | None
    outcome: str  # created | duplicate | mismatch
    problems: list[dict[str, Any]] = field(default_factory=list)


def accept_submission(session: Session, principal: Principal, sub: SubmissionIn, *,
                      now: datetime, stored: tuple[str, Submission | None] | None = None,
                      ) -> Accepted:
    """``stored``: what stored_under answered for sub.instance_id, if the door asked."""
    principal.require("sync.push")
    with audit_batch(session):  # its events, and those of its ops, written together at the end
        key, existing = stored or stored_under(session, principal, sub.instance_id)
        return _accept(session, principal, sub, key, existing, now)


def _accept(session: Session, principal: Principal, sub: SubmissionIn, key: str,
            existing: Submission | None, now: datetime) -> Accepted:
    actor = Actor.of(principal)
    if key != sub.instance_id:
        note_elsewhere(session, principal, sub.instance_id, now)
        sub = replace(sub, instance_id=key)
    if existing is not None:
        return _again(session, actor, principal, existing, sub, now)
    depot, filed_at, depot_problems = _depot(session, principal, sub.depot_code)
    problems = list(sub.problems) + form_problems(session, sub.form_id, sub.form_version,
                                                  sub.answers) + depot_problems
    visit, visit_problems = visit_of(session, sub.visit, depot.id) \
        if sub.visit is not None and depot is not None else (None, [])
    problems += visit_problems
    submission = Submission(
        instance_id=sub.instance_id, form_id=sub.form_id, form_version=sub.form_version,
        source=sub.source, content_hash=sub.content_hash, raw=sub.raw, answers=sub.answers,
        deprecated_id=sub.deprecated_id, depot_id=filed_at and filed_at.id,
        device_id=principal.device_id, user_id=principal.user_id, visit_type=sub.visit_type,
        started_at=sub.started_at, ended_at=sub.ended_at, received_at=now,
        visit_id=visit and visit.id,
        attachments=[SubmissionAttachment(name=a.name, question=a.question,
                                          photo_uuid=a.photo_uuid) for a in sub.attachments])
    try:
        with session.begin_nested():
            session.add(submission)
    except IntegrityError:
        # the same submission, retried while the first POST was still running, waited for
        # that one to commit: it is answered as the duplicate (or mismatch) it is
        existing = session.scalar(select(Submission).where(
            Submission.instance_id == sub.instance_id))
        if existing is None:
            raise
        return _again(session, actor, principal, existing, sub, now)
    if sub.deprecated_id:
        problems += _replace(session, principal, submission, sub.deprecated_id)
    link_submission_photos(session, submission)
    register_findings = marking_check_findings(
        session, country_code=depot.country_code, depot_code=depot.code, depot_id=depot.id,
        answers=sub.answers, reference=sub.instance_id, user_id=principal.user_id, now=now,
    ) if sub.form_id == "marking_check" and depot is not None else []
    derived, ops = _derived_ops(session, principal, submission, sub, depot, now,
                                register_findings)
    problems += derived
    if visit is not None:
        problems += record_visit_part(session, principal, submission, sub.visit, visit,
                                      now=now, findings=bool(sub.findings or register_findings))
    if sub.register and depot is not None:
        problems += record_register(session, submission, sub.register, sub.entries)
    if sub.form_id == "weapon_registration" and depot is not None:
        problems += register_from_form(session, principal, sub.answers, now=now)
    if sub.proposals and depot is not None:
        problems += record_proposals(session, principal, submission, depot, sub.proposals,
                                     now=now)
    submission.problems = problems
    submission.status = SubmissionStatus.FLAGGED if problems else SubmissionStatus.ACCEPTED
    record_audit(session, actor, "submission.accept", now=now, entity="submission",
                 entity_id=submission.id, country_code=principal.country_code,
                 depot_id=submission.depot_id,
                 details={"instance_id": sub.instance_id, "form_id": sub.form_id,
                          "problems": len(problems), **({"ops": ops} if ops else {})})
    return Accepted(submission, "created", problems)


def _again(session: Session, actor: Actor, principal: Principal, existing: Submission,
           sub: SubmissionIn, now: datetime) -> Accepted:
    """An instance ID already stored: the same content is a duplicate; other content is
    recorded for review and the first stands."""
    if existing.content_hash == sub.content_hash:
        return Accepted(existing, "duplicate")
    session.add(OpIncident(device_id=principal.device_id, op_id=sub.instance_id,
                           kind="submission_mismatch", at=now,
                           payload={"form_id": sub.form_id, "content_hash": sub.content_hash},
                           reason="The same instance ID came with different content."))
    record_audit(session, actor, "submission.mismatch", now=now, entity="submission",
                 entity_id=existing.id, country_code=principal.country_code,
                 depot_id=existing.depot_id)
    return Accepted(existing, "mismatch")


def form_problems(session: Session, form_id: str, version: str,
                  answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers checked against the published form they name. A form the server never
    published (a JSON app's own) is not judged here; an unknown version of a published form
    is flagged."""
    row = get_version(session, form_id, version)
    if row is not None:
        return check_answers(spec_of(row), answers)
    if current_version(session, form_id) is not None:
        return [{"field": "form_version", "problem": "not a published version of this form",
                 "value": version[:64]}]
    return []


def get_submission(session: Session, principal: Principal, instance_id: str) -> Submission:
    """A submission its depot's scope covers (or, without a depot, its own device's)."""
    found = session.scalar(select(Submission).where(
        Submission.instance_id == instance_key(session, principal, instance_id)))
    if found is not None and readable(principal, found):
        return found
    raise NotFound("No such submission.", instance_id=instance_id)


def _depot(session: Session, principal: Principal,
           code: str | None) -> tuple[Depot | None, Depot | None, list[dict]]:
    """(the depot the submission applies to, the depot it is filed at, problems). A depot
    outside the sender's scope (a form finalized before a scope change) is still filed at
    that depot, flagged for its reviewers, and changes nothing there; one of another country
    or none at all is filed at no depot. Both are worded alike, so the answer tells the
    phone nothing of other depots."""
    if not code:
        return None, None, [{"field": "depot", "problem": "no depot named"}]
    try:
        depot = get_depot(session, principal, code)
        return depot, depot, []
    except NotFound:
        filed_at = session.scalar(select(Depot).where(
            Depot.country_code == principal.country_code, Depot.code == str(code).upper()))
        return None, filed_at, [{"field": "depot", "problem": "depot outside the sender's "
                                 "scope", "value": str(code)[:16]}]


def _replace(session: Session, principal: Principal, submission: Submission,
             deprecated_id: str) -> list[dict]:
    """An edit replaces the earlier version and carries its photos forward, if the sender
    could read that version; one it could not read is treated as unknown (no oracle)."""
    earlier = session.scalar(select(Submission).where(
        Submission.instance_id == instance_key(session, principal, deprecated_id)))
    if earlier is None or earlier.id == submission.id or not readable(principal, earlier):
        return [{"field": "deprecatedID", "problem": f"replaces unknown {deprecated_id[:64]}"}]
    earlier.status, earlier.replaced_by = SubmissionStatus.REPLACED, submission.instance_id
    arrived = {a.name: a for a in earlier.attachments if a.photo_id}
    for att in submission.attachments:
        if att.photo_id is None and att.name in arrived:
            att.photo_id = arrived[att.name].photo_id
            att.photo_uuid = att.photo_uuid or arrived[att.name].photo_uuid
    return []


def _derived_ops(session: Session, principal: Principal, submission: Submission,
                 sub: SubmissionIn, depot: Depot | None, now: datetime,
                 more_findings: list[dict] = ()) -> tuple[list[dict], dict[str, int]]:
    """The door's ops (entity blocks), then counts and findings (the form's, and those the
    server found, e.g. F5 against the register), become ops of the same engine, in one
    batch. Returns problems, and how many ops ended how (for the submission's audit event,
    which stands for the batch's: it goes to the depot's chain, not the country's)."""
    ops, problems = list(sub.ops), []
    for n, count in enumerate(sub.counts):
        crate = _crate(session, principal, count.get("crate"))
        update = sub.awaited.get(str(count.get("crate") or ""))
        if crate is None and update is not None:  # registered offline, still on the way
            values = {k: v for k, v in count.items() if k not in ("crate", "base_version")}
            ops.append(count_after(session, principal.device_id, derived_op_id(
                submission.instance_id, f"count:{n}"), update, values))
            continue
        if crate is None:
            problems.append({"field": f"counts[{n}]", "problem": "unknown crate",
                             "crate": str(count.get("crate"))[:64]})
            continue
        version = count.get("base_version")
        if version is not None and not (type(version) is int and 0 <= version <= MAX_INT):
            # still counted, against the crate's current version
            problems.append({"field": f"counts[{n}].base_version", "problem": "not a version"})
            version = None
        values = {k: v for k, v in count.items() if k not in ("crate", "base_version")}
        ops.append(_op(submission, f"count:{n}", "crate", crate.id, "count", values, version))
    # findings are filed at the submission's depot: with none in scope they stay in its answers
    for n, finding in enumerate((*sub.findings, *more_findings) if depot is not None else ()):
        values = dict(finding)
        if "crate" in values:
            crate = _crate(session, principal, values.pop("crate"))
            if crate is not None:
                values["crate_id"] = crate.id
        values.setdefault("depot", depot.code)
        ops.append(_op(submission, f"finding:{n}", "finding",
                       f"{submission.instance_id}:finding:{n}"[:64], "create", values, None))
    if sub.voucher and depot is not None:
        op, unknown = _voucher_op(session, principal, submission, sub.voucher, depot)
        ops.append(op)
        problems += unknown
    if not ops:
        return problems, {}
    result = apply_batch(session, principal, BatchIn(batch_id=f"submission:{sub.instance_id}",
                                                     ops=tuple(ops)), now=now, audited=False)
    for op, outcome in zip(ops, result.results, strict=True):
        if outcome.status in ("rejected", "blocked"):  # blocked: a voucher held for review
            problems.append({"field": op.op_id, "problem": outcome.reason, "code": outcome.code})
    return problems, tally(result)


def _voucher_op(session: Session, principal: Principal, submission: Submission,
                voucher: dict[str, Any], depot: Depot) -> tuple[OpIn, list[dict]]:
    """A stock voucher form as the op voucher.create the JSON door sends: its crates named by
    label become crate ids (one not in the sender's scope is a problem, not a line)."""
    lines, problems = [], []
    for n, line in enumerate(voucher.get("lines", ())):
        crate = _crate(session, principal, line.get("crate"))
        quantity = line.get("quantity", "")
        if crate is None:
            problems.append({"field": f"lines[{n}]", "problem": "unknown crate",
                             "crate": str(line.get("crate"))[:64]})
        else:
            lines.append({"crate_id": crate.id,
                          "quantity": int(quantity) if quantity.isdigit() else quantity})
    when = parse_datetime(voucher.get("occurred_at", ""))
    values = {"depot": depot.code, "type": voucher.get("type", ""), "lines": lines,
              "occurred_at": when.isoformat() if when else voucher.get("occurred_at", ""),
              **{k: voucher.get(k, "") for k in ("document_ref", "counterparty", "issuer",
                                                  "receiver")}}
    return _op(submission, "voucher", "voucher", f"{submission.instance_id}:voucher"[:64],
               "create", values, None), problems


def _op(submission: Submission, suffix: str, entity: str, entity_id: str, action: str,
        values: dict, base_version: int | None) -> OpIn:
    op_id = derived_op_id(submission.instance_id, suffix)
    raw = {"op_id": op_id, "entity": entity, "entity_id": entity_id, "action": action,
           "set": values, "base_version": base_version, "submission_id": submission.id}
    return OpIn(op_id=op_id, entity=entity, entity_id=entity_id, action=action,
                base_version=base_version,
                set=values, raw=raw)


def _crate(session: Session, principal: Principal, ref: Any) -> Crate | None:
    """A crate in the sender's scope named by label ID (printed, bare or typed) or by id;
    one outside it is as unknown as one that does not exist (no existence oracle)."""
    if not ref:
        return None
    ref = str(ref)
    try:
        label = str(parse_label(ref))
    except ValueError:
        crate = session.get(Crate, ref[:36])
    else:
        crate = session.scalar(select(Crate).where(Crate.label_id == label))
    if crate is None or not principal.sees_depot(crate.depot_id, crate.depot.country_code):
        return None
    return crate

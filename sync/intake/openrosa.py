"""An OpenRosa submission (ODK Collect's multipart POST) through ODK Central's decision table,
ending in accept_submission like the JSON door:

- a new instanceID is stored, its entity blocks, counts and findings applied -> created;
- the same instanceID with byte-identical XML keeps the attachments this POST carries ->
  duplicate (how Collect's split posts, marked *isIncomplete*, and retries reassemble);
- the same instanceID with other XML -> mismatch (409, recorded for review);
- deprecatedID: the new instance replaces the earlier one and carries its photos forward.
Attachment parts the XML does not name are ignored. A photo that fails its checks does not
fail the submission: it stays missing and the submission is flagged.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from sqlalchemy.orm import Session

from forms.derived import Derived, answers_to_fields
from forms.instance import Instance, InvalidXml, parse_instance, read_xml
from forms.registry import current_version, get_version, spec_of
from forms.spec import FormSpec
from server.errors import AppError
from server.models import Device, Submission
from server.models.sync import SubmissionStatus
from sync.access.principal import Principal
from sync.inspections.visits import VISITS, visit_part
from sync.intake.entities import entity_ops
from sync.intake.instance_keys import stored_under
from sync.intake.submissions import AttachmentIn, SubmissionIn, accept_submission
from sync.journal.trail import audit_batch
from sync.labels.ids import Signature, read_scan

log = logging.getLogger(__name__)
PHOTO_NS = uuid.UUID("6f1d3b7e-5c2a-4e8f-9a41-0d5e2c7b9f10")


@dataclass(frozen=True)
class PhotoKeeper:
    """The photo store bound to a store and limits (server.wiring): ``check`` does the file
    work with no database (sync.photos.records.check_photo_file); calling it keeps a photo
    like store_photo_file (the row, its links and audit, inside the transaction) from a
    path, a stream or what ``check`` returned."""

    check: Callable[[Path], Any]
    keep: Callable[..., Any]

    def __call__(self, session: Session, source: Any, **kwargs: Any) -> Any:
        return self.keep(session, source, **kwargs)


@dataclass(frozen=True)
class Upload:
    """One POST: the XML part's bytes and the other file parts, by part name."""

    xml: bytes
    files: Mapping[str, Path] = field(default_factory=dict)
    incomplete: bool = False  # *isIncomplete*: more POSTs with the same XML will follow


@dataclass
class Received:
    outcome: str  # created | duplicate | mismatch
    submission: Submission
    stored: list[str] = field(default_factory=list)  # attachments kept by this POST
    instance_id: str = ""  # as the phone sent it (answers name it, not the stored key)


def photo_id_for(instance_id: str, name: str) -> str:
    """The photo ID of a submission's attachment: Collect names none, so it is derived."""
    return str(uuid.uuid5(PHOTO_NS, f"{instance_id}/{name}"))


def receive_submission(session: Session, principal: Principal, upload: Upload, *,
                       keep_photo: PhotoKeeper | None, label_key: bytes | None,
                       now: datetime) -> Received:
    """label_key checks the signatures of scanned QR labels (server.wiring.label_key). The
    photos are checked and stored before the first database statement: a request holds no
    transaction (on SQLite, no write lock; on PostgreSQL, no audit chain head) while it
    hashes, decodes, thumbnails and fsyncs them."""
    principal.require("sync.push")
    root = read_xml(upload.xml)
    checked = _check_files(root, upload.files, keep_photo)
    row = get_version(session, (root.get("id") or "").strip(),
                      (root.get("version") or "").strip())
    spec = spec_of(row) if row is not None else None
    inst = parse_instance(root, spec)
    try:
        raw = upload.xml.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidXml("The submission XML is not UTF-8.") from None
    key, existing = stored_under(session, principal, inst.instance_id)  # photo ids use key
    sub = _submission_in(session, principal, inst, spec, raw, upload.xml,
                         new=existing is None, label_key=label_key, key=key)
    with audit_batch(session):
        accepted = accept_submission(session, principal, sub, now=now, stored=(key, existing))
        if accepted.outcome == "mismatch":
            return Received("mismatch", accepted.submission, instance_id=inst.instance_id)
        stored = _keep_attachments(session, principal, accepted.submission, checked,
                                   keep_photo, now)
    return Received(accepted.outcome, accepted.submission, stored, inst.instance_id)


def _submission_in(session: Session, principal: Principal, inst: Instance,
                   spec: FormSpec | None, raw: str, data: bytes, *, new: bool,
                   label_key: bytes | None, key: str) -> SubmissionIn:
    def photo_ref(name: str) -> str:
        return photo_id_for(key, name)

    problems: list[dict[str, Any]] = []
    ops, awaited = (), {}
    if spec is None and current_version(session, inst.form_id) is None:
        problems.append({"field": "form", "problem": "no published form has this ID",
                         "value": inst.form_id})  # (an unknown version: accept_submission)
    derived = answers_to_fields(spec, inst.answers, photo_ref) if spec else Derived()
    if new and label_key is not None:
        problems += _forged(derived.scans, label_key, principal, inst.instance_id)
    if new and inst.entities:
        entities = entity_ops(session, principal.device_id, inst.instance_id, inst.entities,
                              spec)
        ops, problems = entities.ops, problems + list(entities.problems)
        awaited = entities.awaited
    files = derived.attachments if spec else _named_files(inst.answers)
    opened = next((e.id for e in inst.entities if e.dataset == VISITS and e.create), None)
    return SubmissionIn(
        instance_id=inst.instance_id, form_id=inst.form_id, form_version=inst.version,
        source="openrosa", raw=raw, content_hash=hashlib.sha256(data).hexdigest(),
        answers=inst.answers, depot_code=derived.depot, deprecated_id=inst.deprecated_id,
        visit_type=derived.visit_type, started_at=derived.started_at,
        ended_at=derived.ended_at,
        attachments=tuple(AttachmentIn(name, question[:128], photo_ref(name))
                          for name, question in files[:500]),
        counts=derived.counts, findings=derived.findings, problems=tuple(problems), ops=ops,
        awaited=awaited, visit=visit_part(derived, opened), register=derived.register,
        entries=derived.entries, proposals=derived.proposals, voucher=derived.voucher)


def _forged(scans, key: bytes, principal: Principal, instance_id: str) -> list[dict]:
    """Scanned labels whose QR signature this server never made: a forged or copied label.
    The submission is kept and flagged; the label ID (never the whole scan) is logged."""
    problems = []
    for name, value in scans:
        try:
            scan = read_scan(value, key)
        except ValueError:
            continue  # not a label: the count names no crate and is flagged for that
        if scan.signature is Signature.INVALID:
            log.warning("forged label scan %s from device %s in %s", scan.label_id,
                        principal.device_id, instance_id)
            problems.append({"field": name, "problem": "forged label: its QR signature is "
                             "not this server's", "label_id": scan.label_id})
    return problems


MEDIA_NAME = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[A-Za-z][A-Za-z0-9]{1,4}")


def _named_files(answers: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Without a form: leaf answers that look like file names (a stem and an extension that
    starts with a letter, as Collect names media: 1732530000000.jpg) may be attachments;
    12.5, timestamps and IDs are not."""
    found: dict[str, str] = {}

    def walk(level: Mapping[str, Any]) -> None:
        for name, value in level.items():
            if isinstance(value, Mapping):
                walk(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, Mapping):
                        walk(item)
            elif isinstance(value, str) and len(value) <= 255 and MEDIA_NAME.fullmatch(value):
                found.setdefault(value, name)
    walk(answers)
    return tuple(found.items())


def _check_files(root: Element, files: Mapping[str, Path],
                 keep_photo: PhotoKeeper | None) -> dict[str, Any]:
    """The file parts whose names the XML holds as an answer, checked and stored; other
    parts are ignored (an answer naming a file that is no attachment leaves a harmless
    orphan in the content-addressed store)."""
    if keep_photo is None or not files:
        return {}
    named = {text.strip() for element in root.iter() if (text := element.text)}
    return {name: keep_photo.check(path) for name, path in files.items() if name in named}


def _keep_attachments(session: Session, principal: Principal, submission: Submission,
                      files: Mapping[str, Any], keep_photo: PhotoKeeper | None,
                      now: datetime) -> list[str]:
    """Keep the photos this POST carries for attachments still waiting; other parts are
    ignored. A photo refused by its checks flags the submission and stays missing."""
    if keep_photo is None or not files:
        return []
    device = session.get(Device, principal.device_id) if principal.device_id else None
    stored, problems = [], []
    for att in submission.attachments:
        checked = files.get(att.name)
        if checked is None or att.photo_id is not None:
            continue
        try:  # no savepoint: keep_photo refuses before it writes anything
            photo = keep_photo(
                session, checked, photo_id=att.photo_uuid, filename=att.name,
                instance_id=submission.instance_id, question=att.question, device=device,
                now=now, attachment=att)
        except AppError as exc:
            problems.append({"field": att.name, "problem": "photo refused: " + exc.message,
                             "code": exc.code})
            continue
        att.photo_id = photo.id
        stored.append(att.name)
    new = [p for p in problems if p not in (submission.problems or [])]
    if new:
        submission.problems = [*(submission.problems or []), *new]
        if submission.status is SubmissionStatus.ACCEPTED:
            submission.status = SubmissionStatus.FLAGGED
    session.flush()
    return stored

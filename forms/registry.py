"""Published forms: publish an XLSForm, list the current versions, find the version a
submission names. A published version never changes; publishing a new version leaves the
older ones readable, so their submissions are still checked against their own rules."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.spec import FormSpec, parse_definition, spec_from_xform
from forms.xlsform import FormInvalid, convert_xlsx
from server.errors import Conflict
from server.models import FormDefinition, FormVersion
from sync.journal.trail import Actor, record_audit

# the media files the server makes, by name; "entity" ones are ODK entity lists
MEDIA = {"crates.csv": "entity", "visits.csv": "entity", "depots.csv": "file",
         "crate_book.csv": "file", "users.csv": "file"}
DATASETS = {"crates", "visits"}
MAX_XLSX = 5 * 1024 * 1024


class VersionTaken(Conflict):
    code = "forms.version_taken"


def publish(session: Session, xlsx: bytes, *, actor: Actor, now: datetime,
            source_name: str = "") -> tuple[FormVersion, bool]:
    """Convert an XLSForm with pyxform and publish it. Returns (version, created); the same
    form and version again with the same XForm is a no-op, with another XForm a 409."""
    if len(xlsx) > MAX_XLSX:
        raise FormInvalid("An XLSForm is at most 5 MB.")
    xml = convert_xlsx(xlsx).xml
    spec = spec_from_xform(xml)
    _check(spec)
    md5 = hashlib.md5(xml.encode()).hexdigest()
    definition = session.scalar(select(FormDefinition).where(
        FormDefinition.form_id == spec["form_id"]))
    if definition is None:
        definition = FormDefinition(form_id=spec["form_id"], title=spec["title"],
                                    created_at=now)
        session.add(definition)
        session.flush()
    existing = session.scalar(select(FormVersion).where(
        FormVersion.definition_id == definition.id, FormVersion.version == spec["version"]))
    if existing is not None:
        if existing.md5 == md5:
            return existing, False
        raise VersionTaken(f"{spec['form_id']} version {spec['version']} is already published "
                           "with other content; give the new one a higher version.",
                           form_id=spec["form_id"], version=spec["version"])
    definition.title = spec["title"]
    row = FormVersion(definition_id=definition.id, form_id=spec["form_id"],
                      version=spec["version"], title=spec["title"], xml=xml, md5=md5,
                      xlsx=xlsx, source_name=source_name[:255], spec=spec, published_at=now,
                      published_by=actor.user_id)
    session.add(row)
    session.flush()
    record_audit(session, actor, "form.publish", now=now, entity="form",
                 entity_id=spec["form_id"], details={"version": spec["version"], "md5": md5})
    return row, True


def publish_shipped(session: Session, *, actor: Actor, now: datetime) -> list[FormVersion]:
    """Publish the forms shipped with depotsync (forms/sources) unless any form is published."""
    from forms.sources import SHIPPED
    from forms.xlsform import build_xlsx

    if session.scalar(select(FormVersion.id).limit(1)) is not None:
        return []
    return [publish(session, build_xlsx(s), actor=actor, now=now,
                    source_name=f"{s.form_id}.xlsx")[0] for s in SHIPPED]


def _check(spec: dict) -> None:
    if not spec["form_id"] or len(spec["form_id"]) > 64:
        raise FormInvalid("The form needs a form_id of at most 64 characters.")
    if not spec["version"] or len(spec["version"]) > 32:
        raise FormInvalid("The form needs a version (settings sheet), at most 32 characters.")
    unknown = [m for m in spec["media"] if m not in MEDIA]
    if unknown:
        raise FormInvalid("The form refers to files the server does not make.",
                          files=unknown, supported=sorted(MEDIA))
    datasets = {e["dataset"] for e in spec["entities"]} - DATASETS
    if datasets:
        raise FormInvalid("Unknown entity list.", datasets=sorted(datasets),
                          supported=sorted(DATASETS))


def current_versions(session: Session) -> list[FormVersion]:
    """The latest published version of every form, by form ID."""
    latest = (select(FormVersion.definition_id, func.max(FormVersion.id).label("id"))
              .group_by(FormVersion.definition_id).subquery())
    return list(session.scalars(select(FormVersion).join(latest, FormVersion.id == latest.c.id)
                                .order_by(FormVersion.form_id)))


def current_version(session: Session, form_id: str) -> FormVersion | None:
    return session.scalar(select(FormVersion).where(FormVersion.form_id == form_id)
                          .order_by(FormVersion.id.desc()).limit(1))


def get_version(session: Session, form_id: str, version: str) -> FormVersion | None:
    return session.scalar(select(FormVersion).where(FormVersion.form_id == form_id,
                                                    FormVersion.version == version))


_SPECS: dict[str, FormSpec] = {}


def spec_of(row: FormVersion) -> FormSpec:
    """The parsed spec of a version, cached by the XForm's md5: a published version never
    changes, and two versions with the same XForm have the same spec."""
    spec = _SPECS.get(row.md5)
    if spec is None:
        spec = _SPECS[row.md5] = parse_definition(row.spec)
    return spec

"""Published forms: publish an XLSForm, list the current versions, find the version a
submission names. A published version never changes; publishing a new version leaves the
older ones readable, so their submissions are still checked against their own rules.

A country publishes its own version of a form under the id "<cc>_<base>" (ng_security_check
for NG's security_check): its phones get it in the place of base, other countries' phones
never see it. A prefix rather than the same id per country keeps every form id unique, so a
submission (which names only its form id and version) is read against exactly its form
whichever phone sent it, ODK Collect never mixes two countries' drafts of "one" form, and HQ
still sees which shipped form a country's version stands for (base_form_id).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defer

from forms.spec import FormSpec, parse_definition, spec_from_xform
from forms.xlsform import FormInvalid, convert_xlsx
from server.errors import Conflict
from server.models import Country, FormDefinition, FormVersion
from sync.journal.trail import Actor, record_audit

# the media files the server makes, by name; "entity" ones are ODK entity lists
MEDIA = {"crates.csv": "entity", "visits.csv": "entity", "depots.csv": "file",
         "locations.csv": "file",
         "crate_book.csv": "file", "users.csv": "file", "registers.csv": "file",
         "buildings.csv": "file", "lots.csv": "file"}
DATASETS = {"crates", "visits"}
MAX_XLSX = 5 * 1024 * 1024


# ODK Collect names itself in its User-Agent ("org.odk.collect.android/v2024.3.1 Dalvik/…");
# entity blocks inside repeats (entities-version 2025.1.0) are read from v2026.1 on
COLLECT = re.compile(r"org\.odk\.collect\.android/v(\d{4})\.(\d+)")
ENTITIES_VERSION = re.compile(r'entities-version="(\d{4})\.(\d+)')
REPEAT_ENTITIES, COLLECT_WITH_REPEAT_ENTITIES = (2025, 1), (2026, 1)


class VersionTaken(Conflict):
    code = "forms.version_taken"


def publish(session: Session, xlsx: bytes, *, actor: Actor, now: datetime,
            source_name: str = "", country: str | None = None) -> tuple[FormVersion, bool]:
    """Convert an XLSForm with pyxform and publish it (for every country, or as a country's
    own version). Returns (version, created); the same form and version again with the same
    XForm is a no-op, with another XForm a 409."""
    if len(xlsx) > MAX_XLSX:
        raise FormInvalid("An XLSForm is at most 5 MB.")
    xml = convert_xlsx(xlsx).xml
    spec = spec_from_xform(xml)
    _check(spec)
    md5 = hashlib.md5(xml.encode()).hexdigest()
    definition = _definition(session, spec, country, now)
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
    if session.scalar(select(FormVersion.id).limit(1)) is not None:
        return []
    return [publish(session, xlsx, actor=actor, now=now, source_name=f"{form_id}.xlsx")[0]
            for form_id, xlsx in _shipped_workbooks()]


@functools.cache
def _shipped_workbooks() -> tuple[tuple[str, bytes], ...]:
    """The shipped forms' XLSForm workbooks, built once a process (the same bytes on every
    build; openpyxl takes ~25 ms a workbook)."""
    from forms.sources import SHIPPED
    from forms.xlsform import build_xlsx

    return tuple((s.form_id, build_xlsx(s)) for s in SHIPPED)


def _definition(session: Session, spec: dict, country: str | None,
                now: datetime) -> FormDefinition:
    form_id = spec["form_id"]
    if country is not None and session.get(Country, country) is None:
        raise FormInvalid(f"No country {country!r}.", country=country)
    prefix = f"{country.lower()}_" if country else None
    if prefix and not (form_id.startswith(prefix) and len(form_id) > len(prefix)):
        raise FormInvalid(f"A form of {country} has an id that starts with {prefix}, e.g. "
                          f"{prefix}security_check.", form_id=form_id)
    definition = session.scalar(select(FormDefinition).where(
        FormDefinition.form_id == form_id))
    if definition is None:
        definition = FormDefinition(form_id=form_id, title=spec["title"], created_at=now,
                                    country_code=country,
                                    base_form_id=form_id.removeprefix(prefix) if prefix
                                    else None)
        session.add(definition)
        session.flush()
    elif definition.country_code != country:
        raise FormInvalid("This form id is already published for "
                          f"{definition.country_code or 'every country'}.", form_id=form_id)
    return definition


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


def current_versions(session: Session, country: str | None = None) -> list[FormVersion]:
    """The latest published version of every form, by form ID; with a country, the forms
    its phones get: every country's forms, a form of its own standing in for its base."""
    latest = (select(FormVersion.definition_id, func.max(FormVersion.id).label("id"))
              .group_by(FormVersion.definition_id).subquery())
    query = (select(FormVersion).join(latest, FormVersion.id == latest.c.id)
             .join(FormDefinition, FormDefinition.id == FormVersion.definition_id)
             .order_by(FormVersion.form_id))
    if country is None:
        return list(session.scalars(query))
    rows = list(session.scalars(query.where(or_(FormDefinition.country_code.is_(None),
                                                FormDefinition.country_code == country))))
    replaced = {r.definition.base_form_id for r in rows if r.definition.country_code}
    return [r for r in rows if r.form_id not in replaced]


def readable_by(rows: Sequence[FormVersion], user_agent: str) -> list[FormVersion]:
    """The forms a client can open: an ODK Collect older than v2026.1 is not offered forms
    with entity blocks in repeats (their one-crate twins, `…_one`, stand in); any other
    client gets them all."""
    found = COLLECT.search(user_agent or "")
    if found is None or (int(found[1]), int(found[2])) >= COLLECT_WITH_REPEAT_ENTITIES:
        return list(rows)
    return [r for r in rows if _entities_version(r.xml) < REPEAT_ENTITIES]


def _entities_version(xml: str) -> tuple[int, int]:
    found = ENTITIES_VERSION.search(xml)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def current_version(session: Session, form_id: str,
                    country: str | None = None) -> FormVersion | None:
    """The latest version of a form; with a country, only if its phones get that form."""
    if country is not None:
        return next((r for r in current_versions(session, country) if r.form_id == form_id),
                    None)
    return session.scalar(select(FormVersion).where(FormVersion.form_id == form_id)
                          .order_by(FormVersion.id.desc()).limit(1))


# what a submission's rules need of its form is spec_of(row), cached by md5: the XForm, the
# XLSForm and the spec's JSON (tens of KB a submission) are read only if asked for
LIGHT = (defer(FormVersion.xml), defer(FormVersion.xlsx), defer(FormVersion.spec))


def get_version(session: Session, form_id: str, version: str) -> FormVersion | None:
    """One published version. A version never changes once published, so the session keeps
    the id it found: the several rules that consult a submission's form in one request (the
    door, the answer checks, the visit's score) ask the database once."""
    found = session.info.setdefault("form_version_ids", {})
    if (form_id, version) in found:
        row = session.get(FormVersion, found[form_id, version])  # the identity map: no SQL
        if row is not None:
            return row
    row = session.scalar(select(FormVersion).where(FormVersion.form_id == form_id,
                                                   FormVersion.version == version)
                         .options(*LIGHT))
    if row is not None:
        found[form_id, version] = row.id
    return row


_SPECS: dict[str, FormSpec] = {}


def spec_of(row: FormVersion) -> FormSpec:
    """The parsed spec of a version, cached by the XForm's md5: a published version never
    changes, and two versions with the same XForm have the same spec."""
    spec = _SPECS.get(row.md5)
    if spec is None:
        spec = _SPECS[row.md5] = parse_definition(row.spec)
    return spec

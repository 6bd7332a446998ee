"""Answers as people read them: flattened question paths, their labels and sections in the
reader's language, and checklist compliance per section. What a form says about its questions
comes from the forms registry (each published version's labels; a question's section is its
group, as the OpenRosa door files findings), or from another source added for a form it does
not hold."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.registry import current_version, get_version, spec_of
from forms.spec import labels_by_path
from server.models.forms import FormDefinition


@dataclass(frozen=True)
class Question:
    """What a form says about one question: its label and its checklist section, each in
    the languages the form has ({"en": …, "fr": …})."""

    labels: Mapping[str, str] = field(default_factory=dict)
    section: str = ""
    section_labels: Mapping[str, str] = field(default_factory=dict)


Catalogue = Mapping[str, Question]  # question name or path -> Question
# (session, form_id, form_version) -> the form's questions, or None if the source does not
# know the form. The forms registry registers one with add_label_source().
LabelSource = Callable[[Session, str, str], Catalogue | None]
_SOURCES: list[LabelSource] = []
_PUBLISHED: dict[str, Catalogue] = {}  # by XForm md5: a published version never changes

MAX_DEPTH = 12  # deeper nesting (only a hostile phone sends it) is shown as JSON text
YES = frozenset({"yes", "oui", "true", "y"})
NO = frozenset({"no", "non", "false", "n"})
NOT_APPLICABLE = frozenset({"na", "n/a", "n.a.", "not_applicable", "sans_objet"})
_INDEX = re.compile(r"\[\d+\]")
_SECTION = re.compile(r"^([A-Za-z]\d{1,2})(?:[_.\-]|$)")


def add_label_source(source: LabelSource) -> LabelSource:
    _SOURCES.append(source)
    return source


def remove_label_source(source: LabelSource) -> None:
    _SOURCES.remove(source)


def catalogue(session: Session, form_id: str, form_version: str) -> Catalogue:
    for source in (*_SOURCES, published_questions):
        found = source(session, form_id, form_version)
        if found is not None:
            return found
    return {}


def published_questions(session: Session, form_id: str, form_version: str) -> Catalogue | None:
    """The questions of a published form: this version's, else (an unknown version) the
    latest's; None for a form the registry does not hold."""
    row = (get_version(session, form_id, form_version) if form_version else None) \
        or current_version(session, form_id)
    if row is None:
        return None
    if row.md5 not in _PUBLISHED:
        texts = labels_by_path(row.xml)
        _PUBLISHED[row.md5] = {
            f.name: Question(f.label, f.group, texts.get(f.path.rpartition("/")[0], {}))
            for f in spec_of(row).fields}
    return _PUBLISHED[row.md5]


@dataclass(frozen=True)
class Answer:
    path: str  # "f1/fence_intact", "f4[2]/count" (repeats numbered from 1)
    label: str
    value: Any
    section: str  # as the reader reads it


def flatten(answers: Mapping[str, Any], prefix: str = "",
            depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(path, value) for every leaf answer: groups become path segments, repeats get [n]."""
    for key, value in answers.items():
        path = f"{prefix}/{key}" if prefix else str(key)
        if depth >= MAX_DEPTH and isinstance(value, dict | list):
            yield path, json.dumps(value, ensure_ascii=False)[:2000]
        elif isinstance(value, dict):
            yield from flatten(value, path, depth + 1)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for n, item in enumerate(value, start=1):
                yield from flatten(item, f"{path}[{n}]", depth + 1)
        else:
            yield path, value


def question_of(known: Catalogue, path: str) -> Question | None:
    """The question at `path`, by its full path or (forms key answers by name) its name."""
    bare = _INDEX.sub("", path)
    return known.get(bare) or known.get(bare.rsplit("/", 1)[-1])


def in_language(texts: Mapping[str, str], language: str) -> str | None:
    """The text in `language`, else English, else any."""
    if not texts:
        return None
    return texts.get(language) or texts.get("en") or next(iter(texts.values()))


def label_of(known: Catalogue, path: str, language: str) -> str:
    """The question's label in `language` (else English, else any), else its name tidied."""
    question = question_of(known, path)
    found = in_language(question.labels, language) if question else None
    bare = _INDEX.sub("", path)
    return found or bare.rsplit("/", 1)[-1].replace("_", " ").strip().capitalize() or path


def section_of(path: str) -> str:
    """The section a path names: its top group ("f1_security/…"), or the section prefix of
    a flat name ("f1_fence" -> "F1"); "" when neither says."""
    head = _INDEX.sub("", path).split("/", 1)
    if len(head) == 2:
        return head[0]
    match = _SECTION.match(head[0])
    return match.group(1).upper() if match else ""


def section_key(known: Catalogue, form_id: str, path: str) -> str:
    """The checklist section of an answer: as its form says, else as its path says, else
    its form (checklists of one section per form answer with bare names)."""
    question = question_of(known, path)
    return (question.section if question and question.section else "") \
        or section_of(path) or form_id


def section_label(known: Catalogue, key: str, language: str) -> str:
    for question in known.values():
        if question.section == key and question.section_labels:
            return in_language(question.section_labels, language) or key
    return key


def readable_answers(answers: Mapping[str, Any], known: Catalogue, language: str,
                     form_id: str = "") -> list[Answer]:
    return [Answer(path, label_of(known, path, language), value,
                   section_label(known, section_key(known, form_id, path), language))
            for path, value in flatten(answers)]


def verdict(value: Any) -> str | None:
    """yes, no or na for a checklist answer; None for anything else (counts, text…)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    if word in YES:
        return "yes"
    if word in NO:
        return "no"
    return "na" if word in NOT_APPLICABLE else None


@dataclass(frozen=True)
class SectionScore:
    section: str  # its key
    label: str  # in the reader's language
    yes: int
    no: int
    not_applicable: int

    @property
    def answered(self) -> int:
        return self.yes + self.no

    @property
    def percent(self) -> int | None:
        return round(100 * self.yes / self.answered) if self.answered else None


def compliance(inspections: Iterable[tuple[str, Mapping[str, Any], Catalogue]],
               language: str) -> list[SectionScore]:
    """Per section, how many yes/no checklist items were met across the inspections, each
    given as (form id, answers, its form's catalogue). N.A. is counted apart and does not
    lower the score."""
    tally: dict[str, dict[str, int]] = {}
    labels: dict[str, str] = {}
    for form_id, answers, known in inspections:
        for path, value in flatten(answers):
            word = verdict(value)
            if word is None:
                continue
            key = section_key(known, form_id, path)
            labels.setdefault(key, section_label(known, key, language))
            counts = tally.setdefault(key, {"yes": 0, "no": 0, "na": 0})
            counts[word] += 1
    return [SectionScore(key, labels[key], c["yes"], c["no"], c["na"])
            for key, c in sorted(tally.items())]


TITLE_ORDER = ("en", "fr", "ar")  # the languages of a form title, in the order written


def form_titles(session: Session, language: str) -> dict[str, str]:
    """Each published form's title in the reader's language: titles are written
    "English / Français / العربية"; a part left out is read in English."""
    out = {}
    for form_id, title in session.execute(select(FormDefinition.form_id, FormDefinition.title)):
        parts = [p.strip() for p in (title or "").split(" / ")]
        wanted = TITLE_ORDER.index(language) if language in TITLE_ORDER else 0
        out[form_id] = (parts[wanted] if wanted < len(parts) else parts[0]) or form_id
    return out

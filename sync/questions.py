"""Answers as people read them: flattened question paths, their labels in the reader's
language, and checklist compliance per section. Pure, except that labels come from whatever
form registry has registered itself as a label source."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

# (session, form_id, form_version) -> {question path: {language: label}}, or None if the
# source does not know the form. The forms registry registers one with add_label_source().
LabelSource = Callable[[Session, str, str], Mapping[str, Mapping[str, str]] | None]
_SOURCES: list[LabelSource] = []

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


def question_labels(session: Session, form_id: str,
                    form_version: str) -> Mapping[str, Mapping[str, str]]:
    for source in _SOURCES:
        found = source(session, form_id, form_version)
        if found is not None:
            return found
    return {}


@dataclass(frozen=True)
class Answer:
    path: str  # "f1/fence_intact", "f4[2]/count" (repeats numbered from 1)
    label: str
    value: Any
    section: str


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


def label_of(labels: Mapping[str, Mapping[str, str]], path: str, language: str) -> str:
    """The question's label in `language` (else English, else any), else its name tidied."""
    bare = _INDEX.sub("", path)
    for key in (bare, bare.rsplit("/", 1)[-1]):
        texts = labels.get(key)
        if texts:
            return texts.get(language) or texts.get("en") or next(iter(texts.values()))
    return bare.rsplit("/", 1)[-1].replace("_", " ").strip().capitalize() or path


def section_of(path: str) -> str:
    """The checklist section an answer belongs to: its top group ("f1_security/…"), or the
    section prefix of a flat name ("f1_fence" -> "F1"); "" when neither says."""
    head = _INDEX.sub("", path).split("/", 1)
    if len(head) == 2:
        return head[0]
    match = _SECTION.match(head[0])
    return match.group(1).upper() if match else ""


def readable_answers(answers: Mapping[str, Any], labels: Mapping[str, Mapping[str, str]],
                     language: str) -> list[Answer]:
    return [Answer(path, label_of(labels, path, language), value, section_of(path))
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
    section: str
    yes: int
    no: int
    not_applicable: int

    @property
    def answered(self) -> int:
        return self.yes + self.no

    @property
    def percent(self) -> int | None:
        return round(100 * self.yes / self.answered) if self.answered else None


def compliance(answer_sets: Iterable[Mapping[str, Any]]) -> list[SectionScore]:
    """Per section, how many yes/no checklist items were met across the given inspections
    (N.A. is counted apart and does not lower the score)."""
    tally: dict[str, dict[str, int]] = {}
    for answers in answer_sets:
        for path, value in flatten(answers):
            word = verdict(value)
            if word is not None:
                counts = tally.setdefault(section_of(path), {"yes": 0, "no": 0, "na": 0})
                counts[word] += 1
    return [SectionScore(section, c["yes"], c["no"], c["na"])
            for section, c in sorted(tally.items())]

"""Submission XML as ODK Collect sends it, read safely: no DTD, no entities, no external
references (defusedxml), so XXE and entity-expansion bombs are refused before any expansion.

answers: the instance flattened by question name: groups dissolve into their parent, a
repeat becomes a list of dicts. Entity blocks (`meta/entity`, with or without the
`entities:` prefix, at the top or in a repeat) come out with the answers of their container.
Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from forms.spec import FormSpec, local
from server.errors import AppError

META_FIELDS = {"instanceID", "deprecatedID", "instanceName", "audit", "entity"}
MAX_DEPTH = 32


class InvalidXml(AppError):
    status, code = 400, "openrosa.invalid_xml"


class MissingInstanceId(AppError):
    status, code = 400, "openrosa.no_instance_id"


@dataclass(frozen=True)
class EntityBlock:
    dataset: str
    id: str
    create: bool
    update: bool
    base_version: str
    trunk_version: str
    branch_id: str
    label: str | None
    container: str | None  # repeat path, None at the top
    values: dict[str, Any] = field(default_factory=dict)  # answers of the container


@dataclass(frozen=True)
class Instance:
    form_id: str
    version: str
    instance_id: str
    deprecated_id: str | None
    answers: dict[str, Any]
    entities: tuple[EntityBlock, ...]


def read_xml(data: bytes) -> Element:
    """Parse submission XML; anything not plain, well-formed XML is a 400."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise InvalidXml("XML with a DTD or entities is not accepted.") from None
    except (ParseError, ValueError) as exc:
        raise InvalidXml(f"The submission is not well-formed XML: {exc}") from None


def parse_instance(root: Element, spec: FormSpec | None) -> Instance:
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise InvalidXml("The submission's root element has no form id.")
    meta = next((c for c in root if local(c.tag) == "meta"), None)
    instance_id = _meta_text(meta, "instanceID")
    if not instance_id:
        raise MissingInstanceId("The submission has no meta/instanceID.")
    if len(instance_id) > 64:
        raise InvalidXml("The instanceID is over 64 characters.")
    repeats = {r.path for r in spec.repeats} if spec else None
    entities: list[EntityBlock] = []
    answers = _flatten(root, "", None, repeats, entities, 0)
    return Instance(form_id=form_id[:64], version=(root.get("version") or "").strip()[:32],
                    instance_id=instance_id, deprecated_id=_meta_text(meta, "deprecatedID")
                    or None, answers=answers, entities=tuple(entities))


def _meta_text(meta: Element | None, name: str) -> str:
    if meta is None:
        return ""
    el = next((c for c in meta if local(c.tag) == name), None)
    return (el.text or "").strip() if el is not None else ""


def _flatten(node: Element, path: str, repeat: str | None, repeats: set[str] | None,
             entities: list[EntityBlock], depth: int) -> dict[str, Any]:
    """The answers under node; entity blocks met on the way are added to `entities`."""
    if depth > MAX_DEPTH:
        raise InvalidXml("The submission nests too deeply.")
    out: dict[str, Any] = {}
    blocks: list[Element] = []
    tags = [local(c.tag) for c in node]
    for child, name in zip(node, tags, strict=True):
        cpath = f"{path}/{name}" if path else name
        if name == "meta":
            blocks += [e for e in child if local(e.tag) == "entity"]
        elif _is_repeat(cpath, name, tags, child, repeats):
            out.setdefault(name, []).append(
                _flatten(child, cpath, cpath, repeats, entities, depth + 1))
        elif len(child):
            out.update(_flatten(child, cpath, repeat, repeats, entities, depth + 1))
        else:
            out[name] = (child.text or "").strip()
    entities += [_entity(e, repeat, out) for e in blocks]
    return out


def _is_repeat(path: str, name: str, tags: list[str], child: Element,
               repeats: set[str] | None) -> bool:
    if repeats is not None:
        return path in repeats
    return len(child) > 0 and tags.count(name) > 1  # no spec: a repeated group is a repeat


def _entity(el: Element, container: str | None, values: dict[str, Any]) -> EntityBlock:
    attrs = {local(k): (v or "").strip() for k, v in el.attrib.items()}
    label = next((c for c in el if local(c.tag) == "label"), None)
    return EntityBlock(
        dataset=attrs.get("dataset", ""), id=attrs.get("id", ""),
        create=attrs.get("create", "").lower() in ("1", "true"),
        update=attrs.get("update", "").lower() in ("1", "true"),
        base_version=attrs.get("baseVersion", ""), trunk_version=attrs.get("trunkVersion", ""),
        branch_id=attrs.get("branchId", ""),
        label=(label.text or "").strip() if label is not None else None,
        container=container, values=values)

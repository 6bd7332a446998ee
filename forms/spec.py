"""What a form asks, read from its XForm: fields with their type, rules and `ds:` meaning,
repeats, entity declarations and media files. Stored as JSON with each published version
(spec_from_xform) and read back as frozen dataclasses (parse_definition). Pure: no database.

Answers are keyed by field name (pyxform paths flattened), so names must be unique in a form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from forms.sources.common import DS_NS
from forms.xlsform import FormInvalid

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
JR = "http://openrosa.org/javarosa"
ENTITIES = "http://www.opendatakit.org/xforms/entities"
CONTROLS = {"input", "select1", "select", "upload", "trigger", "range", "rank"}
MEDIA_SRC = re.compile(r"^jr://file(?:-csv)?/([^/]+)$")
INSTANCE_REF = re.compile(r"instance\('([^']+)'\)")
LANG_CODE = re.compile(r"\(([a-z]{2,3})\)\s*$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    path: str  # from the root, e.g. "lines/quantity"
    repeat: str | None  # path of the nearest enclosing repeat
    type: str  # bind type: string, int, decimal, date, dateTime, geopoint, binary, barcode…
    control: str | None  # body control: input, select1, select, upload…; None if hidden
    required: bool | str  # True, False, or an XPath expression
    relevant: tuple[str, ...]  # its own and its groups' relevance expressions
    constraint: str | None
    calculate: bool
    choices: tuple[str, ...] | None  # static choice names, None when from a file
    saveto: str | None
    ds: dict[str, str]
    label: dict[str, str]

    @property
    def group(self) -> str:
        """The innermost group or repeat it sits in ("" at the top)."""
        return self.path.rsplit("/", 2)[-2] if "/" in self.path else ""


@dataclass(frozen=True)
class RepeatSpec:
    name: str
    path: str
    parent: str | None


@dataclass(frozen=True)
class EntityDecl:
    dataset: str
    container: str | None  # repeat path holding the entity block, None at the top
    create: bool
    update: bool


@dataclass(frozen=True)
class FormSpec:
    form_id: str
    version: str
    title: str
    fields: tuple[FieldSpec, ...]
    repeats: tuple[RepeatSpec, ...]
    entities: tuple[EntityDecl, ...]
    media: tuple[str, ...]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def repeat(self, name: str) -> RepeatSpec | None:
        return next((r for r in self.repeats if r.name == name), None)

    def fields_in(self, repeat: str | None) -> list[FieldSpec]:
        return [f for f in self.fields if f.repeat == repeat]

    def tagged(self, attr: str) -> list[FieldSpec]:
        return [f for f in self.fields if attr in f.ds]


def parse_definition(data: dict[str, Any]) -> FormSpec:
    """The stored JSON spec as dataclasses."""
    return FormSpec(
        form_id=data["form_id"], version=data["version"], title=data["title"],
        fields=tuple(FieldSpec(**{**f, "relevant": tuple(f["relevant"]),
                                  "choices": tuple(f["choices"]) if f["choices"] is not None
                                  else None}) for f in data["fields"]),
        repeats=tuple(RepeatSpec(**r) for r in data["repeats"]),
        entities=tuple(EntityDecl(**e) for e in data["entities"]),
        media=tuple(data["media"]))


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def spec_from_xform(xml: str) -> dict[str, Any]:
    """Read an XForm (as pyxform writes it) into the JSON spec."""
    doc = fromstring(xml.encode(), forbid_dtd=True)
    model = doc.find(f"{{{H}}}head/{{{XF}}}model")
    primary = model.find(f"{{{XF}}}instance")
    root = next(iter(primary))
    binds = {b.get("nodeset"): b for b in model.iter(f"{{{XF}}}bind")}
    body = _body(doc.find(f"{{{H}}}body"))
    secondary = {i.get("id"): i for i in model.findall(f"{{{XF}}}instance") if i.get("id")}
    labels = _itext(model)
    top = "/" + local(root.tag)
    fields, repeats, entities = [], [], []
    _walk(root, top, None, [], binds, body, secondary, labels, fields, repeats, entities)
    names = [f["name"] for f in fields]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise FormInvalid("Question names must be unique in a form.", names=dupes)
    return {"form_id": root.get("id") or "", "version": root.get("version") or "",
            "title": (doc.findtext(f"{{{H}}}head/{{{H}}}title") or "").strip(),
            "fields": fields, "repeats": repeats, "entities": entities,
            "media": sorted({m.group(1) for i in secondary.values()
                             if (m := MEDIA_SRC.match(i.get("src") or ""))})}


def _walk(node: Element, path: str, repeat: str | None, relevant: list[str], binds, body,
          secondary, labels, fields, repeats, entities) -> None:
    seen = set()
    for child in node:
        name = local(child.tag)
        if name in seen:
            continue  # pyxform writes a repeat's template and a first instance
        seen.add(name)
        cpath = f"{path}/{name}"
        rel = relative(cpath)
        if name == "meta":
            entities += _entities(child, repeat)
            continue
        bind = binds.get(cpath)
        here = relevant + ([bind.get("relevant")] if bind is not None and bind.get("relevant")
                           else [])
        if body.get(cpath, {}).get("control") == "repeat":
            repeats.append({"name": name, "path": rel, "parent": repeat})
            _walk(child, cpath, rel, here, binds, body, secondary, labels, fields, repeats,
                  entities)
        elif len(child):
            _walk(child, cpath, repeat, here, binds, body, secondary, labels, fields, repeats,
                  entities)
        else:
            fields.append(_field(name, cpath, repeat, here, bind, body.get(cpath, {}),
                                 secondary, labels))


def relative(path: str) -> str:
    return path.split("/", 2)[2]


def _field(name, path, repeat, relevant, bind, control, secondary, labels) -> dict[str, Any]:
    bind = bind if bind is not None else Element("bind")
    required = bind.get("required")
    instance = control.get("itemset")
    choices = None
    if instance and instance in secondary and not secondary[instance].get("src"):
        choices = [item.findtext(f"{{{XF}}}name") for item in
                   secondary[instance].iter(f"{{{XF}}}item")]
    return {
        "name": name, "path": relative(path), "repeat": repeat,
        "type": bind.get("type") or "string", "control": control.get("control"),
        "required": True if required == "true()" else (required or False)
        if required != "false()" else False,
        "relevant": relevant, "constraint": bind.get("constraint"),
        "calculate": bind.get("calculate") is not None, "choices": choices,
        "saveto": bind.get(f"{{{ENTITIES}}}saveto"),
        "ds": {local(k): v for k, v in bind.attrib.items() if k.startswith(f"{{{DS_NS}}}")},
        "label": labels.get(f"{path}:label", {}),
    }


def _entities(meta: Element, repeat: str | None) -> list[dict[str, Any]]:
    return [{"dataset": e.get("dataset") or "", "container": repeat,
             "create": e.get("create") is not None, "update": e.get("update") is not None}
            for e in meta if local(e.tag) == "entity"]


def _body(body: Element | None) -> dict[str, dict[str, str]]:
    """ref -> {control, itemset instance id} for every body control, group and repeat."""
    out: dict[str, dict[str, str]] = {}
    for el in body.iter() if body is not None else ():
        kind = local(el.tag)
        ref = el.get("nodeset") if kind == "repeat" else el.get("ref")
        if ref and (kind in CONTROLS or kind == "repeat"):
            entry = {"control": kind}
            itemset = el.find(f"{{{XF}}}itemset")
            if itemset is not None and (m := INSTANCE_REF.search(itemset.get("nodeset", ""))):
                entry["itemset"] = m.group(1)
            out[ref] = entry
    return out


def labels_by_path(xml: str) -> dict[str, dict[str, str]]:
    """Every label of an XForm, groups' and repeats' too (fields carry theirs in the spec):
    path from the root ("perimeter", "perimeter/fence_intact") -> {language code: text}."""
    doc = fromstring(xml.encode(), forbid_dtd=True)
    texts = _itext(doc.find(f"{{{H}}}head/{{{XF}}}model"))
    return {relative(key.removesuffix(":label")): value for key, value in texts.items()
            if key.endswith(":label") and key.count("/") >= 2}


def _itext(model: Element) -> dict[str, dict[str, str]]:
    """itext id -> {language code: text}."""
    out: dict[str, dict[str, str]] = {}
    for tr in model.iter(f"{{{XF}}}translation"):
        m = LANG_CODE.search(tr.get("lang") or "")
        lang = m.group(1) if m else (tr.get("lang") or "default")
        for text in tr.iter(f"{{{XF}}}text"):
            value = text.find(f"{{{XF}}}value")
            if value is not None and value.text:
                out.setdefault(text.get("id"), {})[lang] = value.text.strip()
    return out

"""A stand-in for ODK Collect in the tests: fills a form's primary instance (downloaded from
the door) the way Collect serializes it, and posts it as Collect does: a multipart body with
the XML in `xml_submission_file`, one part per attachment named by its file name, and
`*isIncomplete*` = yes on every POST of a split submission but the last."""

from __future__ import annotations

import io
import uuid
from typing import Any
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

from PIL import Image

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
JR_TEMPLATE = "{http://openrosa.org/javarosa}template"
NAMESPACES = {"xmlns:jr": "http://openrosa.org/javarosa", "xmlns:orx": "http://openrosa.org/xforms"}


def jpeg(width: int = 64, height: int = 48, color: tuple = (120, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG", quality=80)
    return out.getvalue()


def new_instance_id() -> str:
    return f"uuid:{uuid.uuid4()}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class Collect:
    def __init__(self, client, token: str) -> None:
        self.client, self.token = client, token
        self.base = f"/key/{token}"
        self._forms: dict[str, Element] = {}

    def get(self, path: str, **kw):
        return self.client.get(self.base + path, **kw)

    def template(self, form_id: str) -> Element:
        if form_id not in self._forms:
            r = self.get(f"/forms/{form_id}.xml")
            assert r.status_code == 200, r.data
            doc = fromstring(r.data)
            self._forms[form_id] = doc.find(f"{H}head/{XF}model/{XF}instance")[0]
        return self._forms[form_id]

    def fill(self, form_id: str, answers: dict[str, Any], *, instance_id: str | None = None,
             deprecated_id: str | None = None, entity: dict[str, str] | None = None) -> bytes:
        """The submission XML. Repeats are lists of dicts; a repeat item's "__entity" (or
        `entity` for a top-level block) gives the entity block's attributes and label."""
        template = self.template(form_id)
        root = Element(_local(template.tag), {**NAMESPACES, **template.attrib})
        self._fill(template, root, answers, entity)
        meta = next(c for c in root if c.tag == "meta")
        meta.find("instanceID").text = instance_id or new_instance_id()
        if deprecated_id:
            SubElement(meta, "deprecatedID").text = deprecated_id
        return b"<?xml version='1.0' ?>" + tostring(root, encoding="utf-8")

    def _fill(self, template: Element, out: Element, answers: dict[str, Any],
              entity: dict[str, str] | None) -> None:
        seen = set()
        for child in template:
            name = _local(child.tag)
            if child.get(JR_TEMPLATE) is not None or name in seen and len(child):
                if name not in seen:
                    for item in answers.get(name, []):
                        node = SubElement(out, name)
                        self._fill(child, node, item, item.get("__entity"))
                seen.add(name)
                continue
            seen.add(name)
            if name == "entity":
                node = SubElement(out, "entity", {k: v for k, v in child.attrib.items()})
                for key, value in self._entity(child, answers, entity).items():
                    if key == "label":
                        SubElement(node, "label").text = value
                    else:
                        node.set(key, value)
                continue
            node = SubElement(out, name)
            if len(child):
                self._fill(child, node, answers, entity)
            elif name in answers and answers[name] is not None:
                node.text = str(answers[name])

    @staticmethod
    def _entity(template: Element, answers: dict[str, Any],
                given: dict[str, str] | None) -> dict[str, str]:
        """What Collect computes for an entity block the test did not spell out: a new
        entity gets a fresh UUID and its label; an update_if that is false writes false."""
        out = dict(given or {})
        if "create" in template.attrib:
            out.setdefault("id", str(uuid.uuid4()))
            if answers.get("label"):
                out.setdefault("label", answers["label"])
        if "update" in template.attrib and "create" not in template.attrib:
            out.setdefault("update", "false")
        return out

    def send(self, xml: bytes, files: dict[str, bytes] | None = None, *,
             incomplete: bool = False, token: str | None = None):
        data: dict[str, Any] = {"xml_submission_file": (io.BytesIO(xml), "submission.xml",
                                                        "text/xml")}
        for name, content in (files or {}).items():
            data[name] = (io.BytesIO(content), name, "image/jpeg")
        if incomplete:
            data["*isIncomplete*"] = "yes"
        return self.client.post(f"/key/{token or self.token}/submission", data=data,
                                content_type="multipart/form-data")

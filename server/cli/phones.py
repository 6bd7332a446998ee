"""A phone as the demo's season drives the doors: ODK Collect (forms downloaded from the
OpenRosa door, filled and posted with their photos) and the sync client (queued crate moves
pushed to the API), and photo-like JPEGs of the sizes phones take."""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

from PIL import Image, ImageDraw

from server.models import Crate

XF, H = "{http://www.w3.org/2002/xforms}", "{http://www.w3.org/1999/xhtml}"
JR_TEMPLATE = "{http://openrosa.org/javarosa}template"


@dataclass
class Phone:
    """One enrolled phone, speaking to the doors as Collect and the sync client do."""

    client: Any
    token: str
    forms: dict[str, Element]  # form id -> its primary instance, shared by the phones
    seq: int = 0
    last: dict[str, int] = field(default_factory=dict)  # crate id -> seq of its last op

    def op(self, crate: Crate, where: str, here: str, day: datetime) -> dict[str, Any]:
        """A move of a crate as the sync client queues it."""
        self.seq += 1
        op = {"op_id": str(uuid.uuid4()), "entity": "crate", "entity_id": crate.id,
              "action": "patch", "seq": self.seq, "prev_seq": self.last.get(crate.id),
              "base_version": crate.version, "base": {"location": here},
              "set": {"location": where}, "device_time": day.isoformat()}
        self.last[crate.id] = self.seq
        return op

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def call(self, method: str, path: str, **kw) -> Any:
        r = self.client.open(path, method=method, headers=self.headers(), **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.get_data(as_text=True)}")
        return r

    def submit(self, xml: bytes, files: dict[str, bytes]) -> None:
        data: dict[str, Any] = {"xml_submission_file": (io.BytesIO(xml), "submission.xml",
                                                        "text/xml")}
        for name, content in files.items():
            data[name] = (io.BytesIO(content), name, "image/jpeg")
        self.call("POST", f"/key/{self.token}/submission", data=data,
                  content_type="multipart/form-data")

    def fill(self, form_id: str, answers: dict[str, Any],
             entity: dict[str, str] | None = None) -> bytes:
        """The submission XML of a form downloaded from the door, as Collect fills it;
        `entity` gives the attributes and label of an entity the form makes (a visit)."""
        if form_id not in self.forms:
            doc = fromstring(self.call("GET", f"/key/{self.token}/forms/{form_id}.xml").data)
            self.forms[form_id] = doc.find(f"{H}head/{XF}model/{XF}instance")[0]
        template = self.forms[form_id]
        root = Element(template.tag.rsplit("}", 1)[-1], dict(template.attrib))
        _fill(template, root, answers, entity)
        meta = next(c for c in root if c.tag == "meta")
        meta.find("instanceID").text = f"uuid:{uuid.uuid4()}"
        return b"<?xml version='1.0' ?>" + tostring(root, encoding="utf-8")


def photo(rng: random.Random, width: int, height: int) -> bytes:
    """A photo-like JPEG: a lit scene with shapes and sensor noise, as phones take them
    (hundreds of kB to a few MB)."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), tuple(rng.randrange(60, 200) for _ in "rgb"))
    img = Image.blend(base, tint, 0.6)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle((x, y, x + rng.randrange(width // 10, width // 3),
                        y + rng.randrange(height // 10, height // 3)),
                       fill=tuple(rng.randrange(256) for _ in "rgb"))
    noise = Image.effect_noise((width, height), 28).convert("RGB")
    out = io.BytesIO()
    Image.blend(img, noise, 0.18).save(out, "JPEG", quality=88)
    return out.getvalue()


def _fill(template: Element, out: Element, answers: dict[str, Any],
          entity: dict[str, str] | None = None) -> None:
    """Copy the form's instance, answering by question name; repeats are lists of dicts."""
    seen: set[str] = set()
    for child in template:
        name = child.tag.rsplit("}", 1)[-1]
        if child.get(JR_TEMPLATE) is not None or (name in seen and len(child)):
            if name not in seen:
                for item in answers.get(name, []):
                    _fill(child, SubElement(out, name), item)
            seen.add(name)
            continue
        seen.add(name)
        if name == "entity" and entity:
            made = {k: v for k, v in entity.items() if k != "label"}
            SubElement(SubElement(out, name, {**child.attrib, **made}), "label").text = \
                entity.get("label", "")
            continue
        # an entity block whose update_if is false, as Collect writes it
        node = SubElement(out, name, {**child.attrib, "update": "false"}
                          if name == "entity" else {})
        if len(child):
            _fill(child, node, answers, entity)
        elif answers.get(name) is not None:
            node.text = str(answers[name])

"""The OpenRosa 1.0 documents the door writes: the form list, a form's manifest, the entity
integrity answer and the OpenRosaResponse envelope. Written compact (no whitespace between
elements: Collect's integrity parser reads children by position)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

XFORMS_LIST = "http://openrosa.org/xforms/xformsList"
MANIFEST = "http://openrosa.org/xforms/xformsManifest"
RESPONSE = "http://openrosa.org/http/response"


@dataclass(frozen=True)
class FormEntry:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str | None


@dataclass(frozen=True)
class MediaEntry:
    filename: str
    md5: str
    download_url: str
    integrity_url: str | None = None  # set for entity lists


def _doc(root: Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(root, encoding="utf-8",
                                                                  xml_declaration=False)


def _text(parent: Element, tag: str, value: str) -> None:
    SubElement(parent, tag).text = value


def form_list(forms: Iterable[FormEntry]) -> bytes:
    root = Element("xforms", {"xmlns": XFORMS_LIST})
    for f in forms:
        xform = SubElement(root, "xform")
        _text(xform, "formID", f.form_id)
        _text(xform, "name", f.name or f.form_id)
        _text(xform, "version", f.version)
        _text(xform, "hash", f"md5:{f.md5}")
        _text(xform, "downloadUrl", f.download_url)
        if f.manifest_url:
            _text(xform, "manifestUrl", f.manifest_url)
    return _doc(root)


def manifest(files: Iterable[MediaEntry]) -> bytes:
    root = Element("manifest", {"xmlns": MANIFEST})
    for m in files:
        media = SubElement(root, "mediaFile", {"type": "entityList"} if m.integrity_url else {})
        _text(media, "filename", m.filename)
        _text(media, "hash", f"md5:{m.md5}")
        _text(media, "downloadUrl", m.download_url)
        if m.integrity_url:
            _text(media, "integrityUrl", m.integrity_url)
    return _doc(root)


def integrity(states: Iterable[tuple[str, bool]]) -> bytes:
    root = Element("data")
    entities = SubElement(root, "entities")
    for entity_id, deleted in states:
        entity = SubElement(entities, "entity", {"id": entity_id})
        _text(entity, "deleted", "true" if deleted else "false")
    return _doc(root)


def message(text: str, nature: str) -> bytes:
    root = Element("OpenRosaResponse", {"xmlns": RESPONSE})
    SubElement(root, "message", {"nature": nature}).text = text
    return _doc(root)

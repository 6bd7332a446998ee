"""XLSForm workbooks: written from Python sources with openpyxl, converted to XForms by pyxform.
The XForm XML always comes from pyxform; nothing here writes XForm XML by hand."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import openpyxl
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from forms.sources.common import DS_NS, EN, Source
from server.errors import InvalidInput

SURVEY_FIRST = ("type", "name")
FIXED_TIME = datetime(2026, 1, 1)  # workbook metadata, so a rebuild gives the same bytes
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*<")


class FormInvalid(InvalidInput):
    code = "forms.invalid"


@dataclass(frozen=True)
class Converted:
    xml: str
    warnings: tuple[str, ...]


def build_xlsx(source: Source) -> bytes:
    """The XLSForm workbook of a source: survey, choices, settings and entities sheets."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "survey", source.survey, SURVEY_FIRST)
    if source.choices:
        _sheet(wb, "choices", source.choices, ("list_name", "name"))
    settings = {"form_id": source.form_id, "form_title": source.title,
                "version": source.version, "default_language": EN,
                "namespaces": f'ds="{DS_NS}"', **source.settings}
    _sheet(wb, "settings", (settings,), ("form_id",))
    if source.entities:
        _sheet(wb, "entities", source.entities, ("dataset",))
    wb.properties.created = wb.properties.modified = FIXED_TIME
    out = io.BytesIO()
    wb.save(out)
    return _stable_zip(out.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same workbook, byte for byte on every build: openpyxl stamps each zip entry and
    the document's modified time with the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = MODIFIED.sub(rb"\g<1>" + FIXED_TIME.isoformat().encode() + b"Z<",
                                       content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()


def _sheet(wb: openpyxl.Workbook, title: str, rows: Iterable[dict[str, Any]],
           first: tuple[str, ...]) -> None:
    rows = list(rows)
    columns = list(first)
    for r in rows:
        columns += [c for c in r if c not in columns]
    sheet = wb.create_sheet(title)
    sheet.append(columns)
    for r in rows:
        sheet.append([r.get(c, "") for c in columns])


def convert_xlsx(data: bytes) -> Converted:
    """Convert an XLSForm workbook (.xlsx bytes) to an XForm with pyxform."""
    return _convert(hashlib.sha256(data).hexdigest(), data)


@functools.lru_cache(maxsize=64)
def _convert(_digest: str, data: bytes) -> Converted:
    warnings: list[str] = []
    try:
        result = convert(data, warnings=warnings, file_type=".xlsx", pretty_print=True)
    except PyXFormError as exc:
        raise FormInvalid(f"The XLSForm does not convert: {exc}") from None
    except Exception as exc:  # a file that is not a workbook at all
        raise FormInvalid(f"Not an XLSForm workbook: {type(exc).__name__}") from None
    return Converted(xml=result.xform, warnings=tuple(warnings))

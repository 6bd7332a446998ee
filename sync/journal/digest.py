"""Hashing chained rows fast, for `audit verify` over millions of them: the bytes
trail.canonical gives (tests/unit/test_digest.py proves them identical over awkward values)
from one encoder built once; rows selected as the driver gives them, JSON columns as their
text (the empty values nearly every movement holds made without parsing) and, on PostgreSQL,
timestamps as the very strings canonical() makes of them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, String, Text, cast, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from server.db import UTCDateTime


def _default(obj: Any) -> Any:  # trail.canonical's, unchanged
    if isinstance(obj, datetime):
        return obj.astimezone(UTC).isoformat()
    return str(obj)


# json.dumps(value, sort_keys=True, ...) builds this very encoder on every call; a row's
# content holds no cycle to check for (it is made of what one row holds)
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_default,
                           check_circular=False).encode
_EMPTY = {"[]": list, "{}": dict, "null": lambda: None}


class _Time(UTCDateTime):
    """A timestamp to hash: on PostgreSQL, the string canonical() makes of it, made by the
    database (no datetime, no Python call per value); elsewhere as UTCDateTime reads it."""

    cache_ok = True

    def result_processor(self, dialect, coltype):
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)


class _canonical_time(FunctionElement):
    type = _Time()
    inherit_cache = True


@compiles(_canonical_time)
def _as_stored(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(_canonical_time, "postgresql")
def _as_canonical(element, compiler, **kw):
    """isoformat() of the UTC value, microseconds only when not zero. A year before 1 (which
    no datetime holds, so no hash covers) keeps its " BC", which matches no hash."""
    utc = f"timezone('UTC', {compiler.process(element.clauses, **kw)})"
    return (f"replace(replace(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US AD'), "
            "'.000000 AD', ' AD'), ' AD', '+00:00')")


def plain(column: Column) -> ColumnElement:
    """A column to hash as the driver gives it: no conversion by its column type but for
    timestamps (_canonical_time) and JSON (read as its text, for json_value)."""
    if isinstance(column.type, JSON):
        return cast(column, Text)
    if isinstance(column.type, UTCDateTime):
        return _canonical_time(column)
    return type_coerce(column, String())


def row_hash(prev_hash: str, content: Any) -> str:
    """trail.chain_hash(prev_hash, content), byte for byte."""
    return hashlib.sha256((prev_hash + _encode(content)).encode()).hexdigest()


def json_value(stored: str | None) -> Any:
    """The value of a JSON column read as text (SQL NULL is None, as the ORM gives it); a
    fresh object every time. Raises ValueError if the text is not JSON."""
    if stored is None:
        return None
    make = _EMPTY.get(stored)
    return make() if make is not None else json.loads(stored)

"""Hashing chained rows fast, for `audit verify` over millions of them: the bytes
trail.canonical gives (tests/unit/test_digest.py proves them identical over awkward values)
from one encoder built once, and JSON columns read as text, the empty values that nearly every
movement holds made without parsing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def _default(obj: Any) -> Any:  # trail.canonical's, unchanged
    if isinstance(obj, datetime):
        return obj.astimezone(UTC).isoformat()
    return str(obj)


# json.dumps(value, sort_keys=True, ...) builds this very encoder on every call
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_default).encode
_EMPTY = {"[]": list, "{}": dict, "null": lambda: None}


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

"""verify's fast hashing gives trail.chain_hash's bytes over awkward values, and JSON columns
read as text give what the ORM gives."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from sync.journal.digest import json_value, row_hash
from sync.journal.trail import GENESIS, canonical, chain_hash

NIAMEY = timezone(timedelta(hours=1))
AWKWARD = [
    ("unicode", {"name": "Zinder ⵣ \u202e زيندر", "emoji": "🔫📦", "nul": "a\x00b\x7f\u2028",
                 "quote": 'say "hi" \\ back', "lone": "\ud800"}),
    ("floats", {"x": 0.1, "y": -0.0, "big": 1e300, "small": 5e-324, "nan": float("nan"),
                "inf": float("inf"), "minus_inf": float("-inf"), "third": 1 / 3}),
    ("decimals", {"q": Decimal("1.10"), "neg": Decimal("-0.000"), "exp": Decimal("1E+3")}),
    ("datetimes", {"utc": datetime(2026, 12, 1, 13, 17, 5, 616860, tzinfo=UTC),
                   "whole": datetime(2026, 12, 1, 13, 17, 5, tzinfo=UTC),
                   "niamey": datetime(2026, 1, 1, 0, 30, tzinfo=NIAMEY),
                   "old": datetime(9, 1, 1, tzinfo=UTC),
                   "last": datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)}),
    ("nested", {"transport": {"vehicle": "Toyota ⵣ", "seals": ["S-1", "S-2"],
                              "escort": {"b": [1, [2, {"z": None, "a": True}]], "a": False}},
                "lines": [[1, "crate", None, -12, None, "in_store", 7, {"marking": "NE/2026"}]]}),
    ("none_and_empty", {"approver_id": None, "witnesses": [], "transport": {}, "notes": ""}),
    ("ints_and_ids", {"big": 2**80, "neg": -7, "bool": True, "uuid": uuid.UUID(int=1),
                      "tuple": (1, "a")}),
    ("not_a_dict", ["a", 1, None]),
]


@pytest.mark.parametrize("content", [c for _, c in AWKWARD], ids=[i for i, _ in AWKWARD])
def test_row_hash_is_chain_hash_byte_for_byte(content):
    for prev in (GENESIS, "f" * 64, "anything ⵣ"):
        assert row_hash(prev, content) == chain_hash(prev, content)


STORED = [
    ("sql_null", None), ("json_null", "null"), ("empty_list", "[]"), ("empty_dict", "{}"),
    ("spaced", '{"b": 1, "a": [1, 2.5, "\\u2d63"]}'), ("unicode", '["زيندر", "ⵣ"]'),
    ("nested", '{"escort": {"names": []}, "seals": ["S-1"]}'), ("scalar", "12"),
]


@pytest.mark.parametrize("stored", [s for _, s in STORED], ids=[i for i, _ in STORED])
def test_a_json_column_read_as_text_is_what_the_orm_reads(stored):
    value = json_value(stored)
    assert value == (None if stored is None else json.loads(stored))
    assert canonical(value) == canonical(None if stored is None else json.loads(stored))


def test_an_empty_value_is_a_fresh_object_every_time():
    json_value("[]").append("forged")
    json_value("{}")["forged"] = 1
    assert (json_value("[]"), json_value("{}")) == ([], {})


def test_text_that_is_not_json_raises_value_error():
    with pytest.raises(ValueError):
        json_value("{not json")

"""plain_op, the push's fast check of ordinary ops, accepts exactly what OpSchema accepts and
builds the same op from it (the same fields, the same raw payload in the same key order, so
the same payload hash); whatever it does not take plainly goes to OpSchema, so a refusal's
words are OpSchema's. Checked on tables of hostile shapes and on generated dicts."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, fields

from server.api.schemas.sync import OP_KEYS, OpOrRefusal, OpSchema, plain_op
from sync.engine.types import MAX_INT, OpOutcome

DOOR = OpOrRefusal(OpSchema)
NESTED = fields.Nested(OpSchema)  # what the door ran before it had a fast path


def slow(value):
    """What marshmallow alone makes of the value: an OpIn, or its error messages."""
    try:
        return NESTED.deserialize(value)
    except ValidationError as exc:
        return exc.messages


def same(fast, marsh) -> None:
    assert fast == marsh
    assert json.dumps(list(fast.raw.items()), default=str) == json.dumps(
        list(marsh.raw.items()), default=str)  # key order too: raw is stored and hashed
    assert repr(fast) == repr(marsh)


def check(value) -> bool:
    """The property: the fast path agrees whenever it answers, and the door's answer is
    OpSchema's either way. True when the fast path answered."""
    fast, marsh = plain_op(value), slow(value)
    if fast is not None:
        assert not isinstance(marsh, dict | list), (value, marsh)
        same(fast, marsh)
    door = DOOR.deserialize(value)
    if isinstance(marsh, dict | list):
        op_id = value.get("op_id") if isinstance(value, dict) else None
        assert door == OpOutcome(op_id if isinstance(op_id, str) else "", "rejected",
                                 code="sync.invalid_op",
                                 reason=f"The op does not fit the schema: {marsh}"[:1000])
    else:
        same(door, marsh)
    return fast is not None


def op(**over):
    value = {"op_id": "o-1", "entity": "crate", "entity_id": "c-1", "action": "patch",
             "seq": 4, "prev_seq": 2, "base_version": 3, "base": {"seal_number": None},
             "set": {"seal_number": "S-1"}, "device_time": "2026-11-30T10:00:00+01:00"}
    value.update(over)
    return {k: v for k, v in value.items() if v is not ...}


PLAIN = {
    "full patch": op(),
    "count": op(action="count", set={"quantity": 5, "seal_intact": True}, base=...),
    "minimal": {"op_id": "x", "entity": "finding", "entity_id": "f", "action": "create",
                "set": {}},
    "nulls": op(seq=None, prev_seq=None, base_version=None, device_time=None),
    "seq 0, max ints": op(seq=0, prev_seq=MAX_INT, base_version=MAX_INT),
    "utc Z": op(device_time="2026-11-30T10:00:00Z"),
    "64-char ids": op(op_id="a" * 64, entity_id="\u00e9" * 64),
    "unicode ids": op(op_id="\U0001f4a3" * 64),
    "32-char keys": op(base={"k" * 32: [1, {"x": None}]}, set={"\u00e9" * 32: 1.5}),
    "nested set values": op(set={"tags": [[1, [2]], {"a": {"b": None}}], "n": 2**80}),
}

HOSTILE = {
    "not a dict": ["op"],
    "a list": [op()],
    "null": None,
    "extra key": op(submission_id="s"),
    "missing op_id": op(op_id=...),
    "missing set": op(set=...),
    "empty op_id": op(op_id=""),
    "65-char op_id": op(op_id="a" * 65),
    "65 unicode": op(entity_id="\U0001f4a3" * 65),
    "int op_id": op(op_id=5),
    "null op_id": op(op_id=None),
    "unknown entity": op(entity="weapon"),
    "entity list": op(entity=["crate"]),
    "unknown action": op(action="delete"),
    "bool seq": op(seq=True),
    "bool base_version": op(base_version=False),
    "float seq": op(seq=4.0),
    "fractional seq": op(seq=4.5),
    "string seq": op(seq="4"),
    "negative seq": op(seq=-1),
    "huge seq": op(seq=MAX_INT + 1),
    "huger": op(base_version=2**64),
    "enormous": op(prev_seq=10**400),
    "nan seq": op(seq=math.nan),
    "inf seq": op(seq=math.inf),
    "base_version 0": op(base_version=0),
    "prev_seq without seq": op(seq=None),
    "prev_seq without seq key": op(seq=...),
    "base null": op(base=None),
    "base list": op(base=[]),
    "set null": op(set=None),
    "set string": op(set="x"),
    "33-char key": op(set={"k" * 33: 1}),
    "33-char base key": op(base={"\u00e9" * 33: 1}),
    "naive time": op(device_time="2026-11-30T10:00:00"),
    "junk time": op(device_time="yesterday"),
    "int time": op(device_time=1700000000),
    "year 1 offset": op(device_time="0001-01-01T00:00:00+01:00"),
    "year 9999 offset": op(device_time="9999-12-31T23:59:59-01:00"),
    "date only": op(device_time="2026-11-30"),
}


@pytest.mark.parametrize("value", PLAIN.values(), ids=PLAIN.keys())
def test_plain_ops_take_the_fast_path(value):
    assert check(value)


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_ops_go_to_marshmallow(value):
    check(value)


scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.integers(min_value=-3, max_value=3),
                    st.floats(allow_nan=False), st.text(max_size=70))
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=40), inner, max_size=3), max_leaves=8)
ints = st.one_of(st.none(), st.integers(min_value=-2, max_value=5),
                 st.integers(min_value=MAX_INT - 1, max_value=MAX_INT + 1), st.booleans(),
                 st.floats(min_value=-2, max_value=5, allow_nan=False), st.just("3"), junk)
ids = st.one_of(st.text(min_size=0, max_size=66), st.just("a" * 64), st.just("a" * 65), junk)
dicts = st.one_of(st.dictionaries(st.text(max_size=34), junk, max_size=4), junk)
times = st.one_of(st.none(), st.just("2026-11-30T10:00:00Z"),
                  st.just("2026-11-30T10:00:00.123456+05:30"), st.just("2026-11-30T10:00"),
                  st.just("0001-01-01T00:30:00+01:00"), st.text(max_size=30), junk)
FIELDS = {"op_id": ids, "entity": st.one_of(st.sampled_from(["crate", "finding", "voucher",
                                                             "Crate"]), junk),
          "entity_id": ids, "action": st.one_of(st.sampled_from(["create", "patch", "count",
                                                                 "x"]), junk),
          "seq": ints, "prev_seq": ints, "base_version": ints, "base": dicts, "set": dicts,
          "device_time": times}
assert set(FIELDS) == OP_KEYS


@st.composite
def op_dicts(draw):
    """Mostly well-formed ops with a few fields spoiled, dropped or added."""
    value = {"op_id": draw(st.text(min_size=1, max_size=64)),
             "entity": draw(st.sampled_from(["crate", "finding", "voucher"])),
             "entity_id": draw(st.text(min_size=1, max_size=64)),
             "action": draw(st.sampled_from(["create", "patch", "count"])),
             "set": draw(st.dictionaries(st.text(max_size=32), junk, max_size=3))}
    for name in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=4)):
        value[name] = draw(FIELDS[name])
    for name in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=2)):
        value.pop(name, None)
    if draw(st.booleans()) and draw(st.booleans()):
        value[draw(st.text(max_size=10))] = draw(junk)
    return value


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(op_dicts())
def test_fast_path_agrees_with_opschema(value):
    check(value)


@settings(max_examples=500, deadline=None)
@given(st.one_of(junk, st.dictionaries(st.sampled_from(sorted(OP_KEYS)), junk)))
def test_junk_agrees_with_opschema(value):
    check(value)


def test_the_generator_reaches_the_fast_path():
    """Not vacuous: a good share of generated ops are plain and compared field by field."""
    taken = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(op_dicts())
    def run(value):
        taken.append(check(value))

    run()
    assert sum(taken) > len(taken) / 5

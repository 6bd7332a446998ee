"""read_json skips rebuilding a body that holds nothing to clean (no NUL, no lone surrogate
however written): what it returns, and what it refuses, stay what the full clean gives."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from server.bodies import MAX_DEPTH, InvalidJson, _clean, read_json


def nested(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


BODIES = [
    b'{"ops": [{"op_id": "a", "set": {"seal_number": "S-1"}}], "n": 1.5, "t": true}',
    b'{"text": "fence \\u0000 gate"}',
    b'{"text": "fence \\ud800 gate \\uDFFF end"}',
    b'{"te\\u0000xt": ["\\uD83D\\uDE00 a pair is fine", "\\udbff"]}',
    '{"text": "caf\u00e9 \u20ac"}'.encode(),
    b'{"text": "\xed\xa0\x80 a surrogate in UTF-8 bytes"}',
    b'{"text": "\\\\u0000 an escaped backslash, then u0000"}',
    json.dumps({"text": "utf-16"}).encode("utf-16-le"),
    b'"just \\u0000 a string"',
    b"[1, 2, [3, [4]]]",
    nested(MAX_DEPTH),
    nested(MAX_DEPTH + 1),
    b'{"z": "\\u0000", "deep": ' + nested(MAX_DEPTH) + b"}",
    b'["\\u0000", ' + nested(MAX_DEPTH - 1) + b"]",
]


def full_clean(body: bytes):
    try:
        return _clean(json.loads(body))
    except InvalidJson as exc:
        return ("refused", str(exc))


@pytest.mark.parametrize("body", BODIES, ids=[
    "plain", "nul escape", "surrogate escapes", "nul key, pair, high half", "non-ascii",
    "surrogate bytes", "escaped backslash", "utf-16", "a string", "a list", "as deep as may be",
    "one level too deep", "too deep beside a nul", "deep beside a nul"])
def test_read_json_gives_what_the_full_clean_gives(body):
    app = Flask(__name__)
    app.config["SYNC_MAX_BODY_BYTES"] = 1 << 20
    with app.test_request_context("/", method="POST", data=body,
                                  content_type="application/json"):
        try:
            got = read_json()
        except InvalidJson as exc:
            got = ("refused", str(exc))
    assert got == full_clean(body)
    assert json.dumps(got) == json.dumps(full_clean(body))  # the same values, of one type

"""tus header parsing (server/api/tus.py): metadata, checksums, lengths."""

import base64
import hashlib
import io

import pytest
from flask import Request
from werkzeug.test import EnvironBuilder

from server.api import tus
from sync.photos.uploads import UploadTooLarge


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def request(**headers) -> Request:
    return Request(EnvironBuilder(headers={k.replace("_", "-"): v
                                           for k, v in headers.items()}).get_environ())


@pytest.mark.parametrize(("header", "parsed"), [
    (None, {}),
    ("", {}),
    (f"filename {b64('crate 1.jpg')},photo_id {b64('x')}", {"filename": "crate 1.jpg",
                                                           "photo_id": "x"}),
    (f"is_confidential,question {b64('seal')}", {"is_confidential": "", "question": "seal"}),
    (f"name {b64('Siège.jpg')}", {"name": "Siège.jpg"}),
    (f" a {b64('1')} , b {b64('2')} ", {"a": "1", "b": "2"}),
], ids=["absent", "empty", "pairs", "key only", "utf-8", "spaces around pairs"])
def test_metadata_is_decoded(header, parsed):
    assert tus.parse_metadata(header) == parsed


@pytest.mark.parametrize("header", [
    "filename not*base64",
    "filename " + base64.b64encode(b"\xff\xfe").decode(),
    f"a {b64('1')},a {b64('2')}",
    f"a {b64('1')} extra",
    f"{b64('x')[:0]} {b64('1')}",
    "a,,b",
    "k" * 65,
    ",".join(f"k{i} {b64('v' * 40)}" for i in range(100)),
], ids=["bad base64", "not utf-8", "duplicate key", "three parts", "empty key",
        "empty pair", "long key", "too long"])
def test_malformed_metadata_is_refused(header):
    with pytest.raises(tus.MetadataMalformed):
        tus.parse_metadata(header)


def test_metadata_round_trips():
    pairs = {"photo_id": "abc", "flag": "", "filename": "é.jpg"}
    assert tus.parse_metadata(tus.encode_metadata(pairs)) == pairs


@pytest.mark.parametrize(("algorithm", "fn"), [("sha1", hashlib.sha1),
                                               ("sha256", hashlib.sha256)])
def test_checksums_are_parsed_and_checked(algorithm, fn):
    body = b"some bytes"
    digest = base64.b64encode(fn(body).digest()).decode()
    checksum = tus.parse_checksum(request(Upload_Checksum=f"{algorithm} {digest}"))
    good = tus.spool_body(io.BytesIO(body), io.BytesIO(), room=100, checksum=checksum)
    bad = tus.spool_body(io.BytesIO(body + b"!"), io.BytesIO(), room=100, checksum=checksum)
    assert (good.checksum_ok, bad.checksum_ok) == (True, False)


@pytest.mark.parametrize(("header", "error"), [
    ("md5 " + base64.b64encode(hashlib.md5(b"").digest()).decode(),
     tus.ChecksumAlgorithmUnsupported),
    ("sha1 !!!", tus.TusRequestInvalid),
    ("sha1 " + base64.b64encode(b"short").decode(), tus.TusRequestInvalid),
    ("sha256", tus.TusRequestInvalid),
], ids=["md5", "not base64", "wrong length", "no digest"])
def test_bad_checksum_headers_are_400(header, error):
    with pytest.raises(error) as refused:
        tus.parse_checksum(request(Upload_Checksum=header))
    assert refused.value.status == 400


def test_spooling_stops_past_the_room_left():
    with pytest.raises(UploadTooLarge):
        tus.spool_body(io.BytesIO(b"x" * 11), io.BytesIO(), room=10, checksum=None)
    out = io.BytesIO()
    assert tus.spool_body(io.BytesIO(b"x" * 10), out, room=10, checksum=None).size == 10


@pytest.mark.parametrize(("headers", "length"), [
    ({"Upload-Length": "10"}, 10),
    ({"Upload-Defer-Length": "1"}, None),
], ids=["length", "deferred"])
def test_upload_length(headers, length):
    assert tus.upload_length(request(**{k.replace("-", "_"): v
                                        for k, v in headers.items()})) == length


@pytest.mark.parametrize("headers", [
    {}, {"Upload_Length": "10", "Upload_Defer_Length": "1"}, {"Upload_Length": "-1"},
    {"Upload_Length": "1e3"}, {"Upload_Defer_Length": "0"}, {"Upload_Length": "9" * 20},
], ids=["neither", "both", "negative", "not digits", "defer 0", "absurd"])
def test_bad_lengths_are_400(headers):
    with pytest.raises(tus.TusRequestInvalid):
        tus.upload_length(request(**headers))

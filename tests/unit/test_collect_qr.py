"""ODK Collect's settings QR code, decoded the way a phone does (zxing) and inflated."""

import base64
import io
import json
import zlib

import zxingcpp
from PIL import Image

from server.collect import collect_payload, collect_qr_png, collect_settings, read_payload


def decode(png: bytes) -> str:
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    return result.text


def test_the_qr_code_configures_a_project_with_the_token_url():
    png = collect_qr_png("https://depots.example.ne/", "tok-123_ABC", project_name="depotsync x")
    settings = json.loads(zlib.decompress(base64.b64decode(decode(png))))
    assert settings["general"]["server_url"] == "https://depots.example.ne/key/tok-123_ABC"
    assert settings["general"]["username"] == "" and settings["admin"] == {}
    assert settings["project"]["name"] == "depotsync x"
    assert settings["general"]["form_update_mode"] == "match_exactly"


def test_the_payload_round_trips():
    settings = collect_settings("http://127.0.0.1:5000", "t")
    assert read_payload(collect_payload(settings)) == settings


def test_access_logs_never_show_a_device_token():
    import logging

    from server.openrosa.routes import HideTokens

    line = logging.LogRecord("werkzeug", logging.INFO, "", 0, '%s - - "%s" %s',
                             ("127.0.0.1", "GET /key/s3cr3t-T0ken_x/formList HTTP/1.1", "200"),
                             None)
    HideTokens().filter(line)
    assert "s3cr3t" not in line.getMessage() and "/key/***/formList" in line.getMessage()
    atoms = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(r)s", None, None)
    atoms.args = {"r": "POST /key/abc/submission HTTP/1.1", "s": "201"}
    HideTokens().filter(atoms)
    assert atoms.args["r"] == "POST /key/***/submission HTTP/1.1"

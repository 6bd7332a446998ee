"""Forms and Collect enrolment from the shell, as an operator would."""

import dataclasses
import io
import os

import zxingcpp
from PIL import Image

from forms.sources import SHIPPED
from forms.xlsform import build_xlsx
from server.collect import read_payload


def test_build_edit_and_publish_forms(app, tmp_path):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["forms", "build", str(tmp_path / "xls")])
    assert r.exit_code == 0, r.output
    files = sorted((tmp_path / "xls").glob("*.xlsx"))
    assert [f.stem for f in files] == sorted(s.form_id for s in SHIPPED)
    r = runner.invoke(args=["forms", "publish", *map(str, files)])
    assert r.exit_code == 0 and r.output.count(" published (md5:") == len(SHIPPED), r.output
    r = runner.invoke(args=["forms", "publish", str(files[0])])
    assert "already published" in r.output
    newer = tmp_path / "visit_header.xlsx"
    newer.write_bytes(build_xlsx(dataclasses.replace(SHIPPED[0], version="2026120201")))
    r = runner.invoke(args=["forms", "publish", str(newer)])
    assert r.exit_code == 0 and "version 2026120201 published" in r.output
    r = runner.invoke(args=["forms", "list"])
    assert "visit_header           2026120201" in r.output
    clash = tmp_path / "clash.xlsx"
    clash.write_bytes(build_xlsx(dataclasses.replace(SHIPPED[0], version="2026120201",
                                                     title="Other")))
    r = runner.invoke(args=["forms", "publish", str(clash)])
    assert r.exit_code != 0 and "forms.version_taken" in r.output
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK not really")
    r = runner.invoke(args=["forms", "publish", str(bad)])
    assert r.exit_code != 0 and "forms.invalid" in r.output


def test_enrol_a_collect_phone_with_one_qr_code(app, world, client, tmp_path):
    app.config["PUBLIC_URL"] = "https://depots.example.ne"
    png = tmp_path / "phone.png"
    r = app.test_cli_runner().invoke(args=["enroll-device", "--user", "inspector", "--json",
                                           "--collect-qr", str(png)])
    assert r.exit_code == 0, r.output
    assert oct(os.stat(png).st_mode & 0o777) == "0o600"
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.read_bytes())),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    url = read_payload(code.text)["general"]["server_url"]
    token = r.output.split('"token": "')[1].split('"')[0]
    assert url == f"https://depots.example.ne/key/{token}"
    assert client.head(f"/key/{token}/submission").status_code == 204

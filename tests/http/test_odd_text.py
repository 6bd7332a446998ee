"""Text no page can show: lone surrogates (JSON escapes allow them, UTF-8 does not) and
control characters (spreadsheets refuse them). They are replaced at the door or in the
export, so HQ pages and exports keep working for every reader afterwards."""

from __future__ import annotations

import io
import json
import uuid

from openpyxl import load_workbook
from sqlalchemy import func, select

from server.db import db
from server.models import AuditEvent, Crate, Submission
from tests.hq_seed import login
from tests.http.sync_helpers import bearer

ODD = "fence \ud800 gate \udfff end"
CONTROL = "seal\x00 broken\x07\x1b[31m red\x0b"


def post_raw(client, world, path, body):
    """json.dumps escapes a lone surrogate as \\ud800, as a phone's JSON library would."""
    return client.post(path, data=json.dumps(body), headers={
        **bearer(world), "Content-Type": "application/json"})


def test_lone_surrogates_are_replaced_and_pages_still_render(client, world, app):
    iid = f"uuid:{uuid.uuid4()}"
    r = post_raw(client, world, "/api/v1/submissions", {
        "instance_id": iid, "form_id": "pssm_visit", "depot": "NMY", "visit_type": ODD,
        "answers": {"fence_comment": ODD, ODD: "key"},
        "findings": [{"item": "fence_intact", "severity": "minor", "text": ODD}]})
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        crate = db.session.scalar(select(Crate).where(Crate.label_id == world.crates["ammo"]))
        crate_id, version = crate.id, crate.version
    push = post_raw(client, world, "/api/v1/sync/push", {"batch_id": str(uuid.uuid4()), "ops": [
        {"op_id": str(uuid.uuid4()), "entity": "crate", "entity_id": crate_id,
         "action": "patch", "base_version": version, "base": {"notes": ""},
         "set": {"notes": ODD}}]})
    assert push.status_code == 200 and push.json["results"][0]["status"] == "applied"
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(Submission.instance_id == iid))
        sub_id, answers = sub.id, sub.answers
        notes = db.session.get(Crate, crate_id).notes
    clean = "fence \ufffd gate \ufffd end"
    assert answers["fence_comment"] == clean and answers[clean] == "key"
    assert clean in notes
    login(client, "reviewer")
    for page in (f"/hq/inspections/{sub_id}", "/hq/inspections",
                 f"/hq/crates/{world.crates['ammo']}", "/hq/exports/inspections.xlsx",
                 "/hq/exports/inspections.csv"):
        got = client.get(page)
        assert got.status_code == 200, page


def test_control_characters_do_not_break_the_xlsx_export(client, world, app):
    r = client.post("/api/v1/submissions", headers=bearer(world), json={
        "instance_id": f"uuid:{uuid.uuid4()}", "form_id": "pssm_visit", "depot": "NMY",
        "visit_type": CONTROL, "answers": {"note": CONTROL}})
    assert r.status_code == 201
    login(client, "reviewer")
    got = client.get("/hq/exports/inspections.xlsx")
    assert got.status_code == 200
    sheet = load_workbook(io.BytesIO(got.get_data())).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
    # NUL is replaced at the door (PostgreSQL cannot store it), the rest in the export
    assert "seal\ufffd broken\ufffd\ufffd[31m red\ufffd" in cells
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "export.inspections")) == 1


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_json_nested_100000_deep_is_a_400_on_every_json_post(client, world):
    paths = ["/api/v1/sync/push", "/api/v1/submissions", "/api/v1/depots/NMY/labels/reserve",
             "/api/v1/depots/NMY/labels/print", "/api/v1/conflicts/x/resolve",
             "/api/v1/discrepancies/x/notes", "/api/v1/discrepancies/x/close",
             "/api/v1/depots/NMY/labels/NE-NMY-000001-X/relabel",
             "/api/v1/depots/NMY/labels/NE-NMY-000001-X/retire"]
    for user in ("inspector", "commander"):
        for path in paths:
            for body in (DEEP, b'{"a":' * 50 + b"1" + b"}" * 50):
                r = client.post(path, data=body, headers={
                    **bearer(world, user), "Content-Type": "application/json"})
                assert r.status_code < 500, (path, r.status_code)
                if r.status_code == 400:
                    assert r.json["error"]["code"] == "invalid_json"
    r = client.post("/api/v1/sync/push", data=DEEP, headers={
        **bearer(world), "Content-Type": "application/json"})
    assert (r.status_code, r.json["error"]["code"]) == (400, "invalid_json")


def test_nul_in_queries_paths_and_hq_forms_is_a_clear_400(client, world):
    from tests.hq_seed import csrf_from

    for path in ("/api/v1/sync/pull?cursor=a%00b", "/api/v1/submissions/uuid:a%00b",
                 "/api/v1/depots/NM%00Y/crates", "/api/v1/crates/NE-%00"):
        r = client.get(path, headers=bearer(world))
        assert (r.status_code, r.json["error"]["code"]) == (400, "invalid_text"), path
    token = csrf_from(client.get("/hq/login").get_data(as_text=True))
    r = client.post("/hq/login", data={"username": "insp\x00ector", "password": "x",
                                       "csrf_token": token})
    assert r.status_code == 400
    login(client, "reviewer")
    assert client.get("/hq/crates/NE-NMY%00").status_code == 400
    assert client.get("/hq/inspections?q=%00").status_code == 400


def test_other_doors_refuse_unstorable_text(collect, client, world):
    xml = collect.fill("visit_header", {"depot": "NMY", "visit_type": "follow_up",
                                        "inspectors": "A"})
    for bad in (b"&#xD800;", b"&#0;"):
        r = collect.send(xml.replace(b"<inspectors>A", b"<inspectors>A" + bad))
        assert 400 <= r.status_code < 500, r.data
    import base64
    value = base64.b64encode(b"\xed\xa0\x80").decode()
    r = client.post("/api/v1/uploads/", headers={
        **bearer(world), "Tus-Resumable": "1.0.0", "Upload-Length": "10",
        "Upload-Metadata": f"filename {value}"})
    assert (r.status_code, r.json["error"]["code"]) == (400, "uploads.metadata_malformed")


def test_query_keys_that_url_for_would_take_are_only_keys(client, world):
    login(client, "reviewer")
    for query in ("endpoint=x", "_method=POST", "_anchor=x", "_external=1", "_scheme=ftp",
                  "values=1", "fmt=pdf", "depot=NMY&endpoint=web.home"):
        for page in ("/hq/inspections", "/hq/discrepancies"):
            r = client.get(f"{page}?{query}")
            assert r.status_code == 200, (page, query)
            assert "ftp://" not in r.get_data(as_text=True)


def test_far_dates_in_hq_filters_and_exports_are_a_clear_4xx(client, world):
    login(client, "reviewer")
    for query in ("from=9999-12-31", "to=9999-12-31", "from=0001-01-01", "to=0001-01-01"):
        for page in ("/hq/inspections", "/hq/exports/inspections.csv",
                     "/hq/exports/inspections.xlsx"):
            r = client.get(f"{page}?{query}")
            assert 400 <= r.status_code < 500, (page, query, r.status_code)
    assert client.get("/hq/inspections?from=2026-01-01&to=2026-12-31").status_code == 200

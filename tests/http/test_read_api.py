"""The first read API: scope, paging, and the JSON error shape."""

import pytest

from server.db import db, utcnow
from sync.journal.trail import SYSTEM
from sync.people.accounts import revoke_device


def bearer(world, user="inspector"):
    return {"Authorization": f"Bearer {world.tokens[user]}"}


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok"


def test_depots_in_scope_only(client, world):
    assert [d["code"] for d in client.get("/api/v1/depots", headers=bearer(world)).json[
        "items"]] == ["NMY"]
    reviewer = client.get("/api/v1/depots", headers=bearer(world, "reviewer")).json["items"]
    assert [d["code"] for d in reviewer] == ["NMY", "ZDR"]
    assert "latitude" not in reviewer[0]  # restricted field stays off the API
    ng = client.get("/api/v1/depots", headers=bearer(world, "ng_inspector")).json["items"]
    assert [d["code"] for d in ng] == ["KDN"]


def test_crates_are_paged_by_label(client, world):
    first = client.get("/api/v1/depots/NMY/crates?limit=1", headers=bearer(world))
    assert first.status_code == 200
    assert [c["label_id"] for c in first.json["items"]] == [world.crates["ammo"]]
    assert first.json["next"] == world.crates["ammo"]
    second = client.get(f"/api/v1/depots/NMY/crates?limit=1&after={first.json['next']}",
                        headers=bearer(world))
    assert [c["label_id"] for c in second.json["items"]] == [world.crates["rifles"]]
    assert second.json["next"] is None
    one = first.json["items"][0]
    assert (one["quantity"], one["lot"]["hazard_code"], one["location"]) == (
        1000, "1.4S", {"building": "B1", "stack": "A1"})


def test_crate_detail_lists_its_weapons(client, world):
    r = client.get(f"/api/v1/crates/{world.crates['rifles']}", headers=bearer(world))
    assert r.status_code == 200
    assert [w["serial"] for w in r.json["weapons"]] == ["AK100001", "AK100002"]
    bare = world.crates["rifles"].replace("-", "").lower()
    assert client.get(f"/api/v1/crates/{bare}", headers=bearer(world)).json["id"] == r.json["id"]


@pytest.mark.parametrize(("user", "path"), [
    ("inspector", "/api/v1/crates/{ng_ammo}"),
    ("inspector", "/api/v1/depots/KDN/crates"),
    ("zdr_inspector", "/api/v1/crates/{ammo}"),
    ("zdr_inspector", "/api/v1/depots/NMY/crates"),
    ("ng_inspector", "/api/v1/crates/{ammo}"),
    ("reviewer", "/api/v1/crates/{ng_ammo}"),
    ("inspector", "/api/v1/crates/NE-NMY-999999-X"),
    ("inspector", "/api/v1/depots/XXX/crates"),
], ids=["other country crate", "other country depot", "other depot crate",
        "other depot list", "NG reads NE", "reviewer reads NG", "unknown", "unknown depot"])
def test_out_of_scope_is_not_found(client, world, user, path):
    r = client.get(path.format(**world.crates), headers=bearer(world, user))
    assert r.status_code == 404
    assert r.json["error"]["code"] == "not_found"


def test_tokens(client, world, app):
    assert client.get("/api/v1/depots").json["error"]["code"] == "auth.token_invalid"
    r = client.get("/api/v1/depots", headers={"Authorization": "Bearer forged"})
    assert (r.status_code, r.json["error"]["code"]) == (401, "auth.token_invalid")
    with app.app_context():
        revoke_device(db.session, world.devices["inspector"], actor=SYSTEM, now=utcnow())
        db.session.commit()
    r = client.get("/api/v1/depots", headers=bearer(world))
    assert (r.status_code, r.json["error"]["code"]) == (401, "auth.token_revoked")


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/v1/depots/NMY/crates?limit=0", 422, "invalid_payload"),
    ("GET", "/api/v1/depots/NMY/crates?limit=abc", 422, "invalid_payload"),
    ("GET", "/api/v1/depots/NMY/crates?after=" + "A" * 500, 422, "invalid_payload"),
    ("GET", "/api/v1/nowhere", 404, "not_found"),
    ("DELETE", "/api/v1/depots", 405, "method_not_allowed"),
], ids=["limit 0", "limit text", "huge cursor", "no route", "wrong method"])
def test_bad_requests_get_a_stable_code(client, world, method, path, status, code):
    r = client.open(path, method=method, headers=bearer(world))
    assert r.status_code == status
    assert r.json["error"]["code"] == code
    assert "Traceback" not in r.get_data(as_text=True)

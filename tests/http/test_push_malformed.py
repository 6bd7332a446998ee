"""A malformed op is rejected alone: its good neighbour is applied and the push is 200 with one
result per op, whatever shape the bad op has. The same shapes inside a JSON submission are a
clear 4xx or a flagged submission, never a 500."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.db import db
from server.models import Crate
from tests.http.sync_helpers import bearer

BIG = 2**63


def good(crate):
    return {"op_id": str(uuid.uuid4()), "entity": "crate", "entity_id": crate["id"],
            "action": "patch", "base_version": crate["version"],
            "base": {"seal_number": None}, "set": {"seal_number": "S-GOOD"}}


def bad(crate, **over):
    op = {"op_id": str(uuid.uuid4()), "entity": "crate", "entity_id": crate["id"],
          "action": "patch", "base_version": crate["version"], "base": {}, "set": {"notes": "x"}}
    op.update(over)
    return {k: v for k, v in op.items() if v is not ...}


SHAPES = {
    "prev_seq without seq": {"prev_seq": 3, "seq": ...},
    "set.status null": {"set": {"status": None}},
    "base.status unknown": {"base": {"status": "x"}, "set": {"status": "SEALED"}},
    "base.tags nested": {"base": {"tags": [[1]]}, "set": {"tags": ["a"]}},
    "count photos int": {"action": "count", "set": {"quantity": 1, "photos": 1}},
    "count photos true": {"action": "count", "set": {"quantity": 1, "photos": True}},
    "count photos float": {"action": "count", "set": {"quantity": 1, "photos": 1.5}},
    "finding photos int": {"entity": "finding", "action": "create",
                           "set": {"depot": "NMY", "photos": 1}},
    "finding photos true": {"entity": "finding", "action": "create",
                            "set": {"depot": "NMY", "photos": True}},
    "finding severity list": {"entity": "finding", "action": "create",
                              "set": {"depot": "NMY", "severity": []}},
    "finding severity dict": {"entity": "finding", "action": "create",
                              "set": {"depot": "NMY", "severity": {}}},
    "seq 2^63": {"seq": BIG},
    "base_version 2^63": {"base_version": BIG},
    "count quantity 2^63": {"action": "count", "set": {"quantity": BIG}},
    "device_time year 1": {"device_time": "0001-01-01T00:30:00+01:00"},
    "device_time year 9999": {"device_time": "9999-12-31T23:30:00-01:00"},
    "set not a dict": {"set": [1]},
    "seq a string": {"seq": "x"},
    "op_id missing": {"op_id": ...},
    "entity unknown": {"entity": "weapon"},
}


@pytest.fixture
def ammo(app, world):
    with app.app_context():
        crate = db.session.scalar(select(Crate).where(Crate.label_id == world.crates["ammo"]))
        return {"id": crate.id, "version": crate.version}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_malformed_op_is_rejected_alone(client, world, app, ammo, shape):
    ops = [bad(ammo, **SHAPES[shape]), good(ammo)]
    r = client.post("/api/v1/sync/push", json={"batch_id": str(uuid.uuid4()), "ops": ops},
                    headers=bearer(world))
    assert r.status_code == 200, r.get_json()
    first, second = r.json["results"]
    assert first["status"] == "rejected" and first["code"], first
    assert second["status"] == "applied", second
    with app.app_context():
        assert db.session.get(Crate, ammo["id"]).seal_number == "S-GOOD"


@pytest.mark.parametrize("item", [1, None, "op", [], True])
def test_an_op_that_is_not_an_object_is_rejected_alone(client, world, app, ammo, item):
    r = client.post("/api/v1/sync/push", json={"batch_id": str(uuid.uuid4()),
                                               "ops": [item, good(ammo)]},
                    headers=bearer(world))
    assert r.status_code == 200, r.get_json()
    assert [x["status"] for x in r.json["results"]] == ["rejected", "applied"]
    assert r.json["results"][0]["code"] == "sync.invalid_op"


@pytest.mark.parametrize("ops", [True, -1, "x", {}, [], None])
def test_a_malformed_envelope_is_a_clear_422(client, world, ops):
    r = client.post("/api/v1/sync/push", json={"batch_id": str(uuid.uuid4()), "ops": ops},
                    headers=bearer(world))
    assert (r.status_code, r.json["error"]["code"]) == (422, "invalid_payload"), r.get_json()


def test_an_op_missing_its_fields_is_answered_by_its_op_id(client, world):
    r = client.post("/api/v1/sync/push", json={"batch_id": "x", "ops": [{"op_id": "1"}]},
                    headers=bearer(world))
    assert r.status_code == 200
    [result] = r.json["results"]
    assert (result["op_id"], result["status"], result["code"]) == (
        "1", "rejected", "sync.invalid_op")
    assert "entity" in result["reason"] and "action" in result["reason"]


def visit(world, n, **over):
    body = {"instance_id": f"uuid:odd-{n}", "form_id": "pssm_visit", "form_version": "1",
            "depot": "NMY", "visit_type": "routine_internal", "answers": {"fence_intact": "yes"},
            "counts": [{"crate": world.crates["ammo"], "quantity": 1000}],
            "findings": [{"item": "fence_intact", "severity": "minor", "text": "ok"}]}
    body.update(over)
    return body


ODD_SUBMISSIONS = {
    "count base_version 2^63": {"counts": [{"crate": "c", "quantity": 1, "base_version": BIG}]},
    "count quantity 2^63": {"counts": [{"crate": "c", "quantity": BIG}]},
    "count photos int": {"counts": [{"crate": "c", "quantity": 1, "photos": 1}]},
    "count photos float": {"counts": [{"crate": "c", "quantity": 1, "photos": 1.5}]},
    "count crate a list": {"counts": [{"crate": [1], "quantity": 1}]},
    "finding severity list": {"findings": [{"item": "x", "severity": []}]},
    "finding severity dict": {"findings": [{"item": "x", "severity": {}}]},
    "finding photos true": {"findings": [{"item": "x", "photos": True}]},
    "finding crate a dict": {"findings": [{"item": "x", "crate": {"a": 1}}]},
    "started year 1": {"started_at": "0001-01-01T00:30:00+01:00"},
    "ended year 9999": {"ended_at": "9999-12-31T23:30:00-01:00"},
    "answers big int": {"answers": {"fence_intact": "yes", "n": BIG, "m": -BIG * 4}},
}


@pytest.mark.parametrize("shape", ODD_SUBMISSIONS)
def test_odd_shapes_in_a_submission_are_flagged_or_refused(client, world, app, shape):
    """Never a 500: the answer is a clear 4xx, or the submission is stored and flagged."""
    over = dict(ODD_SUBMISSIONS[shape])
    for key in ("counts", "findings"):
        for item in over.get(key, []):
            if item.get("crate") == "c":
                item["crate"] = world.crates["ammo"]
    r = client.post("/api/v1/submissions", json=visit(world, shape, **over),
                    headers=bearer(world))
    assert r.status_code in (201, 422), r.get_json()
    if r.status_code == 201:
        again = client.get(f"/api/v1/submissions/uuid:odd-{shape}", headers=bearer(world))
        assert again.status_code == 200


def test_notes_keep_their_cap_and_shown_notes_plus_a_line_fit_again(client, world, app, ammo):
    shown, version = "", ammo["version"]
    for n in range(30):  # 30 lines of 500 characters: far past the cap
        line = f"{n:02d} " + "x" * 497
        r = client.post("/api/v1/sync/push", json={"batch_id": str(uuid.uuid4()), "ops": [
            {"op_id": str(uuid.uuid4()), "entity": "crate", "entity_id": ammo["id"],
             "action": "patch", "base_version": version, "base": {"notes": shown},
             "set": {"notes": f"{shown}\n{line}" if shown else line}}]},
            headers=bearer(world))
        result = r.json["results"][0]
        assert result["status"] == "applied", result
        version = result["version"]
        with app.app_context():
            shown = db.session.get(Crate, ammo["id"]).notes
        assert len(shown) <= 10_000 and shown.endswith(line)
    assert shown.startswith("11 ")  # the oldest lines gave way, whole

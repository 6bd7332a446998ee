"""The push: every result status, replays, held ops, two phones on one crate."""

import gzip
import json
import uuid

import pytest
from sqlalchemy import func, select

from server.db import db
from server.models import AppliedOp, Change, Conflict, Crate, Discrepancy, OpIncident
from tests.http.sync_helpers import Phone, bearer


@pytest.fixture
def ammo(app, world):
    with app.app_context():
        crate = db.session.scalar(select(Crate).where(Crate.label_id == world.crates["ammo"]))
        return {"id": crate.id, "version": crate.version, "location": "B1/A1"}


def crate_row(app, crate_id):
    with app.app_context():
        return db.session.get(Crate, crate_id)


def test_applied_with_a_current_base(client, world, ammo, app):
    phone = Phone(client, world)
    out = phone.push([phone.op(ammo["id"], "patch", {"location": "B2/A1"},
                               base={"location": "B1/A1"}, base_version=ammo["version"])])
    res = out["results"][0]
    assert (res["status"], res["version"]) == ("applied", ammo["version"] + 1)
    assert "record" not in res
    row = crate_row(app, ammo["id"])
    assert (row.location.building.code, row.location.code, row.version) == (
        "B2", "A1", ammo["version"] + 1)


def test_merged_when_stale_but_untouched(client, world, ammo, app):
    a, b = Phone(client, world), Phone(client, world, "commander")
    a.push([a.op(ammo["id"], "patch", {"seal_number": "S-NEW"}, base_version=ammo["version"],
                 base={"seal_number": None})])
    out = b.push([b.op(ammo["id"], "patch", {"location": "B2/A2"}, base={"location": "B1/A1"},
                       base_version=ammo["version"])])
    res = out["results"][0]
    assert res["status"] == "merged"
    assert res["record"]["seal_number"] == "S-NEW" and res["record"]["location"] == "B2/A2"


def test_conflict_keeps_the_master_value(client, world, ammo, app):
    a, b = Phone(client, world), Phone(client, world, "commander")
    a.push([a.op(ammo["id"], "patch", {"location": "B2/A1"}, base={"location": "B1/A1"},
                 base_version=ammo["version"])])
    out = b.push([b.op(ammo["id"], "patch", {"location": "B2/A2", "notes": "lid cracked"},
                       base={"location": "B1/A1", "notes": ""}, base_version=ammo["version"])])
    res = out["results"][0]
    assert res["status"] == "conflict" and len(res["conflict_ids"]) == 1
    assert res["record"]["location"] == "B2/A1"  # master kept
    assert res["record"]["notes"] == "lid cracked"  # the other field still merged
    with app.app_context():
        c = db.session.get(Conflict, res["conflict_ids"][0])
        assert (c.field, c.base_value, c.server_value, c.phone_value, c.status) == (
            "location", "B1/A1", "B2/A1", "B2/A2", "open")


def test_duplicate_replay_gets_the_first_answer(client, world, ammo, app):
    phone = Phone(client, world)
    op = phone.op(ammo["id"], "patch", {"location": "B2/A1"}, base={"location": "B1/A1"},
                  base_version=ammo["version"])
    first = phone.push([op], batch_id="b1")["results"][0]
    again = phone.push([op], batch_id="b1")["results"][0]
    assert again["status"] == "duplicate" and again["original_status"] == "applied"
    assert again["version"] == first["version"]
    assert crate_row(app, ammo["id"]).version == ammo["version"] + 1


def test_same_op_id_with_another_payload_is_rejected_and_recorded(client, world, ammo, app):
    phone = Phone(client, world)
    op = phone.op(ammo["id"], "patch", {"location": "B2/A1"}, base_version=ammo["version"])
    phone.push([op])
    forged = {**op, "set": {"location": "B1/A2"}}
    res = phone.push([forged])["results"][0]
    assert (res["status"], res["code"]) == ("rejected", "sync.op_id_reused")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OpIncident).where(
            OpIncident.kind == "op_id_reused")) == 1
    assert crate_row(app, ammo["id"]).location.building.code == "B2"


def test_a_bad_op_does_not_fail_its_neighbours(client, world, ammo, app):
    phone = Phone(client, world)
    ops = [phone.op(ammo["id"], "patch", {"location": "B9/Z9"}, base_version=ammo["version"]),
           phone.op(str(uuid.uuid4()), "patch", {"notes": "x"}),
           phone.op(ammo["id"], "patch", {"status": "flying"}),
           phone.op(ammo["id"], "patch", {"seal_number": "S77"}, base_version=ammo["version"],
                    base={"seal_number": None})]
    results = phone.push(ops)["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "rejected", "applied"]
    assert results[1]["code"] == "not_found"
    row = crate_row(app, ammo["id"])
    assert (row.seal_number, row.location.building.code) == ("S77", "B1")


def test_out_of_scope_crate_is_rejected_as_not_found(client, world, app):
    with app.app_context():
        ng = db.session.scalar(select(Crate.id).where(Crate.label_id == world.crates["ng_ammo"]))
    phone = Phone(client, world)
    res = phone.push([phone.op(ng, "patch", {"notes": "x"})])["results"][0]
    assert (res["status"], res["code"]) == ("rejected", "not_found")


def test_blocked_on_a_retired_crate(client, world, ammo, app):
    phone = Phone(client, world, "commander")
    refused = phone.push([phone.op(ammo["id"], "patch", {"status": "retired"},
                                   base={"status": "in_store"},
                                   base_version=ammo["version"])])["results"][0]
    assert (refused["status"], refused["code"]) == ("rejected", "stock.custody_refused")
    issued = client.post("/api/v1/depots/NMY/vouchers", headers=bearer(world, "commander"),
                         json={"type": "issue", "occurred_at": "2026-11-30T08:00:00+00:00",
                               "document_ref": "BS 1", "lines": [
                                   {"crate_id": ammo["id"], "quantity": 1000}]})
    assert issued.status_code == 201
    phone.push([phone.op(ammo["id"], "patch", {"status": "retired"},
                         base={"status": "in_store"}, base_version=ammo["version"] + 1)])
    res = phone.push([phone.op(ammo["id"], "patch", {"notes": "x"})])["results"][0]
    assert (res["status"], res["code"]) == ("blocked", "sync.blocked")


def test_held_until_the_predecessor_arrives_across_batches(client, world, ammo, app):
    phone = Phone(client, world)
    first = phone.op(ammo["id"], "patch", {"location": "B2/A1"}, base={"location": "B1/A1"},
                     base_version=ammo["version"])
    second = phone.op(ammo["id"], "patch", {"location": "B2/A2"}, base={"location": "B2/A1"},
                      base_version=ammo["version"] + 1)
    assert second["prev_seq"] == first["seq"]
    held = phone.push([second])["results"][0]
    assert held["status"] == "held"
    assert crate_row(app, ammo["id"]).location.building.code == "B1"
    assert phone.push([second])["results"][0]["status"] == "held"  # replay while waiting
    out = phone.push([first])
    assert out["results"][0]["status"] == "applied"
    assert [(r["op_id"], r["status"]) for r in out["released"]] == [(second["op_id"], "applied")]
    row = crate_row(app, ammo["id"])
    assert (row.location.code, row.version) == ("A2", ammo["version"] + 2)
    assert phone.push([second])["results"][0]["original_status"] == "applied"


def test_release_held_force_applies_and_flags(client, world, ammo, app):
    phone = Phone(client, world)
    phone.op(ammo["id"], "patch", {"notes": "never sent"})
    orphan = phone.op(ammo["id"], "patch", {"seal_number": "S5"}, base={"seal_number": None},
                      base_version=ammo["version"])
    assert phone.push([orphan])["results"][0]["status"] == "held"
    r = app.test_cli_runner().invoke(args=["sync", "release-held", "--older-than", "0"])
    assert r.exit_code == 0 and "forced" in r.output
    assert crate_row(app, ammo["id"]).seal_number == "S5"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OpIncident).where(
            OpIncident.kind == "forced")) == 1
    res = phone.push([orphan])["results"][0]
    assert res["status"] == "duplicate" and res["forced"] is True


def test_a_whole_batch_replayed_after_a_cut_doubles_nothing(client, world, ammo, app):
    phone = Phone(client, world)
    ops = [phone.op(ammo["id"], "count", {"quantity": 990}, base_version=ammo["version"]),
           phone.op(ammo["id"], "patch", {"notes": "checked"}, base={"notes": ""},
                    base_version=ammo["version"])]
    phone.push(ops, batch_id="cut")
    with app.app_context():
        changes = db.session.scalar(select(func.count(Change.seq)))
    again = phone.push(ops, batch_id="cut")["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Change.seq))) == changes
        assert db.session.scalar(select(func.count(Discrepancy.id))) == 1
        assert db.session.scalar(select(func.count(AppliedOp.id))) == 2
    assert crate_row(app, ammo["id"]).notes == "checked"


def test_count_that_differs_opens_a_discrepancy_and_never_changes_stock(client, world, ammo,
                                                                        app):
    phone = Phone(client, world)
    res = phone.push([phone.op(ammo["id"], "count", {"quantity": 940, "seal_intact": True},
                               base_version=ammo["version"])])["results"][0]
    assert res["status"] == "applied" and len(res["discrepancy_ids"]) == 1
    with app.app_context():
        d = db.session.get(Discrepancy, res["discrepancy_ids"][0])
        assert (d.kind, d.book_quantity, d.observed_quantity) == ("shortage", 1000, 940)
    assert crate_row(app, ammo["id"]).quantity == 1000
    same = phone.push([phone.op(ammo["id"], "count", {"quantity": 1000},
                                base_version=ammo["version"])])["results"][0]
    assert same.get("discrepancy_ids", []) == []


def test_two_concurrent_counts_that_disagree_open_a_discrepancy(client, world, ammo, app):
    a, b = Phone(client, world), Phone(client, world, "commander")
    a.push([a.op(ammo["id"], "count", {"quantity": 1000}, base_version=ammo["version"])])
    res = b.push([b.op(ammo["id"], "count", {"quantity": 1001},
                       base_version=ammo["version"])])["results"][0]
    with app.app_context():
        kinds = {d.kind for d in db.session.scalars(select(Discrepancy))}
    assert "count_disagreement" in kinds and "surplus" in kinds
    assert res["discrepancy_ids"]


def test_weapon_count_names_missing_and_unknown_serials(client, world, app):
    with app.app_context():
        crate = db.session.scalar(select(Crate).where(Crate.label_id == world.crates["rifles"]))
        rid, version = crate.id, crate.version
    phone = Phone(client, world)
    res = phone.push([phone.op(rid, "count", {"serials": ["AK100001", "AK999999"]},
                               base_version=version)])["results"][0]
    with app.app_context():
        found = {d.kind: d.details for d in db.session.scalars(
            select(Discrepancy).where(Discrepancy.id.in_(res["discrepancy_ids"])))}
    assert found["recorded_serial_missing"]["serials"] == ["AK100002"]
    assert found["unknown_serial_found"]["serials"] == ["AK999999"]


def test_create_a_crate_offline_on_a_preallocated_label(client, world, app):
    from server.models import Depot
    from sync.stock.inventory import allocate_labels

    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.code == "NMY"))
        label = allocate_labels(db.session, depot, 3)[0]
        db.session.commit()
    phone = Phone(client, world)
    new_id = str(uuid.uuid4())
    res = phone.push([phone.op(new_id, "create", {"label_id": label, "kind": "ammo_box",
                                                  "location": "B2/A2", "seal_number": "S1"})])
    assert res["results"][0]["status"] == "applied"
    row = crate_row(app, new_id)
    assert (row.label_id, row.status.value, row.quantity, row.version) == (
        label, "registered", 0, 1)
    again = phone.push([phone.op(str(uuid.uuid4()), "create", {"label_id": label,
                                                               "kind": "ammo_box"})])
    assert again["results"][0]["code"] == "labels.taken"
    bad = phone.push([phone.op(str(uuid.uuid4()), "create", {"label_id": label[:-1] + "Z",
                                                             "kind": "ammo_box"})])
    assert bad["results"][0]["code"] in ("labels.bad_check", "labels.bad_label")
    from sync.labels.ids import make_label
    far = phone.push([phone.op(str(uuid.uuid4()), "create", {
        "label_id": make_label("NE", "NMY", 99999), "kind": "ammo_box"})])
    assert far["results"][0]["code"] == "labels.not_allocated"


def test_gzip_bodies_and_bombs(client, world, ammo):
    phone = Phone(client, world)
    body = json.dumps({"batch_id": "gz", "ops": [phone.op(ammo["id"], "patch", {"notes": "gz"},
                                                          base={"notes": ""},
                                                          base_version=ammo["version"])]})
    r = client.post("/api/v1/sync/push", data=gzip.compress(body.encode()),
                    headers={**bearer(world), "Content-Encoding": "gzip",
                             "Content-Type": "application/json", "Accept-Encoding": "gzip"})
    assert r.status_code == 200
    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]")
    r = client.post("/api/v1/sync/push", data=bomb,
                    headers={**bearer(world), "Content-Encoding": "gzip",
                             "Content-Type": "application/json"})
    assert (r.status_code, r.json["error"]["code"]) == (413, "payload_too_large")
    r = client.post("/api/v1/sync/push", data=b"\x1f\x8bnot gzip at all",
                    headers={**bearer(world), "Content-Encoding": "gzip"})
    assert (r.status_code, r.json["error"]["code"]) == (400, "invalid_json")


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 400, "invalid_json"),
    (b'{"batch_id": "x"}', 422, "invalid_payload"),
    (b'{"batch_id": "x", "ops": []}', 422, "invalid_payload"),
    (b'[1, 2]', 422, "invalid_payload"),
    (b'{"batch_id": "x", "cursor": "forged", "ops": [{"op_id": "1", "entity": "crate", '
     b'"entity_id": "c", "action": "patch", "set": {}}]}', 400, "sync.invalid_cursor"),
], ids=["malformed", "no ops", "empty ops", "not an object",
        "forged cursor"])
def test_malformed_pushes_get_clear_errors(client, world, body, status, code):
    r = client.post("/api/v1/sync/push", data=body,
                    headers={**bearer(world), "Content-Type": "application/json"})
    assert (r.status_code, r.json["error"]["code"]) == (status, code)


def test_reviewers_cannot_push(client, world, ammo):
    r = client.post("/api/v1/sync/push", json={"batch_id": "r", "ops": [
        {"op_id": "1", "entity": "crate", "entity_id": ammo["id"], "action": "patch",
         "set": {"notes": "x"}}]}, headers=bearer(world, "reviewer"))
    assert (r.status_code, r.json["error"]["code"]) == (403, "auth.forbidden")

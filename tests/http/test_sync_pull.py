"""The pull: snapshot then changes, scoped, no echo, conflicts, horizon, convergence."""

from datetime import timedelta

from itsdangerous import URLSafeSerializer
from sqlalchemy import select, update

from server.db import db, utcnow
from server.models import Change, Crate, SyncState
from tests.http.sync_helpers import Phone, bearer


def ammo_id(app, world, name="ammo"):
    with app.app_context():
        return db.session.scalar(select(Crate.id).where(Crate.label_id == world.crates[name]))


def test_snapshot_covers_the_scope_then_changes_follow(client, world, app):
    phone = Phone(client, world)
    last, pages = phone.pull_all()
    assert last["snapshot"] is True
    labels = sorted(c["label_id"] for c in phone.crates.values())
    assert labels == sorted([world.crates["ammo"], world.crates["rifles"]])
    rifles = next(c for c in phone.crates.values() if c["label_id"] == world.crates["rifles"])
    assert [w[3] for w in rifles["weapons"]] == ["AK100001", "AK100002"]
    ammo = next(c for c in phone.crates.values() if c["label_id"] == world.crates["ammo"])
    assert last["lots"][str(ammo["lot"])]["hazard"] == "1.4S"
    # nothing new: an empty change page
    again, _ = phone.pull_all()
    assert again["snapshot"] is False and again["crates"] == []


def test_changes_by_others_arrive_and_own_writes_are_not_echoed(client, world, app):
    crate_id = ammo_id(app, world)
    mine, other = Phone(client, world), Phone(client, world, "commander")
    mine.pull_all()
    other.pull_all()
    version = mine.crates[crate_id]["version"]
    mine.push([mine.op(crate_id, "patch", {"seal_number": "S-MINE"}, base={"seal_number": None},
                       base_version=version)])
    page, _ = mine.pull_all()
    assert page["crates"] == []  # its own write is not echoed
    page, _ = other.pull_all()
    assert [c["seal_number"] for c in page["crates"]] == ["S-MINE"]


def test_pages_are_checkpoints(client, world, app):
    crate_id, rifles_id = ammo_id(app, world), ammo_id(app, world, "rifles")
    writer = Phone(client, world, "commander")
    reader = Phone(client, world)
    reader.pull_all()
    for n in range(3):
        writer.push([writer.op(crate_id, "patch", {"notes": f"note {n}"})])
        writer.push([writer.op(rifles_id, "patch", {"tags": [f"t{n}"]})])
    r = client.get(f"/api/v1/sync/pull?limit=2&cursor={reader.cursor}", headers=bearer(world))
    assert r.json["more"] is True and len(r.json["crates"]) == 2
    _, pages = reader.pull_all(limit=2)
    assert pages == 3
    assert reader.crates[crate_id]["notes"].endswith("note 2")
    assert reader.crates[rifles_id]["tags"] == ["t0", "t1", "t2"]


def test_other_country_changes_never_reach_the_phone(client, world, app):
    ng = Phone(client, world, "ng_inspector")
    ng.pull_all()
    assert [c["label_id"] for c in ng.crates.values()] == [world.crates["ng_ammo"]]
    ne = Phone(client, world, "commander")
    ne.push([ne.op(ammo_id(app, world), "patch", {"notes": "secret"})])
    page, _ = ng.pull_all()
    assert page["crates"] == []


def test_own_open_conflicts_come_with_the_pull(client, world, app):
    crate_id = ammo_id(app, world)
    a, b = Phone(client, world), Phone(client, world, "commander")
    a.pull_all()
    version = a.crates[crate_id]["version"]
    b.push([b.op(crate_id, "patch", {"location": "B2/A1"}, base={"location": "B1/A1"},
                 base_version=version)])
    a.push([a.op(crate_id, "patch", {"location": "B2/A2"}, base={"location": "B1/A1"},
                 base_version=version)])
    page, _ = a.pull_all()
    assert [(c["field"], c["server"], c["phone"]) for c in page["conflicts"]] == [
        ("location", "B2/A1", "B2/A2")]


def test_a_cursor_behind_the_horizon_must_refetch(client, world, app):
    phone = Phone(client, world)
    phone.pull_all()
    with app.app_context():
        db.session.execute(update(Change).values(at=utcnow() - timedelta(days=400)))
        db.session.commit()
    r = app.test_cli_runner().invoke(args=["sync", "compact", "--days", "90"])
    assert r.exit_code == 0 and "removed" in r.output
    assert client.get(f"/api/v1/sync/pull?cursor={phone.cursor}",
                      headers=bearer(world)).status_code == 200  # not behind: it saw them all
    with app.app_context():
        horizon = db.session.get(SyncState, 1).horizon_seq
    behind = URLSafeSerializer(app.config["SECRET_KEY"], salt="depotsync.pull.v1").dumps(
        {"d": world.devices["inspector"], "s": horizon - 1, "a": None})
    r = client.get(f"/api/v1/sync/pull?cursor={behind}", headers=bearer(world))
    assert (r.status_code, r.json["error"]["code"]) == (410, "must_refetch")
    refetch = Phone(client, world)
    refetch.pull_all()  # a pull without a cursor starts again from a snapshot
    assert len(refetch.crates) == 2


def test_another_devices_cursor_is_refused(client, world):
    phone = Phone(client, world)
    phone.pull_all()
    r = client.get(f"/api/v1/sync/pull?cursor={phone.cursor}", headers=bearer(world, "commander"))
    assert (r.status_code, r.json["error"]["code"]) == (400, "sync.invalid_cursor")


def test_round_trip_converges_after_a_conflict_is_resolved(client, world, app):
    crate_id = ammo_id(app, world)
    a, b = Phone(client, world), Phone(client, world, "commander")
    a.pull_all()
    b.pull_all()
    base = dict(a.crates[crate_id])
    # both edit offline
    a.crates[crate_id] = {**base, "location": "B2/A1", "notes": "a was here"}
    b.crates[crate_id] = {**base, "location": "B2/A2", "tags": ["damaged"]}
    a.push([a.op(crate_id, "patch", {"location": "B2/A1", "notes": "a was here"},
                 base={"location": base["location"], "notes": ""},
                 base_version=base["version"])])
    res = b.push([b.op(crate_id, "patch", {"location": "B2/A2", "tags": ["damaged"]},
                       base={"location": base["location"], "tags": []},
                       base_version=base["version"])])["results"][0]
    assert res["status"] == "conflict"
    conflict_id = res["conflict_ids"][0]
    r = client.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                    json={"choose": "phone", "reason": "B checked the stack in person"},
                    headers=bearer(world, "reviewer"))
    assert r.status_code == 200, r.json
    a.pull_all()
    b.pull_all()
    r = client.get(f"/api/v1/crates/{world.crates['ammo']}", headers=bearer(world, "reviewer"))
    server = r.json
    for phone in (a, b):
        mine = phone.crates[crate_id]
        assert (mine["location"], mine["notes"], mine["tags"], mine["version"]) == (
            "B2/A2", "a was here", ["damaged"], server["version"])
    assert server["location"] == {"building": "B2", "stack": "A2"}


def test_config_and_gzip_answers(client, world, app):
    cfg = client.get("/api/v1/sync/config", headers=bearer(world)).json
    assert cfg["max_ops_per_batch"] == app.config["SYNC_MAX_OPS"]
    assert cfg["tombstone_horizon_days"] == 90 and cfg["max_body_bytes"] > 0
    r = client.get("/api/v1/sync/pull", headers={**bearer(world), "Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    import gzip
    import json
    page = json.loads(gzip.decompress(r.get_data()))
    assert len(page["crates"]) == 2
    plain = client.get("/api/v1/sync/pull", headers=bearer(world))
    assert "Content-Encoding" not in plain.headers and len(plain.json["crates"]) == 2


def test_too_many_ops_is_413(client, world, app):
    app.config["SYNC_MAX_OPS"] = 2
    ops = [{"op_id": str(n), "entity": "crate", "entity_id": "x", "action": "patch",
            "set": {"notes": "x"}} for n in range(3)]
    r = client.post("/api/v1/sync/push", json={"batch_id": "b", "ops": ops},
                    headers=bearer(world))
    assert (r.status_code, r.json["error"]["code"]) == (413, "payload_too_large")

"""Two processes push conflicting ops on one crate at the same time, while a third pulls.

No lost update: every accepted change gets exactly one version. No missed change: each of
many crates changed once during the race reaches the puller, which would not happen if change
seqs were handed out in another order than commits.
"""

import multiprocessing as mp
import uuid
from pathlib import Path

from sqlalchemy import func, select

from server.db import db, utcnow
from server.models import Change, Crate, Depot, Location
from server.models.inventory import CrateKind
from sync.journal.trail import SYSTEM
from sync.stock import inventory
from tests.conftest import make_app

ROUNDS = 15


def writer(url: str, tmp: str, token: str, shared: str, own: list[str], barrier) -> list[str]:
    app = make_app(url, Path(tmp))
    client = app.test_client()
    barrier.wait()
    statuses = []
    for n, crate_id in enumerate(own):
        # two batches: the second shares no row lock with the other writer, so only the
        # journal's ordering keeps the puller from missing it
        for op in ({"entity_id": shared, "base_version": 2, "base": {"seal_number": None},
                    "set": {"seal_number": f"{token[:4]}-{n}"}},
                   {"entity_id": crate_id, "set": {"notes": f"touched by {token[:4]}"}}):
            op = {"op_id": str(uuid.uuid4()), "entity": "crate", "action": "patch", **op}
            r = client.post("/api/v1/sync/push", json={"batch_id": str(uuid.uuid4()),
                                                       "ops": [op]},
                            headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.get_json()
            statuses += [res["status"] for res in r.json["results"]]
    with app.app_context():
        db.engine.dispose()
    return statuses


def test_two_writers_and_a_puller(app, world, tmp_path, database_url):
    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.code == "NMY"))
        location = db.session.scalar(select(Location).limit(1))
        labels = inventory.allocate_labels(db.session, depot, 2 * ROUNDS)
        extra = [inventory.register_crate(db.session, depot, label_id=label,
                                          kind=CrateKind.AMMO_BOX, location=location,
                                          actor=SYSTEM, now=utcnow()).id for label in labels]
        shared = db.session.scalar(select(Crate.id).where(Crate.label_id == world.crates["ammo"]))
        db.session.commit()
    reader = app.test_client()
    headers = {"Authorization": f"Bearer {world.tokens['reviewer']}"}
    # the reviewer may not push but may pull: its device sees the whole country
    cursor = None
    while True:
        r = reader.get("/api/v1/sync/pull" + (f"?cursor={cursor}" if cursor else ""),
                       headers=headers)
        cursor = r.json["cursor"]
        if not r.json["more"]:
            break

    ctx = mp.get_context("spawn")
    barrier = ctx.Manager().Barrier(2)
    tokens = [world.tokens["inspector"], world.tokens["commander"]]
    with ctx.Pool(2) as pool:
        jobs = [pool.apply_async(writer, (database_url, str(tmp_path / f"w{i}"), tokens[i], shared,
                                          extra[i::2], barrier)) for i in range(2)]
        seen: dict[str, dict] = {}
        while not all(j.ready() for j in jobs):
            r = reader.get(f"/api/v1/sync/pull?limit=7&cursor={cursor}", headers=headers)
            assert r.status_code == 200
            cursor = r.json["cursor"]
            seen.update({c["id"]: c for c in r.json["crates"]})
        statuses = [s for j in jobs for s in j.get(timeout=120)]
    while True:
        r = reader.get(f"/api/v1/sync/pull?limit=7&cursor={cursor}", headers=headers)
        cursor = r.json["cursor"]
        seen.update({c["id"]: c for c in r.json["crates"]})
        if not r.json["more"]:
            break

    assert all(s in ("applied", "merged", "conflict") for s in statuses), statuses
    with app.app_context():
        crate = db.session.get(Crate, shared)
        versions = list(db.session.scalars(select(Change.version).where(
            Change.entity_id == shared).order_by(Change.seq)))
        # one version per accepted change, no two changes on the same version
        assert versions == list(range(1, crate.version + 1))
        accepted = sum(1 for s in statuses[0::2] if s in ("applied", "merged"))
        assert crate.version == 2 + accepted
        assert db.session.scalar(select(func.count(Change.seq)).where(
            Change.entity_id == shared)) == crate.version
    # the first writer to reach the shared crate applied; every later one conflicted
    assert statuses[0::2].count("conflict") == 2 * ROUNDS - accepted and accepted == 1
    for crate_id in extra:
        assert seen[crate_id]["notes"].startswith("touched by"), "a change was missed"
    assert seen[shared]["version"] == crate.version

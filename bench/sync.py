"""Push and pull at the size of a central depot, on SQLite and PostgreSQL.

    .venv/bin/python bench/sync.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Loads the demo set, grows depot NE-NMY to 10,000 crates, then:
- floor: every row a push writes (applied ops, change log, count events, crate updates,
  audit events and the chain's head), bulk-inserted straight into the same tables, 500 ops
  a transaction, each committed (as durably as a push's), into a copy of the database as the
  push finds it. Also the earlier floor: the engine's own tables only, no audit rows, the 20
  batches in one transaction rolled back (no commit, so no sync to disk), before the push;
- push: 10,000 ops (70% patches, 30% counts) in batches of 500 through the HTTP door;
- pull: a full snapshot of the depot by a phone scoped to it, gzip bytes per crate.
After the setup the process freezes its heap, as a gunicorn worker does once it has loaded
the app (server.serving.settle_heap); each timed part starts after a full collection.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text, update  # noqa: E402

from server.app import create_app  # noqa: E402
from server.db import db, utcnow  # noqa: E402
from server.models import (  # noqa: E402
    AmmoLot,
    AppliedOp,
    AuditEvent,
    AuditHead,
    Change,
    CountEvent,
    Crate,
    Depot,
    Location,
    StorageBuilding,
    User,
)
from server.models.inventory import CrateKind  # noqa: E402
from server.models.ledger import MovementType  # noqa: E402
from server.serving import settle_heap  # noqa: E402
from sync.journal.trail import SYSTEM  # noqa: E402
from sync.people import accounts
from sync.stock import inventory  # noqa: E402
from sync.stock.ledger import LineIn, post_movement  # noqa: E402

CRATES, OPS, BATCH = 10_000, 10_000, 500


def say(msg: str) -> None:
    print(msg, flush=True)


def build(url: str, workdir: Path):
    os.environ["DEPOTSYNC_INSTANCE"] = str(workdir / "instance")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        from server.cli import demo

        demo.load(db.session, app.instance_path)
        db.session.commit()
        depot = db.session.scalar(select(Depot).where(Depot.code == "NMY"))
        have = db.session.query(Crate).filter(Crate.depot_id == depot.id).count()
        locations = list(db.session.scalars(select(Location).join(StorageBuilding).where(
            StorageBuilding.depot_id == depot.id)))
        lot = db.session.scalar(select(AmmoLot).limit(1))
        commander = db.session.scalar(select(User).where(User.username == "commandant"))
        labels = inventory.allocate_labels(db.session, depot, CRATES - have)
        lines, t0 = [], time.perf_counter()
        for n, label in enumerate(labels):
            crate = inventory.register_crate(db.session, depot, label_id=label,
                                             kind=CrateKind.AMMO_BOX,
                                             location=locations[n % len(locations)],
                                             actor=SYSTEM, now=utcnow())
            lines.append(LineIn(crate_id=crate.id, lot_id=lot.id, quantity=1000))
            if n % 1000 == 999:
                say(f"  grow depot: {n + 1}/{len(labels)} crates ({time.perf_counter() - t0:.0f}s)")
        post_movement(db.session, depot_id=depot.id, type=MovementType.RECEIPT, lines=lines,
                      originator_id=commander.id, occurred_at=utcnow(), now=utcnow())
        inspector = accounts.create_user(db.session, f"bench-{uuid.uuid4().hex[:6]}",
                                         role="inspector", country_code="NE",
                                         depot_codes=["NMY"], actor=SYSTEM, now=utcnow())
        token = accounts.enroll_device(db.session, inspector, actor=SYSTEM, now=utcnow()).token
        db.session.commit()
        crates = [(c.id, c.version) for c in db.session.scalars(
            select(Crate).where(Crate.depot_id == depot.id).order_by(Crate.label_id))]
    return app, token, crates


def make_ops(crates):
    ops = []
    for n, (crate_id, version) in enumerate(crates[:OPS]):
        if n % 10 < 7:
            ops.append({"op_id": str(uuid.uuid4()), "entity": "crate", "entity_id": crate_id,
                        "action": "patch", "seq": n + 1, "base_version": version,
                        "base": {"seal_number": None}, "set": {"seal_number": f"B{n:06d}"}})
        else:
            ops.append({"op_id": str(uuid.uuid4()), "entity": "crate", "entity_id": crate_id,
                        "action": "count", "seq": n + 1, "base_version": version,
                        "set": {"quantity": 1000, "seal_intact": True}})
    return ops


def _floor_batch(conn, chunk, device_id: str, user_id: int, depot_id: int, now, *,
                 audited: bool) -> None:
    """One batch's rows, bulk-inserted. audited: also what a push writes besides, the audit
    event of each patch and of the batch, the chain's head, the counted crates' date."""
    conn.execute(insert(AppliedOp), [
        {"device_id": device_id, "op_id": op["op_id"], "seq": op["seq"],
         "payload_hash": "0" * 64, "entity": "crate", "entity_id": op["entity_id"],
         "status": "applied", "result": {"status": "applied", "version": op["base_version"] + 1},
         "batch_id": "floor", "applied_at": now} for op in chunk])
    patches = [op for op in chunk if op["action"] == "patch"]
    conn.execute(text("UPDATE crates SET seal_number = :seal, version = version + 1, "
                      "updated_at = :now WHERE id = :cid"),
                 [{"cid": op["entity_id"], "seal": op["set"]["seal_number"], "now": now}
                  for op in patches])
    conn.execute(insert(Change), [
        {"entity": "crate", "entity_id": op["entity_id"], "depot_id": depot_id,
         "version": op["base_version"] + 1, "op": "upsert", "at": now, "user_id": user_id,
         "device_id": device_id} for op in patches])
    counts = [op for op in chunk if op["action"] == "count"]
    conn.execute(insert(CountEvent), [
        {"id": op["op_id"], "crate_id": op["entity_id"], "depot_id": depot_id,
         "device_id": device_id, "user_id": user_id, "crate_version": op["base_version"],
         "book_quantity": 1000, "observed_quantity": 1000, "seal_intact": True,
         "blind": False, "photos": [], "received_at": now} for op in counts])
    if not audited:
        return
    conn.execute(update(Crate).where(Crate.id.in_([op["entity_id"] for op in counts]))
                 .values(last_counted_at=now))
    seq = conn.scalar(select(func.coalesce(func.max(AuditEvent.chain_seq), 0))
                      .where(AuditEvent.chain == "floor"))
    events = [{"action": "crate.custody", "entity": "crate", "entity_id": op["entity_id"],
               "depot_id": depot_id, "country_code": "NE",
               "details": {"before": {"seal_number": None}, "after": op["set"],
                           "version": op["base_version"] + 1}} for op in patches]
    events.append({"action": "sync.push", "entity": "batch", "entity_id": "floor",
                   "depot_id": None, "country_code": "NE",
                   "details": {"ops": len(chunk), "statuses": {"applied": len(chunk)}}})
    conn.execute(insert(AuditEvent), [
        {**event, "at": now, "user_id": user_id, "device_id": device_id, "chain": "floor",
         "chain_seq": seq + n, "prev_hash": "0" * 64, "hash": "0" * 64}
        for n, event in enumerate(events, 1)])
    conn.execute(update(AuditHead).where(AuditHead.chain == f"d:{depot_id}")
                 .values(seq=AuditHead.seq))


def floor(app, ops, device_id: str, user_id: int, depot_id: int, *, audited: bool) -> float:
    """The same rows written by bulk statements, 500 ops a transaction. audited (the floor
    the push is held to): every row a push writes, each batch committed as a push's is (same
    durability); else (the floor of earlier runs) the engine's own tables only, all batches
    in one transaction that is rolled back, so the ops can still be pushed."""
    now = utcnow()
    with app.app_context():
        engine = db.engine
        gc.collect()  # each timed part starts with no garbage left by the one before
        t0 = time.perf_counter()
        with engine.connect() as conn:
            trans = conn.begin()
            for start in range(0, len(ops), BATCH):
                _floor_batch(conn, ops[start:start + BATCH], device_id, user_id, depot_id, now,
                             audited=audited)
                if audited:
                    trans.commit()
                    trans = conn.begin()
            elapsed = time.perf_counter() - t0
            trans.rollback()
    return elapsed


def push(app, token, ops) -> tuple[float, dict]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    tally: dict[str, int] = {}
    gc.collect()
    t0 = time.perf_counter()
    for start in range(0, len(ops), BATCH):
        r = client.post("/api/v1/sync/push", headers=headers, json={
            "batch_id": str(uuid.uuid4()), "ops": ops[start:start + BATCH]})
        assert r.status_code == 200, r.get_json()
        for res in r.json["results"]:
            tally[res["status"]] = tally.get(res["status"], 0) + 1
    return time.perf_counter() - t0, tally


def pull(app, token) -> tuple[float, int, int]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    cursor, crates, wire = None, 0, 0
    t0 = time.perf_counter()
    while True:
        r = client.get("/api/v1/sync/pull?limit=5000" + (f"&cursor={cursor}" if cursor else ""),
                       headers=headers)
        body = r.get_data()
        wire += len(body)
        page = json.loads(gzip.decompress(body) if r.headers.get("Content-Encoding") == "gzip"
                          else body)
        crates += len(page["crates"])
        cursor = page["cursor"]
        if not page["more"]:
            break
    return time.perf_counter() - t0, crates, wire


def run(name: str, url: str, clone) -> None:
    """clone(): a context giving the URL of a copy of the database as it now is."""
    say(f"== {name}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        app, token, crates = build(url, Path(tmp))
        say(f"  setup: {len(crates)} crates in NE-NMY ({time.perf_counter() - t0:.0f}s)")
        with app.app_context():
            from sync.people.accounts import authenticate_device

            device = authenticate_device(db.session, token)
            who = (device.id, device.user_id, db.session.get(Crate, crates[0][0]).depot_id)
            db.session.commit()
            db.engine.dispose()
        ops = make_ops(crates)
        settle_heap()  # as a gunicorn worker does once it has loaded the app
        # the floor on a copy of the database as the push finds it: its rows are committed,
        # and a database grown by the push's (or grown before it) writes slower
        with clone() as copy_url:
            copy = create_app({"SQLALCHEMY_DATABASE_URI": copy_url, "SECRET_KEY": "bench"})
            floor_s = floor(copy, ops, *who, audited=True)
            with copy.app_context():
                db.engine.dispose()
            del copy  # its objects would be walked by every full collection of the push's
        bare_s = floor(app, ops, *who, audited=False)
        push_s, tally = push(app, token, ops)
        pull_s, pulled, wire = pull(app, token)
        with app.app_context():
            db.engine.dispose()
    say(f"  floor (the same rows, bulk, committed):  {len(ops) / floor_s:,.0f} ops/s")
    say(f"  earlier floor (no audit rows or commit): {len(ops) / bare_s:,.0f} ops/s")
    say(f"  push through the engine:                 {len(ops) / push_s:,.0f} ops/s "
        f"({push_s:.1f}s; {tally})")
    say(f"  ratio push/floor time:                   {push_s / floor_s:.1f}x "
        f"(earlier floor: {push_s / bare_s:.1f}x)")
    say(f"  full pull: {pulled} crates in {pull_s:.2f}s, {wire:,} gzip bytes, "
        f"{wire / max(pulled, 1):.0f} bytes per crate")


@contextlib.contextmanager
def sqlite_copy(path: Path):
    target = path.with_name("floor.sqlite")
    shutil.copy(path, target)  # every connection closed: no WAL left beside it
    yield f"sqlite:///{target}"


@contextlib.contextmanager
def pg_copy(admin, server: str, name: str):
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}_floor TEMPLATE {name}"))
    try:
        yield f"{server}/{name}_floor"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name}_floor WITH (FORCE)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server URL; a fresh database is made on it")
    parser.add_argument("--db-prefix", default="bench_",
                        help="the name prefix of the throwaway PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.sqlite"
            run("SQLite", f"sqlite:///{path}", lambda: sqlite_copy(path))
    if not args.no_pg:
        name = f"{args.db_prefix}{uuid.uuid4().hex[:8]}"
        server = args.pg.rsplit("/", 1)[0]
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        try:
            run("PostgreSQL", f"{server}/{name}", lambda: pg_copy(admin, server, name))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
            admin.dispose()


if __name__ == "__main__":
    main()

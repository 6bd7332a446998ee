"""HQ pages and API lists at a national register's size, against their own SQL run bare.

    .venv/bin/python bench/hq.py [--scale 1.0] [--no-pg] [--no-sqlite] [--rebuild] [-n 20]
                                 [--pg URL] [--workers N] [--verify-only]

Builds once, in bulk and with progress, and reuses between runs (--rebuild starts afresh):
50 depots (Niger), 500,000 crates, 2,000,000 ledger movements (hash-chained per depot, book
quantities matching), 100,000 submissions each with a photo's metadata, and the audit event
every one of those writes leaves (chained per depot, with stored heads) — in the SQLite file
/tmp/depotsync_bench_hq.sqlite and the PostgreSQL database bench_hq. --scale shrinks it all.

Then, signed in as the country's reviewer (pages) or with their phone's token (API), times
each HQ page and API list -n times in-process (server time: routing, SQL, rendering) and
prints its 95th percentile beside the 95th percentile of the same SQL statements, captured
from the page and replayed bare on the driver. Before the first, the heap is frozen out of
the garbage collector's walks, as a gunicorn worker's is once it has loaded the app
(server.serving.settle_heap). Then the inspections export (time, traced peak
memory: flat means it streams) and `audit verify` over the whole database.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, insert, select, text, update  # noqa: E402

from server.app import create_app  # noqa: E402
from server.db import db, utcnow  # noqa: E402
from server.models import (  # noqa: E402
    AuditEvent,
    AuditHead,
    Crate,
    Depot,
    Label,
    Location,
    Movement,
    MovementLine,
    Photo,
    StorageBuilding,
    Submission,
    SubmissionAttachment,
)
from server.models.inventory import CrateKind, CrateStatus, StockCategory  # noqa: E402
from server.models.labels import LabelStatus  # noqa: E402
from server.models.ledger import MovementType  # noqa: E402
from server.models.sync import SubmissionStatus  # noqa: E402
from server.serving import settle_heap  # noqa: E402
from sync.journal.chains import one_snapshot, worker_pool  # noqa: E402
from sync.journal.trail import GENESIS, chain_hash, chain_key, verify_audit  # noqa: E402
from sync.stock.ledger import movement_content  # noqa: E402
from sync.stock.ledger_verify import verify_ledgers  # noqa: E402

SQLITE = Path("/tmp/depotsync_bench_hq.sqlite")
CHUNK = 10_000
LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"  # those a label prefix may use
T0 = datetime(2025, 12, 1, tzinfo=UTC)


def say(msg: str) -> None:
    print(msg, flush=True)


class Progress:
    """Rows written so far against the target, a line every few seconds."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.t0, self.shown = label, total, 0, time.time(), 0.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.time()
        if now - self.shown > 5 or self.done >= self.total:
            self.shown = now
            say(f"  {self.label}: {self.done:,}/{self.total:,} ({now - self.t0:.0f}s)")


def make_app(url: str, work: Path):
    os.environ["DEPOTSYNC_INSTANCE"] = str(work / "instance")
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-hq",
                       "PHOTO_DIR": str(work / "photos"), "WTF_CSRF_ENABLED": False})


class Audit:
    """Audit events chained per depot as record_audit chains them, written in bulk."""

    def __init__(self, session) -> None:
        self.session, self.rows = session, []
        self.heads = {h.chain: (h.seq, h.hash) for h in session.scalars(select(AuditHead))}
        self.known = set(self.heads)

    def add(self, at, user_id, device_id, depot_id, action, entity, entity_id, details):
        chain = chain_key(depot_id, "NE")
        seq, prev = self.heads.get(chain, (0, GENESIS))
        row = {"at": at, "user_id": user_id, "device_id": device_id, "country_code": "NE",
               "depot_id": depot_id, "action": action, "entity": entity,
               "entity_id": entity_id, "details": details}
        digest = chain_hash(prev, row)
        self.rows.append({**row, "chain": chain, "chain_seq": seq + 1, "prev_hash": prev,
                          "hash": digest})
        self.heads[chain] = (seq + 1, digest)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.session.execute(insert(AuditEvent.__table__), self.rows)
            self.rows = []

    def close(self) -> None:
        self.flush()
        for chain, (seq, digest) in self.heads.items():
            if chain not in self.known:
                self.session.add(AuditHead(chain=chain, seq=seq, hash=digest))
                continue
            self.session.execute(update(AuditHead).where(AuditHead.chain == chain)
                                 .values(seq=seq, hash=digest)
                                 .execution_options(synchronize_session=False))


def build(app, sizes: dict, world_file: Path) -> None:
    from flask_migrate import upgrade

    from forms.registry import publish_shipped
    from sync.journal.trail import SYSTEM
    from tests.factories import add_depot, build_world

    with app.app_context():
        upgrade()
        world = build_world(db.session)
        publish_shipped(db.session, actor=SYSTEM, now=utcnow())
        for n in range(sizes["depots"] - 2):
            add_depot(db.session, world, "NE", "D" + LETTERS[n // 22] + LETTERS[n % 22])
        db.session.commit()
        world_file.write_text(json.dumps(world.__dict__))
        session = db.session
        depots = list(session.scalars(select(Depot).where(Depot.country_code == "NE")
                                      .order_by(Depot.id)))
        per_depot = {k: sizes[k] // len(depots) for k in ("crates", "movements", "submissions")}
        audit = Audit(session)
        _ledger_and_crates(session, depots, per_depot, world, audit)
        _submissions(session, depots, per_depot, world, audit)
        audit.close()
        session.commit()
        db.engine.dispose()


def _ledger_and_crates(session, depots, per_depot, world, audit) -> None:
    from sync.labels.registry import issue_labels

    crates_bar = Progress("crates", per_depot["crates"] * len(depots))
    moves_bar = Progress("movements (with their lines and audit events)",
                         per_depot["movements"] * len(depots))
    commander, lot = world.users["commander"], world.lots["ball"]
    for depot in depots:
        labels = issue_labels(session, depot, per_depot["crates"], now=utcnow())
        ids = _crates(session, depot, labels, lot, per_depot["movements"], crates_bar)
        crate_of = select(Crate.id).where(Crate.label_id == Label.label_id).scalar_subquery()
        session.execute(update(Label).where(Label.depot_id == depot.id)
                        .values(status=LabelStatus.ASSIGNED, crate_id=crate_of, assigned_at=T0)
                        .execution_options(synchronize_session=False))
        prev, seq = depot.ledger_head, depot.ledger_seq
        moves, lines = [], []
        for n in range(per_depot["movements"]):
            at = T0 + timedelta(seconds=n * 600)
            line = SimpleNamespace(line_no=1, crate_id=ids[n % len(ids)], lot_id=lot,
                                   quantity=10, weapon_id=None, weapon_status=None,
                                   to_location_id=None, details=None)
            m = SimpleNamespace(
                id=str(uuid.uuid4()), depot_id=depot.id, depot_seq=seq + 1,
                type=MovementType.RECEIPT, occurred_at=at, recorded_at=at,
                document_ref=f"BR-{n:06d}", counterparty="Base logistique",
                originator_id=commander, approver_id=None, witnesses=[], notes="",
                reference="", issuer="", issuer_signed_at=None, receiver="",
                receiver_signed_at=None, transport={}, certificate_ref="", report_due_at=None,
                lines=[line], prev_hash=prev)
            m.hash = prev = chain_hash(prev, movement_content(m))
            seq += 1
            moves.append({k: v for k, v in vars(m).items() if k != "lines"})
            lines.append({**vars(line), "movement_id": m.id})
            audit.add(at, commander, None, depot.id, "ledger.receipt", "movement", m.id,
                      {"depot_seq": m.depot_seq, "lines": 1})
            if len(moves) >= CHUNK or n == per_depot["movements"] - 1:
                session.execute(insert(Movement.__table__), moves)
                session.execute(insert(MovementLine.__table__), lines)
                moves_bar.add(len(moves))
                moves, lines = [], []
        session.execute(update(Depot).where(Depot.id == depot.id)
                        .values(ledger_seq=seq, ledger_head=prev)
                        .execution_options(synchronize_session=False))
        audit.flush()
        session.commit()


def _crates(session, depot, labels, lot, movements: int, bar) -> list[str]:
    """Every crate of the depot, with the quantity its receipts will book (receipts of 10 go
    round the crates in order)."""
    locations = list(session.scalars(select(Location.id).join(StorageBuilding).where(
        StorageBuilding.depot_id == depot.id)))
    ids, rows, per = [], [], len(labels)
    for k, label in enumerate(labels):
        ids.append(str(uuid.uuid4()))
        rows.append({"id": ids[-1], "label_id": label, "depot_id": depot.id,
                     "location_id": locations[k % len(locations)], "kind": CrateKind.AMMO_BOX,
                     "status": CrateStatus.IN_STORE, "category": StockCategory.OPERATIONAL,
                     "lot_id": lot, "notes": "", "tags": [], "version": 1,
                     "quantity": 10 * (movements // per + (k < movements % per)),
                     "created_at": T0, "updated_at": T0})
        if len(rows) >= CHUNK or k == per - 1:
            session.execute(insert(Crate.__table__), rows)
            bar.add(len(rows))
            rows = []
    return ids


def _submissions(session, depots, per_depot, world, audit) -> None:
    """Security checklists with one photo each (its metadata: the file itself is not
    needed by any list), each with its submission.accept audit event."""
    bar = Progress("submissions (with attachment, photo, audit event)",
                   per_depot["submissions"] * len(depots))
    user, device = world.users["inspector"], world.devices["inspector"]
    subs, atts, photos = [], [], []
    for depot in depots:
        for n in range(per_depot["submissions"]):
            sid, iid, pid = str(uuid.uuid4()), f"uuid:{uuid.uuid4()}", str(uuid.uuid4())
            at = T0 + timedelta(seconds=n * 3600 + depot.id)
            answers = {"depot": depot.code, "fence_intact": "no" if n % 7 == 0 else "yes",
                       "gates_locked": "yes", "fence_intact_photo": "fence.jpg"}
            subs.append({"id": sid, "instance_id": iid, "form_id": "security_check",
                         "form_version": "2026120101", "source": "openrosa",
                         "content_hash": uuid.uuid4().hex * 2, "answers": answers,
                         "raw": f"<security_check><meta><instanceID>{iid}</instanceID></meta>"
                                "</security_check>",
                         "status": SubmissionStatus.FLAGGED if n % 7 == 0
                         else SubmissionStatus.ACCEPTED, "problems": [],
                         "depot_id": depot.id, "device_id": device, "user_id": user,
                         "visit_type": "routine_internal", "started_at": at, "ended_at": at,
                         "received_at": at})
            atts.append({"submission_id": sid, "name": "fence.jpg",
                         "question": "fence_intact_photo", "photo_uuid": pid, "photo_id": pid})
            photos.append({"id": pid, "sha256": uuid.uuid4().hex * 2,
                           "content_type": "image/jpeg", "size": 206_000, "width": 1600,
                           "height": 1200, "filename": "fence.jpg", "instance_id": iid,
                           "question": "fence_intact_photo", "depot_id": depot.id,
                           "device_id": device, "created_at": at})
            audit.add(at, user, device, depot.id, "submission.accept", "submission", sid,
                      {"instance_id": iid, "form_id": "security_check", "problems": 0})
            if len(subs) >= CHUNK:
                _write_submissions(session, subs, atts, photos, bar)
    _write_submissions(session, subs, atts, photos, bar)


def _write_submissions(session, subs, atts, photos, bar) -> None:
    if subs:
        session.execute(insert(Photo.__table__), photos)
        session.execute(insert(Submission.__table__), subs)
        session.execute(insert(SubmissionAttachment.__table__), atts)
        bar.add(len(subs))
        for rows in (subs, atts, photos):
            rows.clear()


# -- timing -------------------------------------------------------------------------------

def targets(session, world) -> tuple[list[str], list[str]]:
    """The HQ pages and API lists a reviewer of Niger uses, on the biggest depot."""
    crate = session.scalar(select(Crate.label_id).where(Crate.depot_id == world["depots"]["NE-NMY"])
                           .order_by(Crate.label_id.desc()).limit(1))
    sub = session.scalar(select(Submission.id).where(Submission.form_id == "security_check")
                         .order_by(Submission.received_at.desc()).limit(1))
    pages = ["/hq/depots", "/hq/depots/NMY", "/hq/depots/NMY/crates",
             "/hq/depots/NMY/crates?page=50", "/hq/inspections", "/hq/inspections?page=200",
             "/hq/inspections?depot=NMY&flagged=1", f"/hq/inspections/{sub}",
             f"/hq/crates/{crate}", "/hq/findings", "/hq/discrepancies", "/hq/conflicts",
             "/hq/stock-checks", f"/hq/search?q={crate}", "/hq/approvals", "/hq/in-transit",
             "/hq/depots/NMY/vouchers", "/hq/devices", "/hq/registers"]
    api = ["/api/v1/depots", "/api/v1/depots/NMY/crates", "/api/v1/depots/NMY/crates?limit=1000",
           f"/api/v1/crates/{crate}", "/api/v1/conflicts", "/api/v1/discrepancies",
           "/api/v1/depots/NMY/vouchers", "/api/v1/approvals", "/api/v1/books/depots/NMY",
           "/api/v1/lots", "/api/v1/in-transit", "/api/v1/losses"]
    return pages, api


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * 0.95 + 0.5) - 1)] * 1000


def time_targets(app, world, n: int) -> list[tuple]:
    from server.models import User
    from server.web import session_key

    with app.app_context():
        pages, api = targets(db.session, world)
        user = db.session.get(User, world["users"]["reviewer"])
        uid, key = user.id, session_key(user)
        engine = db.engine
    browser, phone = app.test_client(), app.test_client()
    with browser.session_transaction() as cookie:
        cookie["uid"], cookie["key"] = uid, key
    bearer = {"Authorization": f"Bearer {world['tokens']['reviewer']}"}
    captured: list = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    rows = []
    for path in pages + api:
        client, headers = (phone, bearer) if path.startswith("/api/") else (browser, {})
        status = client.get(path, headers=headers).status_code  # warm: caches, plans
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            response = client.get(path, headers=headers)
            response.get_data()
            times.append(time.perf_counter() - t0)
        event.listen(engine, "before_cursor_execute", capture)
        client.get(path, headers=headers).get_data()
        event.remove(engine, "before_cursor_execute", capture)
        statements, captured[:] = list(captured), []
        rows.append((path, status, p95(times), bare(engine, statements, n), len(statements)))
    return rows


def bare(engine, statements, n: int) -> float:
    """The page's statements, run again on the driver's cursor and fetched: no ORM, no
    routing, no template."""
    times = []
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        for _ in range(n):
            t0 = time.perf_counter()
            for statement, parameters in statements:
                if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
            times.append(time.perf_counter() - t0)
        conn.rollback()
    return p95(times)


def export_memory(app, world) -> tuple[float, float, int]:
    from server.models import User
    from server.web import session_key

    with app.app_context():
        user = db.session.get(User, world["users"]["reviewer"])
        uid, key = user.id, session_key(user)
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["uid"], cookie["key"] = uid, key
    tracemalloc.start()
    t0 = time.perf_counter()
    response = client.get("/hq/exports/inspections.csv", buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 1e6, size


def audit_verify(app, workers: int) -> tuple[float, float, int]:
    """`audit verify` as the command runs it: wall time, CPU seconds of this process and its
    workers, problems found."""
    from server.cli import progress_bar

    with app.app_context():
        t0, cpu0 = time.perf_counter(), _cpu()
        one_snapshot(db.session)
        with worker_pool(db.session, workers) as pool:
            problems = (verify_ledgers(db.session, progress=progress_bar, pool=pool)
                        + verify_audit(db.session, progress=progress_bar, pool=pool))
        db.session.rollback()
        return time.perf_counter() - t0, _cpu() - cpu0, len(problems)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(name: str, url: str, args, sizes: dict, world_file: Path) -> None:
    say(f"== {name}")
    work = Path("/tmp/depotsync_bench_hq_work")
    app = make_app(url, work)
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(Crate)) \
            if db.inspect(db.engine).has_table("crates") else 0
        db.engine.dispose()
    if have < sizes["crates"] or not world_file.exists():
        t0 = time.perf_counter()
        build(app, sizes, world_file)
        say(f"  built in {time.perf_counter() - t0:.0f}s")
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()  # a data set built by an earlier version of the code: the schema of this one
        if db.engine.dialect.name == "postgresql":
            # the planner's statistics as autovacuum keeps them on a live server: a set built
            # in bulk has none until analysed, and autovacuum may be off where this runs
            t0 = time.perf_counter()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            say(f"  analysed in {time.perf_counter() - t0:.0f}s")
        db.engine.dispose()
    world = json.loads(world_file.read_text())
    with app.app_context():
        counts = {t.__tablename__: db.session.scalar(select(func.count()).select_from(t))
                  for t in (Depot, Crate, Movement, Submission, Photo, AuditEvent)}
    say("  " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    if args.build_only:
        return
    if not args.verify_only:
        time_pages(app, world, args)
    seconds, cpu, problems = audit_verify(app, args.workers)
    say(f"  audit verify (ledgers and audit chains, {args.workers} worker(s)): {seconds:.1f}s, "
        f"{cpu:.1f} CPU-s in Python (the database's own not counted), {problems} problem(s)")
    with app.app_context():
        db.engine.dispose()


def time_pages(app, world: dict, args) -> None:
    say(f"  {'page or list':44} {'status':>6} {'p95 ms':>8} {'bare SQL p95':>13} "
        f"{'statements':>10}")
    settle_heap()  # as a gunicorn worker does once it has loaded the app
    for path, status, server_ms, sql_ms, statements in time_targets(app, world, args.n):
        say(f"  {path[:44]:44} {status:>6} {server_ms:8.1f} {sql_ms:13.1f} {statements:>10}")
    seconds, peak, size = export_memory(app, world)
    say(f"  export inspections.csv: {size / 1e6:.1f} MB in {seconds:.1f}s, traced peak "
        f"{peak:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("-n", type=int, default=20, help="requests a page")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_hq")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--verify-only", action="store_true",
                        help="time `audit verify` alone, not the pages")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="audit verify's worker processes")
    args = parser.parse_args()
    sizes = {"depots": 50, **{k: int(v * args.scale) for k, v in (
        ("crates", 500_000), ("movements", 2_000_000), ("submissions", 100_000))}}
    suffix = "" if args.scale == 1.0 else f"_{args.scale:g}".replace(".", "_")
    if not args.no_sqlite:
        path = SQLITE.with_name(SQLITE.stem + suffix + ".sqlite")
        world = path.with_suffix(".world.json")
        if args.rebuild:
            for p in (path, world):
                p.unlink(missing_ok=True)
        run("SQLite", f"sqlite:///{path}", args, sizes, world)
    if not args.no_pg:
        server, name = args.pg.rsplit("/", 1)
        name += suffix
        admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if args.rebuild:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                           {"n": name}) is None:
                conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        world = Path(f"/tmp/depotsync_bench_hq_{name}.world.json")
        if args.rebuild:
            world.unlink(missing_ok=True)
        run("PostgreSQL", f"{server}/{name}", args, sizes, world)


if __name__ == "__main__":
    main()

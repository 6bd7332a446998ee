"""OpenRosa submissions through gunicorn against a floor measured in the same run.

    .venv/bin/python bench/openrosa.py [-n 400] [--photo-kb 206] [--no-pg] [--no-memory]

For SQLite (a file in a temporary folder) and PostgreSQL (a fresh database on --pg), the
app runs under `gunicorn -w 4` (sync workers, as deployed) and so does the floor: a minimal
WSGI app under the same settings that parses the same multipart body to disk, keeps the file
(fsync, linked by its sha256 as the photo store does), stores the XML and commits one row.
Beside them run two more floors: the floor plus only what the issue's guarantees need before
a 201, at their cheapest (the device authenticated, the XML parsed safely, the photo's header
read, the submission stored once per instance ID), and that plus its audit event chained as
sync.journal.trail chains it. The same client posts the same bodies to each, in turn, in
four patterns:

- visit header (F0, an offline `visits` entity), no photo; sequential, then 8 clients;
- security checklist (F1) with one "no" answer and its photo-like JPEG, in the same POST;

and prints submissions/s, median and p95 latency, the ratio to the floor, and the peak
resident size of any worker. Then (unless --no-memory) 100 checklists with 8 MB camera
photos stream through one worker, and its RSS growth is printed (the aim: under 50 MB).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOUNDARY = "depotsyncbench7d1c"
WARM = 16  # submissions a pattern posted to warm the workers, not measured
GUNICORN = [str(Path(sys.executable).parent / "gunicorn"), "--workers", "4",
            "--log-level", "warning", "--timeout", "120"]


# -- the floors: what any server must do for one submission, and what its guarantees add --

_floor = {}


def _engine():
    from sqlalchemy import create_engine

    if "engine" not in _floor:
        url = os.environ["DATABASE_URL"]
        _floor["engine"] = create_engine(url, **({"connect_args": {"timeout": 30}}
                                                 if url.startswith("sqlite") else {}))
        _floor["dir"] = Path(os.environ["PHOTO_DIR"])
    return _floor["engine"]


def _keep_parts(environ, check_image: bool = False) -> tuple[bytes, list[str]]:
    """The multipart body parsed to disk; each file part fsynced and linked by its sha256
    (its header read first when check_image), the folder fsynced. The XML's bytes, and the
    spooled paths to remove once the row is committed."""
    from PIL import Image
    from werkzeug.formparser import parse_form_data

    spool = _floor["dir"] / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    paths = []

    def to_disk(**_kw):
        fh = tempfile.NamedTemporaryFile(dir=spool, delete=False)
        paths.append(fh.name)
        return fh

    _stream, _form, files = parse_form_data(environ, stream_factory=to_disk)
    xml = files["xml_submission_file"].read()
    for name, part in files.items():
        if name == "xml_submission_file":
            continue
        part.stream.flush()
        os.fsync(part.stream.fileno())
        if check_image:
            part.stream.seek(0)
            with Image.open(part.stream) as image:
                image.size  # noqa: B018 - a real image: its header parses
        part.stream.seek(0)
        digest = hashlib.file_digest(part.stream, "sha256").hexdigest()
        target = _floor["dir"] / digest
        if not target.exists():
            os.link(part.stream.name, target)
    fd = os.open(_floor["dir"], os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    return xml, paths


def _created(start_response, paths: list[str]) -> list[bytes]:
    for path in paths:
        os.unlink(path)
    body = b"<OpenRosaResponse xmlns='http://openrosa.org/http/response'/>"
    start_response("201 Created", [("Content-Type", "text/xml"),
                                   ("Content-Length", str(len(body)))])
    return [body]


def floor_app(environ, start_response):
    """Parse the multipart body to disk, keep the file and the XML durably, commit a row."""
    from sqlalchemy import text

    engine = _engine()
    if environ["REQUEST_METHOD"] != "POST":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    xml, paths = _keep_parts(environ)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bench_floor (id, xml) VALUES (:id, :xml)"),
                     {"id": str(uuid.uuid4()), "xml": xml.decode()})
    return _created(start_response, paths)


def guarded_app(environ, start_response):
    """The floor plus only what the issue's guarantees need before a 201, each at its
    cheapest (Core statements, no ORM): the device's token looked up (one read: a revoked
    device or a disabled user is refused), the XML parsed safely for its instanceID, each
    photo's image header read, the submission stored once per instance ID (insert on
    conflict do nothing) and, with AUDIT=1, its audit event chained to the chain's head as
    sync.journal.trail does (lock the head, insert, move the head). None of the domain's
    work: no visit, finding, count, photo row or scope."""
    from defusedxml.ElementTree import fromstring
    from sqlalchemy import text

    engine = _engine()
    if environ["REQUEST_METHOD"] != "POST":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    token = environ["PATH_INFO"].split("/")[2]
    with engine.connect() as conn:
        device = conn.execute(text(
            "SELECT d.id FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = "
            ":h AND d.revoked_at IS NULL AND u.active"),
            {"h": hashlib.sha256(token.encode()).hexdigest()}).scalar()
    if device is None:
        start_response("401 Unauthorized", [("Content-Length", "0")])
        return [b""]
    xml, paths = _keep_parts(environ, check_image=True)
    root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    instance_id = next(e.text for e in root.iter() if e.tag.endswith("instanceID"))
    audit = os.environ.get("AUDIT") == "1"
    with engine.begin() as conn:
        table = "bench_audited" if audit else "bench_guarded"
        new = conn.execute(text(
            f"INSERT INTO {table} (instance_id, device_id, sha256, xml) VALUES (:i, :d, :h, :x) "
            "ON CONFLICT (instance_id) DO NOTHING RETURNING instance_id"),
            {"i": instance_id, "d": device, "h": hashlib.sha256(xml).hexdigest(),
             "x": xml.decode()}).first()
        if new is not None and audit:
            seq, head = conn.execute(text(
                "INSERT INTO bench_head (chain, seq, hash) VALUES ('d', 0, '') ON CONFLICT "
                "(chain) DO UPDATE SET chain = excluded.chain RETURNING seq, hash")).one()
            event = json.dumps({"action": "submission.accept", "instance_id": instance_id,
                                "device_id": device, "prev": head}, sort_keys=True)
            digest = hashlib.sha256(event.encode()).hexdigest()
            conn.execute(text("INSERT INTO bench_audit (seq, hash, event) VALUES (:s, :h, :e)"),
                         {"s": seq + 1, "h": digest, "e": event})
            conn.execute(text("UPDATE bench_head SET seq = :s, hash = :h WHERE chain = 'd'"),
                         {"s": seq + 1, "h": digest})
    return _created(start_response, paths)


# -- the data: bodies as Collect posts them --------------------------------------------------

def multipart(xml: bytes, files: dict[str, bytes]) -> bytes:
    parts = [(b'name="xml_submission_file"; filename="submission.xml"', b"text/xml", xml)]
    parts += [(f'name="{n}"; filename="{n}"'.encode(), b"image/jpeg", d) for n, d in files.items()]
    out = b""
    for disposition, kind, data in parts:
        out += (f"--{BOUNDARY}\r\n".encode() + b"Content-Disposition: form-data; "
                + disposition + b"\r\nContent-Type: " + kind + b"\r\n\r\n" + data + b"\r\n")
    return out + f"--{BOUNDARY}--\r\n".encode()


def distinct(jpeg: bytes, n: int) -> bytes:
    """The same picture with a comment segment of its own: other bytes, another sha256."""
    note = f"bench photo {n} {uuid.uuid4()}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + jpeg[2:]


def setup(url: str, work: Path, n: int, photo: bytes):
    """Migrate, build the small world, publish the forms; the bodies of every pattern."""
    os.environ["DEPOTSYNC_INSTANCE"] = str(work / "instance")
    from flask_migrate import upgrade
    from sqlalchemy import text

    from forms.registry import publish_shipped
    from forms.sources.visit import F1_ITEMS
    from server.app import create_app
    from server.db import db, utcnow
    from sync.journal.trail import SYSTEM
    from tests.collect import Collect, new_instance_id
    from tests.factories import build_world
    from tests.visit_forms import checklist, header

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PHOTO_DIR": str(work / "photos")})
    with app.app_context():
        upgrade()
        world = build_world(db.session)
        publish_shipped(db.session, actor=SYSTEM, now=utcnow())
        db.session.execute(text("CREATE TABLE bench_floor (id VARCHAR(36) PRIMARY KEY, "
                                "xml TEXT NOT NULL)"))
        for table in ("bench_guarded", "bench_audited"):
            db.session.execute(text(f"CREATE TABLE {table} (instance_id VARCHAR(64) PRIMARY "
                                    "KEY, device_id VARCHAR(36), sha256 VARCHAR(64), xml TEXT)"))
        db.session.execute(text("CREATE TABLE bench_audit (seq INTEGER PRIMARY KEY, hash "
                                "VARCHAR(64), event TEXT)"))
        db.session.execute(text("CREATE TABLE bench_head (chain VARCHAR(8) PRIMARY KEY, seq "
                                "INTEGER, hash VARCHAR(64))"))
        db.session.commit()
        db.engine.dispose()
    token = world.tokens["inspector"]
    collect = Collect(app.test_client(), token)
    items = [name for _g, name, *_ in F1_ITEMS]
    headers, checks, visits = [], [], []
    for _ in range(n):
        visit = str(uuid.uuid4())
        visits.append(visit)
        head = header(world, visit)
        xml = collect.fill("visit_header", head, instance_id=new_instance_id(), entity={
            "id": head.pop("__visit"), "create": "1", "label": head["visit_label"]})
        headers.append((xml, {}))
    for k in range(n):
        answers = checklist(items, visits[k], {items[2]: "A hole in the north fence"})
        answers.update(guards_count="3")
        xml = collect.fill("security_check", answers, instance_id=new_instance_id())
        checks.append((xml, {f"{items[2]}.jpg": distinct(photo, k)}))
    return token, headers, checks


# -- the servers and the client --------------------------------------------------------------

class Server:
    """gunicorn serving `target` on a free port, with its workers' resident sizes sampled."""

    def __init__(self, target: str, env: dict, workers: int = 4, sample: bool = True) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        cmd = GUNICORN + ["--bind", f"127.0.0.1:{self.port}", target]
        cmd[cmd.index("--workers") + 1] = str(workers)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
        self.peak, self.base, self.running = 0.0, {}, True
        for _ in range(300):
            try:
                self.request("GET", "/healthz", b"", {})
                break
            except OSError:
                time.sleep(0.1)
        if sample:
            threading.Thread(target=self._sample, daemon=True).start()

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def rss(self) -> dict[int, float]:
        sizes = {}
        for pid in self.workers():
            try:
                pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            sizes[pid] = pages * resource.getpagesize() / 1e6
        return sizes

    def _sample(self) -> None:
        while self.running:
            for pid, mb in self.rss().items():
                self.peak = max(self.peak, mb)
                self.growth = max(getattr(self, "growth", 0.0), mb - self.base.get(pid, mb))
            time.sleep(0.01)

    def settle(self) -> None:
        """From now on, growth is measured from each worker's present size."""
        self.base, self.growth = self.rss(), 0.0

    def request(self, method: str, path: str, body: bytes, headers: dict) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def stop(self) -> None:
        self.running = False
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def post_all(server: Server, path: str, bodies: list[tuple], clients: int) -> dict:
    """POST each (xml, files) from `clients` threads; a body is built just before its POST
    (100 bodies with 8 MB photos would not fit in memory at once)."""
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
               "X-OpenRosa-Version": "1.0"}

    def one(parts: tuple) -> float:
        body = multipart(*parts)
        t0 = time.perf_counter()
        status = server.request("POST", path, body, headers)
        if status != 201:
            raise SystemExit(f"POST {path.split('/key/')[0]}… answered {status}")
        return time.perf_counter() - t0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = sorted(pool.map(one, bodies))
    wall = time.perf_counter() - t0
    return {"rate": len(bodies) / wall, "median": statistics.median(latencies) * 1000,
            "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000}


def run(name: str, url: str, args, photo: bytes) -> None:
    print(f"== {name} ({args.n} submissions a pattern, gunicorn -w 4)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        token, headers, checks = setup(url, work, 2 * args.n + WARM, photo)
        env = {"DATABASE_URL": url, "DEPOTSYNC_INSTANCE": str(work / "instance"),
               "PHOTO_DIR": str(work / "photos"), "SECRET_KEY": "bench"}
        servers: dict[str, Server] = {}
        path = f"/key/{token}/submission"
        try:
            servers["depotsync"] = Server("wsgi:app", env)
            for kind, target, extra in (("floor", "floor_app", {}),
                                        ("guarded", "guarded_app", {}),
                                        ("audited", "guarded_app", {"AUDIT": "1"})):
                servers[kind] = Server(f"bench.openrosa:{target}",
                                       {**env, "PHOTO_DIR": str(work / kind), **extra},
                                       sample=kind == "floor")
            halves = {"no photo": headers, "photo": checks}
            for label, bodies in halves.items():
                # warm every worker of each (imports, the form's spec, Pillow, connections)
                for server in servers.values():
                    post_all(server, path, bodies[-WARM:], 8)
                for clients, part in ((1, bodies[:args.n]), (8, bodies[args.n:-WARM])):
                    r = {kind: post_all(server, path, part, clients)
                         for kind, server in reversed(servers.items())}
                    a, f = r["depotsync"], r["floor"]
                    print(f"  {label:8} {clients} client(s): depotsync {a['rate']:6.1f}/s "
                          f"(median {a['median']:5.1f} ms, p95 {a['p95']:6.1f} ms) | floor "
                          f"{f['rate']:6.1f}/s (p95 {f['p95']:5.1f} ms) | floor/depotsync "
                          f"{f['rate'] / a['rate']:.2f}x", flush=True)
                    print(f"  {'':8} {'':9}   guarantees alone: {r['guarded']['rate']:6.1f}/s "
                          f"({r['guarded']['rate'] / f['rate']:.2f} of the floor), with the "
                          f"audit chain {r['audited']['rate']:6.1f}/s "
                          f"({r['audited']['rate'] / f['rate']:.2f})", flush=True)
            app, floor = servers["depotsync"], servers["floor"]
            print(f"  peak worker RSS: depotsync {app.peak:.0f} MB, floor {floor.peak:.0f} MB")
        finally:
            for server in servers.values():
                server.stop()


def memory(big: bytes) -> None:
    """99 checklists with 8 MB photos through one worker (SQLite): its RSS growth."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'memory.sqlite'}"
        token, _headers, checks = setup(url, work, 100, big)
        server = Server("wsgi:app", {"DATABASE_URL": url, "SECRET_KEY": "bench",
                                     "DEPOTSYNC_INSTANCE": str(work / "instance"),
                                     "PHOTO_DIR": str(work / "photos")}, workers=1)
        try:
            path = f"/key/{token}/submission"
            post_all(server, path, checks[:1], 1)  # warm up: imports, Pillow, connections
            server.settle()
            stats = post_all(server, path, checks[1:], 1)
            print(f"== memory: 99 x {len(big) / 1e6:.1f} MB photos through 1 worker: "
                  f"{stats['rate']:.1f}/s, RSS growth {server.growth:.1f} MB "
                  f"(peak {server.peak:.0f} MB)", flush=True)
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="submissions a pattern")
    parser.add_argument("--photo-kb", type=int, default=206)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server URL; a fresh database is made on it")
    parser.add_argument("--db-prefix", default="bench_openrosa_",
                        help="the name prefix of the throwaway PostgreSQL database")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.imaging import camera_jpeg

    photo = camera_jpeg(args.photo_kb / 1000)
    print(f"photo: {len(photo):,} bytes", flush=True)
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args, photo)
    if not args.no_pg:
        from sqlalchemy import create_engine, text

        name = f"{args.db_prefix}{uuid.uuid4().hex[:6]}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        try:
            run("PostgreSQL", args.pg.rsplit("/", 1)[0] + "/" + name, args, photo)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
            admin.dispose()
    if not args.no_memory:
        memory(camera_jpeg(8))


if __name__ == "__main__":
    main()

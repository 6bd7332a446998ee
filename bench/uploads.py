"""Memory while a large photo streams through the tus endpoints.

    python bench/uploads.py [--mb 50] [--chunk-mb 0]

Runs the app in a real HTTP server thread (wsgiref: werkzeug's development server reads a
10 MB buffer after every request, which would hide the app's own figure; SQLite in a
temporary folder, or DATABASE_URL),
uploads one noisy JPEG of about --mb megabytes (in one PATCH, or in --chunk-mb PATCHes) from a
streaming client in another process, and prints, for the server process, the peak traced
Python allocation (tracemalloc) and the peak growth of its resident size (sampled from
/proc), against the upload size. Both should stay flat whatever the size: the body is spooled
to disk in blocks and hashed, checked and stored from disk.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_photo(path: str, mb: int) -> None:
    """In a child process, so the image's own memory does not count against the upload."""
    from tests.imaging import noisy_jpeg

    side = int((mb * 1_000_000 / 4.1) ** 0.5)  # noise costs ~4.1 bytes a pixel at q=100
    Path(path).write_bytes(noisy_jpeg(side))


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 1e6


class RssSampler(threading.Thread):
    """The highest resident size seen, every few milliseconds (Pillow's C memory included,
    which tracemalloc does not see)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self.running = rss_mb(), True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.002)


def metadata(photo_id: str, digest: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in {"photo_id": photo_id, "sha256": digest}.items())


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


class Window:
    """A file window [start, start+length) that requests streams in 8 kB blocks."""

    def __init__(self, path: Path, start: int, length: int) -> None:
        self.fh, self.left = path.open("rb"), length
        self.fh.seek(start)
        self.len = length

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.fh.read(n)
        self.left -= len(data)
        return data


def client(base: str, token: str, path: str, chunk: int, result) -> None:
    """The phone: in its own process, so its allocations are not counted."""
    result.put(upload(base, token, Path(path), chunk))


def upload(base: str, token: str, path: Path, chunk: int) -> float:
    import requests

    size, digest = path.stat().st_size, file_sha256(path)
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    created = requests.post(f"{base}/api/v1/uploads/", headers={
        **auth, "Upload-Length": str(size),
        "Upload-Metadata": metadata(str(uuid.uuid4()), digest)})
    created.raise_for_status()
    url = base + created.headers["Location"]
    started, offset = time.perf_counter(), 0
    while offset < size:
        length = min(chunk or size, size - offset)
        r = requests.patch(url, data=Window(path, offset, length), headers={
            **auth, "Upload-Offset": str(offset), "Content-Length": str(length),
            "Content-Type": "application/offset+octet-stream"})
        if r.status_code != 204:
            raise SystemExit(f"PATCH failed: {r.status_code} {r.text}")
        offset = int(r.headers["Upload-Offset"])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--chunk-mb", type=int, default=0, help="0: one PATCH")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    os.environ["DEPOTSYNC_INSTANCE"] = str(tmp / "instance")
    photo, small = tmp / "big.jpg", tmp / "small.jpg"
    for target, mb in ((photo, args.mb), (small, 1)):
        child = multiprocessing.get_context("spawn").Process(target=make_photo,
                                                             args=(str(target), mb))
        child.start()
        child.join()

    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from flask_migrate import upgrade

    from server.app import create_app
    from server.db import db
    from tests.factories import build_world

    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
                      or f"sqlite:///{tmp / 'bench.sqlite'}", "PHOTO_DIR": str(tmp / "photos")})
    with app.app_context():
        upgrade()
        world = build_world(db.session)
        db.session.commit()
    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base, token = f"http://127.0.0.1:{server.server_port}", world.tokens["inspector"]

    spawn = multiprocessing.get_context("spawn")
    result = spawn.Queue()

    def phone(path: Path) -> float:
        child = spawn.Process(target=client, args=(base, token, str(path),
                                                   args.chunk_mb * 1_000_000, result))
        child.start()
        seconds = result.get(timeout=600)
        child.join()
        return seconds

    phone(small)  # warm up: imports, Pillow plugins, database connections
    sampler = RssSampler()
    rss_before = sampler.peak
    sampler.start()
    tracemalloc.start()
    seconds = phone(photo)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sampler.running = False
    sampler.join()
    rss_growth = sampler.peak - rss_before
    server.shutdown()
    with app.app_context():
        db.engine.dispose()
    size = photo.stat().st_size
    shutil.rmtree(tmp, ignore_errors=True)

    chunks = f"{args.chunk_mb} MB PATCHes" if args.chunk_mb else "one PATCH"
    print(f"upload                   {size / 1e6:8.1f} MB in {chunks} ({seconds:.2f} s)")
    print(f"server peak traced alloc {peak / 1e6:8.2f} MB  ({peak / size:.1%} of the upload)")
    print(f"server peak RSS growth   {rss_growth:8.1f} MB  (Pillow's C memory included)")


if __name__ == "__main__":
    main()

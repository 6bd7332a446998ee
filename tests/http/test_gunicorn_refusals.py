"""What gunicorn refuses before the app sees it (an over-long request line or header, HTTP
that is not HTTP) comes in the doors' JSON error envelope with a stable code, through a real
gunicorn started with the project's gunicorn.conf.py."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
LOGS: dict[str, Path] = {}  # each server's error log, by its URL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=[[], ["--threads", "4", "-k", "server.serving.ThreadDoorWorker"]],
                ids=["sync", "threads"], scope="module")
def gunicorn(request, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    port = free_port()
    env = {**os.environ, "DEPOTSYNC_INSTANCE": str(instance),
           "DATABASE_URL": f"sqlite:///{instance}/refusals.db"}
    url = f"http://127.0.0.1:{port}"
    LOGS[url] = instance / "gunicorn.log"
    proc = subprocess.Popen([str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{port}",
                             "--error-logfile", str(LOGS[url]), *request.param, "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60  # a busy machine: the app's import takes a while
        while True:
            try:
                requests.get(f"{url}/api/v1/depots", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert proc.poll() is None, (LOGS[url].read_text()[-2000:]
                                             if LOGS[url].exists() else "no log")
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_the_app_answers_behind_the_project_config(gunicorn):
    r = requests.get(f"{gunicorn}/api/v1/depots", timeout=10)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "auth.token_invalid")


def test_a_worker_freezes_what_it_built_before_its_first_request(gunicorn):
    """gunicorn.conf.py's post_worker_init: the loaded app's objects are out of the garbage
    collector's walks (a worker starts with some 200,000)."""
    frozen = re.findall(r"heap settled: (\d+) objects frozen", LOGS[gunicorn].read_text())
    assert len(frozen) == 1 and int(frozen[0]) > 50_000, frozen


@pytest.mark.parametrize(("make", "status", "code"), [
    (lambda url: requests.get(f"{url}/api/v1/depots?q={'a' * 5000}", timeout=10),
     414, "request.line_too_long"),
    (lambda url: requests.get(f"{url}/key/abc/formList", timeout=10,
                              headers={"X-Long": "b" * 9000}), 431, "request.headers_too_large"),
    (lambda url: requests.get(f"{url}/api/v1/depots", timeout=10,
                              headers={f"X-H{n}": "1" for n in range(120)}),
     431, "request.headers_too_large"),
], ids=["long URL", "long header", "too many headers"])
def test_gunicorn_refusals_come_in_the_door_envelope(gunicorn, make, status, code):
    r = make(gunicorn)
    assert r.status_code == status
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["X-Depotsync-Error"] == code
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]


def test_malformed_http_is_a_400_envelope(gunicorn):
    status, headers, body = raw(gunicorn, b"GET /api/v1/depots HTTP/1.1\r\nHost: x\r\n"
                                          b"Bad Header\r\n\r\n")
    assert (status, headers["X-Depotsync-Error"]) == (400, "bad_request")
    assert b'"code": "bad_request"' in body

"""The same submission posted twice at once (a phone with a short timeout retries while the
first POST is still running): both are answered as the README promises, 201 then 200 on the
JSON door and 201 twice on OpenRosa, never 409; the submission is stored once. Through a
real threaded HTTP server, so the two requests run in their own transactions; on PostgreSQL
the second waits on the first's unique index entry."""

from __future__ import annotations

import threading
import uuid

import requests
from sqlalchemy import func, select

from server.db import db
from server.models import CountEvent, Submission

PAIRS = 10


def race(post) -> list[int]:
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run():
        barrier.wait()
        statuses.append(post().status_code)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(statuses)


def test_json_submission_retried_while_the_first_runs(app, world, live_server):
    headers = {"Authorization": f"Bearer {world.tokens['inspector']}"}
    for _ in range(PAIRS):
        body = {"instance_id": f"uuid:{uuid.uuid4()}", "form_id": "pssm_visit",
                "depot": "NMY", "answers": {"fence_intact": "yes"},
                "counts": [{"crate": world.crates["ammo"], "quantity": 1000}],
                "findings": [{"item": "fence_intact", "severity": "minor", "text": "ok"}]}
        assert race(lambda b=body: requests.post(f"{live_server.url}/api/v1/submissions",
                                                 json=b, headers=headers,
                                                 timeout=60)) == [200, 201]
    with app.app_context():
        assert db.session.scalar(select(func.count(Submission.id))) == PAIRS
        assert db.session.scalar(select(func.count(CountEvent.id))) == PAIRS


def test_openrosa_submission_retried_while_the_first_runs(app, collect, world, live_server):
    url = f"{live_server.url}/key/{world.tokens['inspector']}/submission"
    for _ in range(PAIRS):
        xml = collect.fill("visit_header", {
            "start": "2026-11-25T10:00:00.000+01:00", "end": "2026-11-25T10:30:00.000+01:00",
            "depot": "NMY", "visit_type": "follow_up", "inspectors": "A"})
        files = {"xml_submission_file": ("submission.xml", xml, "text/xml")}
        assert race(lambda f=files: requests.post(url, files=f, timeout=60)) == [201, 201]
    with app.app_context():
        assert db.session.scalar(select(func.count(Submission.id))) == PAIRS

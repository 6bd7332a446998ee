"""Schema fuzzing of the JSON door (schemathesis, tests/fuzzing.py): one whole round of every
operation, as an inspector's and as a reviewer's device token, with real ids in the paths
(depots of both countries, crates, submissions, conflicts, discrepancies, a tracing request
and its photo) and with generated ones. No answer is a 5xx, and every answer matches
/api/v1/openapi.json. bench/fuzz.py runs the same for longer."""

from __future__ import annotations

from server.db import db, utcnow
from server.models import User
from server.wiring import photo_keeper
from sync.access.principal import Principal
from sync.tracing.photos import attach_photo
from sync.tracing.requests import RequestIn, send_request
from tests.fuzzing import fuzz
from tests.hq_seed import seed
from tests.imaging import CRATE_JPG


def tracing_request(app, world) -> tuple[str, str]:
    """Niger's reviewer asks Nigeria directly, with a photo: (request id, photo id)."""
    with app.app_context():
        reviewer = Principal.of_user(db.session.get(User, world.users["reviewer"]))
        req = send_request(db.session, reviewer, RequestIn(
            requested_country="NG", weapon={"manufacturer": "Izhmash", "serial": "AK100009"},
            context={}, requester_contact="CNCCAI Niamey"), now=utcnow())
        with CRATE_JPG.open("rb") as image:
            photo, _ = attach_photo(db.session, reviewer, req.id, photo_keeper(), image,
                                    filename="side.jpg", now=utcnow())
        db.session.commit()
        return req.id, photo.id


def test_the_json_door_survives_schema_fuzzing(app, client, world):
    seeded = seed(app, client, world)
    request_id, photo_id = tracing_request(app, world)
    tokens = {user: world.tokens[user] for user in ("inspector", "reviewer")}
    ids = {"code": ["NMY", "ZDR", "KDN"], "label_id": list(world.crates.values()),
           "instance_id": [seeded.instance_id],
           "conflict_id": [*seeded.conflict_ids, seeded.ng_conflict_id],
           "discrepancy_id": [seeded.discrepancy_id, seeded.ng_discrepancy_id],
           "request_id": [request_id], "photo_id": [photo_id]}
    report = fuzz(app, tokens, ids, rounds=1, examples=10)
    print(report.line())
    assert report.requests > 1000, report.line()
    assert report.server_errors == [], report.server_errors[:5]
    assert report.nonconforming == [], report.nonconforming[:5]

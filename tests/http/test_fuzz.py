"""Schema fuzzing of the JSON door (schemathesis, tests/fuzzing.py): one whole round of every
operation, as an inspector's and as a reviewer's device token, with real ids in the paths
(depots of both countries, crates, submissions, conflicts, discrepancies) and with generated
ones. No answer is a 5xx, and every answer matches /api/v1/openapi.json. bench/fuzz.py runs
the same for longer."""

from __future__ import annotations

from tests.fuzzing import fuzz
from tests.hq_seed import seed


def test_the_json_door_survives_schema_fuzzing(app, client, world):
    seeded = seed(app, client, world)
    tokens = {user: world.tokens[user] for user in ("inspector", "reviewer")}
    ids = {"code": ["NMY", "ZDR", "KDN"], "label_id": list(world.crates.values()),
           "instance_id": [seeded.instance_id],
           "conflict_id": [*seeded.conflict_ids, seeded.ng_conflict_id],
           "discrepancy_id": [seeded.discrepancy_id, seeded.ng_discrepancy_id]}
    report = fuzz(app, tokens, ids, rounds=1, examples=10)
    print(report.line())
    assert report.requests > 1000, report.line()
    assert report.server_errors == [], report.server_errors[:5]
    assert report.nonconforming == [], report.nonconforming[:5]

"""Schema fuzzing of the JSON door for a long run (the test suite runs ~2 minutes of it).

    .venv/bin/python bench/fuzz.py [--requests 100000] [--hours 2] [--pg postgresql+psycopg://…]

A fresh database with the test world and seed (two countries, crates, a submission,
conflicts, discrepancies); schemathesis requests from /api/v1/openapi.json with an
inspector's and a reviewer's device tokens, real ids and generated ones in the paths. Prints
requests sent, 5xx and answers that do not match the document, then the first of each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from server.db import db  # noqa: E402
from tests.conftest import make_app  # noqa: E402
from tests.factories import build_world  # noqa: E402
from tests.fuzzing import fuzz  # noqa: E402
from tests.hq_seed import seed  # noqa: E402


def build(url: str | None, tmp: Path):
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = make_app(url or f"sqlite:///{tmp / 'fuzz.sqlite'}", tmp)
    with app.app_context():
        upgrade()
        world = build_world(db.session)
        db.session.commit()
    seeded = seed(app, app.test_client(), world)
    ids = {"code": ["NMY", "ZDR", "KDN"], "label_id": list(world.crates.values()),
           "instance_id": [seeded.instance_id],
           "conflict_id": [*seeded.conflict_ids, seeded.ng_conflict_id],
           "discrepancy_id": [seeded.discrepancy_id, seeded.ng_discrepancy_id]}
    return app, {u: world.tokens[u] for u in ("inspector", "reviewer")}, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--hours", type=float, default=4.0, help="stop after this long")
    parser.add_argument("--examples", type=int, default=50, help="per operation and round")
    parser.add_argument("--pg", help="a PostgreSQL URL (its public schema is dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, tokens, ids = build(args.pg, Path(tmp))
        started = time.perf_counter()
        with click.progressbar(length=args.requests, label="fuzzing",
                               show_pos=True) as bar:
            def progress(report):
                bar.update(report.requests - bar.pos)

            report = fuzz(app, tokens, ids, seconds=args.hours * 3600,
                          examples=args.examples, requests=args.requests, progress=progress)
        elapsed = time.perf_counter() - started
        print(f"database: {'PostgreSQL' if args.pg else 'SQLite'}")
        print(f"{report.line()} in {elapsed:.0f} s ({report.requests / elapsed:.0f}/s)")
        for line in report.server_errors[:10] + report.nonconforming[:10]:
            print("  " + line.replace("\n", " ")[:300])
        with app.app_context():
            db.engine.dispose()
        sys.exit(1 if report.server_errors or report.nonconforming else 0)


if __name__ == "__main__":
    main()

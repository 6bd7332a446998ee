"""Seconds for a country's national progress report (four quarters, agencies, every depot,
the PoA year) on a country of --depots depots, against a floor measured in the same run:
reading every row the report reads with plain SELECTs.

    /work/main/.venv/bin/python bench/programme.py [--depots 300] [--pg URL]

The data set (written straight into a throwaway database): per depot four scored visits, ten
findings due through the year, a baseline, works; eight staff per depot with two passed
courses each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from server.app import create_app  # noqa: E402
from server.db import db  # noqa: E402
from server.models import (  # noqa: E402
    Agency,
    Attendance,
    Baseline,
    Country,
    Course,
    Depot,
    Finding,
    StaffMember,
    User,
    Visit,
    Works,
)
from server.models.places import DepotType  # noqa: E402
from sync.access.principal import Principal  # noqa: E402
from sync.programme.reports import national_report  # noqa: E402

TABLES = ("depots", "visits", "findings", "depot_baselines", "depot_works", "staff_members",
          "attendances", "courses", "stock_checks", "movements", "weapons", "sop_adoptions")


def fill(session, depots: int) -> None:
    session.add(Country(code="NE", name="Niger", settings={}))
    session.flush()
    agencies = [Agency(country_code="NE", name=f"Agency {n}", marking_code=f"A{n}")
                for n in range(4)]
    session.add_all(agencies)
    session.add(User(username="admin", role="admin", country_code="NE"))
    session.flush()
    courses = [Course(country_code="NE", level="national", title=f"Course {n}",
                      starts_on=date(2026, 1 + n, 1), ends_on=date(2026, 1 + n, 5),
                      competence=("operator", "accountant", "supervisor")[n % 3])
               for n in range(9)]
    session.add_all(courses)
    session.flush()
    start = datetime(2026, 1, 10, tzinfo=UTC)
    for n in range(depots):
        depot = Depot(country_code="NE", code=f"D{n:03d}", name=f"Depot {n}",
                      type=DepotType.UNIT_ARMOURY, agency_id=agencies[n % 4].id,
                      security_plan_date=date(2026, 2, 1), risk_assessment_date=date(2025, 1, 1))
        session.add(depot)
        session.flush()
        for v in range(4):
            session.add(Visit(id=f"v{n}-{v}", depot_id=depot.id,
                              started_at=start + timedelta(days=80 * v),
                              score={"rrpl": min(3, v + n % 2), "levels": []}))
        for f in range(10):
            due = start + timedelta(days=30 * f)
            session.add(Finding(depot_id=depot.id, visit_id=f"v{n}-0", due_date=due,
                                closed_at=due - timedelta(days=f % 3 - 1)))
        session.flush()
        session.add(Baseline(depot_id=depot.id, assessed_on=date(2026, 1, 10),
                             visit_id=f"v{n}-0", rrpl=n % 2))
        session.add(Works(depot_id=depot.id, kind="fence", finished_on=date(2026, 5, 1),
                          handed_over_on=date(2026, 5, 1 + n % 20)))
        for s in range(8):
            member = StaffMember(country_code="NE", full_name=f"Staff {n}-{s}",
                                 depot_id=depot.id, agency_id=agencies[n % 4].id)
            session.add(member)
            session.flush()
            for c in (courses[s % 9], courses[(s + 4) % 9]):
                session.add(Attendance(course_id=c.id, staff_id=member.id, passed=True))
    session.commit()


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depots", type=int, default=300)
    parser.add_argument("--pg", default=None, help="postgresql+psycopg://… (emptied!)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["DEPOTSYNC_INSTANCE"] = tmp
    url = args.pg or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if args.pg:
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        t = time.perf_counter()
        fill(db.session, args.depots)
        print(f"{args.depots} depots filled in {time.perf_counter() - t:.1f} s")
        admin = Principal.of_user(db.session.scalar(select(User)))

        def floor() -> None:
            for table in TABLES:
                db.session.execute(text(f"SELECT * FROM {table}")).all()

        def report() -> None:
            national_report(db.session, admin, "2026Q3")
            db.session.rollback()

        f, r = best(floor), best(report)
        print(f"{'PostgreSQL' if args.pg else 'SQLite'}: floor {f:.3f} s, national report "
              f"{r:.3f} s, report / floor {r / f:.1f}x")


if __name__ == "__main__":
    main()

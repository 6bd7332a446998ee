"""Search by any mark over a national register: 200,000 weapons, queries typed with two
confusable characters.

    /work/main/.venv/bin/python bench/search.py [--weapons 200000] [--queries 200] [--pg URL]

Fills a throwaway database (SQLite file, or the PostgreSQL database --pg names, emptied
first) with --weapons registered weapons of one country (serials shaped like makers' serials,
with a share of near neighbours), then for --queries of them types the serial with two
confusable characters (O for 0, I for 1, S for 5, B for 8, Z for 2) and times
sync.register.search.search_register as an HQ reviewer (the search audits the read, as it
does for every reader), checking the right weapon comes first. The floor, in
the same run, is an exact lookup of the stored serial key on its index. Prints median, 95th
percentile and worst, and the share found first.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SWAP = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z"}
MODELS = (("Kalashnikov Concern", "AKM", "RU", "7.62x39mm", "AK"),
          ("Norinco", "Type 56", "CN", "7.62x39mm", "56-"),
          ("FN Herstal", "FAL", "BE", "7.62x51mm", "FN"),
          ("Heckler & Koch", "G3", "DE", "7.62x51mm", "G3-"),
          ("Beretta", "92FS", "IT", "9x19mm", "BER"))


def serials(count: int, rng: random.Random) -> list[tuple[int, str]]:
    """(model index, serial) pairs, unique per model; 1 in 10 a neighbour of another."""
    out, seen = [], set()
    while len(out) < count:
        m = rng.randrange(len(MODELS))
        number = rng.randrange(10_000_000)
        serial = f"{MODELS[m][4]}{number:07d}"
        if len(out) % 10 == 9:  # a near neighbour: one digit apart, else a random one
            near = out[-1][1][:-1] + str((int(out[-1][1][-1]) + 1) % 10)
            if (out[-1][0], near) not in seen:
                m, serial = out[-1][0], near
        if (m, serial) not in seen:
            seen.add((m, serial))
            out.append((m, serial))
    return out


def two_confusions(serial: str, rng: random.Random) -> str | None:
    spots = [i for i, c in enumerate(serial) if c in SWAP]
    if len(spots) < 2:
        return None
    chars = list(serial)
    for i in rng.sample(spots, 2):
        chars[i] = SWAP[chars[i]]
    return "".join(chars)


def fill(session, count: int, rng: random.Random) -> list[tuple[str, str]]:
    from sqlalchemy import insert

    from server.db import new_uuid
    from server.models import Country, Weapon
    from sync.stock.serials import serial_key

    session.add(Country(code="NE", name="Niger"))
    session.flush()
    rows, out = [], []
    for m, serial in serials(count, rng):
        maker, model, made_in, calibre, _ = MODELS[m]
        wid = new_uuid()
        rows.append({"id": wid, "country_code": "NE", "manufacturer": maker, "model": model,
                     "type": "rifle", "calibre": calibre, "serial": serial,
                     "serial_key": serial_key(serial), "marking_key": "",
                     "country_of_manufacture": made_in, "national_marking": {},
                     "marking_positions": [], "marking_photos": [], "acquisition": "",
                     "status": "in_store", "condition": "serviceable", "holder": "",
                     "version": 1})
        out.append((wid, serial))
        if len(rows) == 10_000:
            session.execute(insert(Weapon), rows)
            rows = []
    if rows:
        session.execute(insert(Weapon), rows)
    session.commit()
    return out


def percentiles(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"median {statistics.median(ms):6.2f} ms  p95 {p95:6.2f} ms  worst {ms[-1]:6.2f} ms"


def run(url: str, weapons: int, queries: int) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from server.app import create_app
    from server.db import db, utcnow
    from server.models import Role, Weapon
    from sync.access.principal import Principal
    from sync.journal.trail import SYSTEM
    from sync.people import accounts
    from sync.register.search import search_register
    from sync.stock.serials import serial_key

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    rng = random.Random(15)
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        start = time.perf_counter()
        stored = fill(db.session, weapons, rng)
        if url.startswith("postgresql"):
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE weapons"))
        print(f"{db.engine.dialect.name}: {weapons:,} weapons stored in "
              f"{time.perf_counter() - start:.1f} s")
        user = accounts.create_user(db.session, "bench", role=Role.REVIEWER.value,
                                    country_code="NE", actor=SYSTEM, now=utcnow())
        db.session.commit()
        reader = Principal.of_user(user)
        picked = []
        for wid, serial in rng.sample(stored, len(stored)):
            typed = two_confusions(serial, rng)
            if typed:
                picked.append((wid, serial, typed))
            if len(picked) == queries:
                break
        floor, timed, first = [], [], 0
        for wid, serial, typed in picked:
            key = serial_key(serial)
            t = time.perf_counter()
            db.session.execute(select(Weapon.id).where(Weapon.country_code == "NE",
                                                       Weapon.serial_key == key)).all()
            floor.append(time.perf_counter() - t)
            db.session.rollback()
            t = time.perf_counter()
            found = search_register(db.session, reader, typed, now=utcnow())
            timed.append(time.perf_counter() - t)
            first += bool(found) and found[0].weapon.id == wid
            db.session.rollback()
        print(f"  floor, exact indexed key lookup: {percentiles(floor)}")
        print(f"  search, 2 confusable characters: {percentiles(timed)}  "
              f"(median {statistics.median(timed) / statistics.median(floor):.1f}x the floor)")
        print(f"  right weapon first: {first}/{len(picked)}  e.g. {picked[0][2]!r} -> "
              f"{picked[0][1]!r}")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weapons", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL to empty and use")
    args = parser.parse_args()
    if args.pg:
        run(args.pg, args.weapons, args.queries)
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DEPOTSYNC_INSTANCE"] = tmp
        run(f"sqlite:///{tmp}/bench.sqlite", args.weapons, args.queries)


if __name__ == "__main__":
    main()

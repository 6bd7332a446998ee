"""What the explosive limit and mixing check adds to a receipt in a full building.

    /work/main/.venv/bin/python bench/limits.py [--crates 10000] [--receipts 200] [--pg URL]

A migrated database (SQLite in a temporary folder, or --pg) with NMY's magazine B1 holding
--crates boxes of 7.62 ball over 20 lots, licensed well above it; then --receipts receipts of
one box each into B1, timed twice in the same run: the floor with the limit check switched
off, then with it on. Prints receipts per second and the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def receipts(db, world, boxes: list[str], lot_id: int) -> float:
    from server.db import utcnow
    from sync.stock.ledger import LineIn, post_movement

    start = time.perf_counter()
    for crate_id in boxes:
        now = utcnow()
        post_movement(db.session, depot_id=world.depots["NE-NMY"], type="receipt",
                      lines=[LineIn(crate_id=crate_id, quantity=1440, lot_id=lot_id)],
                      originator_id=world.users["commander"], occurred_at=now, now=now)
        db.session.commit()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--crates", type=int, default=10_000)
    parser.add_argument("--receipts", type=int, default=200)
    parser.add_argument("--pg", default=None)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import insert

    from server.app import create_app
    from server.db import db, new_uuid, utcnow
    from server.models import Crate, Depot, StorageBuilding
    from server.models.inventory import CrateKind
    from sync.stock import inventory
    from tests.factories import build_world
    from tests.safety_seed import empty_box

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DEPOTSYNC_INSTANCE"] = tmp
        url = args.pg or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
            world = build_world(db.session)
            depot = db.session.get(Depot, world.depots["NE-NMY"])
            b1 = next(b for b in depot.buildings if b.code == "B1")
            b1.ell_kg, b1.cgs_allowed = {"1.4": 1_000_000.0}, "S"
            item = inventory.create_item_type(db.session, nature="cartridge",
                                              calibre="7.62x39mm", type="ball",
                                              hazard_division="1.4", compatibility_group="S",
                                              neq_kg="0.0016")
            lots = [inventory.create_lot(db.session, item, lot_number=f"BG-{n:02d}").id
                    for n in range(20)]
            labels = inventory.allocate_labels(db.session, depot, args.crates)
            location = world.locations["NE-NMY/B1/A1"]
            db.session.execute(insert(Crate), [
                {"id": new_uuid(), "label_id": label, "depot_id": depot.id,
                 "location_id": location, "kind": CrateKind.AMMO_BOX, "lot_id": lots[n % 20],
                 "quantity": 1440, "created_at": utcnow(), "updated_at": utcnow()}
                for n, label in enumerate(labels)])
            boxes = [empty_box(db.session, world, depot, "NE-NMY/B1/A2")
                     for _ in range(2 * args.receipts)]
            db.session.commit()
            assert db.session.get(StorageBuilding, b1.id).ell_kg
            with mock.patch("sync.stock.ledger.check_buildings", lambda *a, **k: []):
                floor = receipts(db, world, boxes[:args.receipts], lots[0])
            checked = receipts(db, world, boxes[args.receipts:], lots[0])
            db.engine.dispose()
    kind = "PostgreSQL" if args.pg else "SQLite"
    print(f"{kind}: {args.crates:,} boxes in the building, {args.receipts} receipts")
    print(f"  floor (no limit check): {args.receipts / floor:,.0f} receipts/s")
    print(f"  with the limit check:   {args.receipts / checked:,.0f} receipts/s "
          f"({checked / floor:.2f}x the floor)")


if __name__ == "__main__":
    main()

"""Seconds and peak memory for a 1,000-label PDF, at every layout.

    /work/main/.venv/bin/python bench/labels.py [--count 1000] [--repeat 3]

For each layout: the full sheet (vector QR codes), then the floor measured in the same run
(the same PDF with the text only, no QR code), and their ratio. Then the end-to-end command
path on a throwaway SQLite database: gather 1,000 crates, record 1,000 prints, draw. Times are
the best of --repeat runs without tracing; peak memory is a separate run under tracemalloc
(Python allocations), which would otherwise slow the timed runs down.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sync.labels.ids import make_label, qr_text  # noqa: E402
from sync.labels.pdf import render_pdf  # noqa: E402
from sync.labels.sheets import LAYOUTS, CrateFacts, Face, blank_face, crate_face  # noqa: E402

KEY = b"bench key"


def faces(count: int, lang: str = "fr") -> list[Face]:
    out = []
    for seq in range(1, count + 1):
        label = make_label("NE", "NMY", seq)
        qr = qr_text(label, KEY)
        if seq % 10 == 0:
            out.append(blank_face(label, "NMY", lang=lang, qr=qr, print_no=1))
        elif seq % 3 == 0:
            out.append(crate_face(CrateFacts(
                label_id=label, depot="NMY", building=f"B{seq % 4 + 1}", stack=f"A{seq % 5}",
                kind="weapon_crate", weapons=(("AKM", "assault rifle", 10),)), lang=lang,
                qr=qr, day=date(2026, 11, 25), print_no=1))
        else:
            out.append(crate_face(CrateFacts(
                label_id=label, depot="NMY", building=f"B{seq % 4 + 1}", stack=f"A{seq % 5}",
                kind="ammo_box", nature="cartridge", calibre="7.62x39mm", ammo_type="ball",
                lot_number=f"BG-98-{seq:03d}", lot_state="known", quantity=1440,
                hazard="1.4S"), lang=lang, qr=qr, day=date(2026, 11, 25), print_no=1))
    return out


def measure(fn, repeat: int) -> tuple[float, float, object]:
    """(best seconds, peak MiB under tracemalloc, last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20, result


def render(sheet: list[Face], layout: str, draw_qr: bool) -> int:
    out = io.BytesIO()
    render_pdf(sheet, LAYOUTS[layout], out, draw_qr=draw_qr)
    return len(out.getvalue())


def end_to_end(count: int, repeat: int) -> tuple[float, float, int]:
    """prepare_print (read crates, record prints, audit) + render, on a migrated SQLite."""
    from flask_migrate import upgrade

    from server.app import create_app
    from server.db import db, utcnow
    from server.models import Depot, Location
    from server.models.inventory import CrateKind
    from sync.journal.trail import SYSTEM
    from sync.labels.contents import Selection
    from sync.labels.printing import PrintOrder, prepare_print
    from sync.stock import inventory
    from tests.factories import build_world

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DEPOTSYNC_INSTANCE"] = tmp
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                          "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
            world = build_world(db.session)
            depot = db.session.get(Depot, world.depots["NE-NMY"])
            location = db.session.get(Location, world.locations["NE-NMY/B1/A1"])
            for label in inventory.allocate_labels(db.session, depot, count - 2):
                inventory.register_crate(db.session, depot, label_id=label,
                                         kind=CrateKind.PALLET, location=location,
                                         actor=SYSTEM, now=utcnow())
            db.session.commit()

            def run() -> int:
                job = prepare_print(db.session, depot, PrintOrder(Selection(all=True),
                                                                  layout="a4-3x8"),
                                    key=KEY, actor=SYSTEM, now=utcnow())
                out = io.BytesIO()
                render_pdf(job.faces, LAYOUTS["a4-3x8"], out)
                db.session.rollback()  # every run prints the same first copies
                return len(out.getvalue())

            seconds, peak, size = measure(run, repeat)
            db.engine.dispose()
    return seconds, peak, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lang", default="fr", help="fr, en or ar (shaped, right to left)")
    args = parser.parse_args()
    sheet = faces(args.count, args.lang)
    print(f"{args.count} labels in {args.lang}, best of {args.repeat}; peak = tracemalloc, "
          "Python heap")
    print(f"{'layout':<16} {'with QR':>9} {'text only':>10} {'ratio':>6} "
          f"{'peak MiB':>9} {'floor MiB':>10} {'PDF KiB':>8}")
    for name in LAYOUTS:
        qr_s, qr_mib, size = measure(lambda n=name: render(sheet, n, True), args.repeat)
        floor_s, floor_mib, _ = measure(lambda n=name: render(sheet, n, False), args.repeat)
        print(f"{name:<16} {qr_s:>8.2f}s {floor_s:>9.2f}s {qr_s / floor_s:>5.1f}x "
              f"{qr_mib:>9.1f} {floor_mib:>10.1f} {size / 1024:>8.0f}")
    seconds, peak, size = end_to_end(args.count, args.repeat)
    print(f"end to end (SQLite: gather {args.count} crates, record prints, draw a4-3x8): "
          f"{seconds:.2f}s, peak {peak:.1f} MiB, PDF {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()

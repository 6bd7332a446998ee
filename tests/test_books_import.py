"""Opening balances from the shell: the template exported empty, every row checked, a
register with bad rows refused whole with their row numbers, a 5,000-row register booked
with progress shown."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from server.db import db, utcnow
from server.models import Crate, Movement, Weapon
from sync.journal.trail import SYSTEM
from sync.stock import catalogue
from sync.stock.imports import COLUMNS

ARGS = ["books", "import", "--country", "NE", "--depot", "NMY", "--as", "commander",
        "--source", "Registre du dépôt 2019-2026, folios 1-212"]


@pytest.fixture
def akm(app, world):
    with app.app_context():
        catalogue.add_maker_alias(db.session, "Izhmash", "Kalashnikov Concern", actor=SYSTEM,
                                  now=utcnow())
        catalogue.create_weapon_model(db.session, manufacturer="Kalashnikov Concern",
                                      country="RU", type="assault rifle", model="AKM",
                                      calibre="7.62x39mm", actor=SYSTEM, now=utcnow())
        db.session.commit()


def ammo(n, crate="", quantity="1000", stack="A1"):
    return {"type": "ammo", "building": "B1", "stack": stack, "crate": crate,
            "calibre": "7.62x39mm", "ammo_type": "ball", "lot_number": f"BG-{n % 7:02d}-117",
            "maker": "Arsenal", "country": "BG", "quantity": quantity}


def weapon(n, model="AKM", maker="Izhmash"):
    return {"type": "weapon", "building": "B2", "stack": "A1", "maker": maker, "model": model,
            "serial": f"KN{n:07d}", "country": "RU", "year": str(1970 + n % 40)}


def write_csv(path, rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Crate.id))),
                db.session.scalar(select(func.count(Weapon.id))),
                db.session.scalar(select(func.count(Movement.id))))


def test_the_template_is_exported_empty(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["books", "template", "--format", "xlsx",
                               str(tmp_path / "t.xlsx")]).exit_code == 0
    book = load_workbook(tmp_path / "t.xlsx")
    assert [c.value for c in book["register"][1]] == list(COLUMNS)
    assert book["register"].max_row == 1 and book["columns"].max_row > 5
    runner.invoke(args=["books", "template", "--format", "csv", str(tmp_path / "t.csv")])
    assert (tmp_path / "t.csv").read_text().strip() == ",".join(COLUMNS)


def test_a_register_with_three_bad_rows_is_refused_whole(app, world, akm, tmp_path):
    rows = [ammo(n) for n in range(10)] + [weapon(n) for n in range(10)]
    rows[3]["stack"] = "Z9"  # sheet row 5
    rows[10]["quantity"] = "douze"  # row 12: a weapon row with a quantity is fine…
    rows[10] = {**ammo(10), "quantity": "douze"}  # …so make it an ammunition row
    rows[17]["model"] = "AK-47 (copie)"  # row 19: not in the catalogue
    before = counts(app)
    r = app.test_cli_runner().invoke(args=[*ARGS, write_csv(tmp_path / "r.csv", rows)])
    assert r.exit_code == 2, r.output
    assert "3 row(s) are wrong; nothing was imported" in r.output
    assert [line.split(":")[0] for line in r.output.splitlines() if line.startswith("row ")] == [
        "row 5", "row 12", "row 19"]
    assert counts(app) == before


def test_a_5000_row_register_is_booked_with_progress(app, world, akm, tmp_path):
    rows = [ammo(n, stack="A1" if n % 2 else "A2") for n in range(1000)]
    rows += [{**weapon(n), "crate": ""} for n in range(4000)]
    before = counts(app)
    r = app.test_cli_runner().invoke(args=[*ARGS, write_csv(tmp_path / "big.csv", rows)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Opening balance")  # the progress bar (a label off a tty)
    assert "1000 ammunition rows and 4000 weapons booked" in r.output
    crates, weapons, movements = counts(app)
    assert (crates - before[0], weapons - before[1]) == (1000, 4000)
    assert movements - before[2] == 10  # receipt vouchers of 500 lines
    with app.app_context():
        assert db.session.scalar(select(Weapon.manufacturer).where(
            Weapon.serial == "KN0000001")) == "Kalashnikov Concern"
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_an_xlsx_register_and_a_check_only_run(app, world, akm, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in (ammo(1, crate="", quantity=250), weapon(1)):
        sheet.append([row.get(c, "") for c in COLUMNS])
    book.save(tmp_path / "r.xlsx")
    runner = app.test_cli_runner()
    r = runner.invoke(args=[*ARGS, "--check-only", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 0 and "2 rows checked, 0 wrong" in r.output
    r = runner.invoke(args=[*ARGS, str(tmp_path / "r.xlsx")])
    assert r.exit_code == 0 and "1 ammunition rows and 1 weapons booked" in r.output


def test_confirmation_needs_a_full_count(app, world):
    r = app.test_cli_runner().invoke(args=["books", "confirm", "--country", "NE", "--depot",
                                           "NMY", "--as", "reviewer", "--since", "2026-01-01"])
    assert r.exit_code == 2 and "not counted since the opening balance" in r.output


def test_a_stolen_weapons_serial_in_an_opening_balance_raises_the_alert(app, world, akm,
                                                                         tmp_path):
    from server.models import WeaponAlert
    from server.models.ledger import MovementType
    from sync.stock.ledger import LineIn, post_movement

    with app.app_context():
        now = utcnow()
        post_movement(db.session, depot_id=world.depots["NE-NMY"], type=MovementType.THEFT,
                      lines=[LineIn(weapon_id=world.weapons["AK100001"])],
                      originator_id=world.users["commander"],
                      approver_id=world.users["reviewer"], occurred_at=now, now=now)
        db.session.commit()
    # the old register wrote the stolen rifle's serial with letters O for zeros
    rows = [{**weapon(1), "serial": "AK1OOOO1", "crate": ""}]
    r = app.test_cli_runner().invoke(args=[*ARGS, write_csv(tmp_path / "r.csv", rows)])
    assert r.exit_code == 0, r.output
    with app.app_context():
        alerts = db.session.scalars(select(WeaponAlert)).all()
        assert [(a.weapon_id, a.source, a.seen_as, a.depot.code) for a in alerts] == [
            (world.weapons["AK100001"], "import", "AK1OOOO1", "NMY")]

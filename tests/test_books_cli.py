"""``flask books …`` run as an operator would: setup written and audited, refusals clear."""

from sqlalchemy import select

from server.db import db
from server.models import AmmoLot, Depot, StorageBuilding


def test_a_depot_is_set_up_from_the_shell(app, world):
    runner = app.test_cli_runner()
    steps = [
        ["books", "agency-add", "--country", "NE", "--code", "GN", "Garde nationale"],
        ["books", "depot-add", "--country", "NE", "--code", "DFA", "--name", "Diffa",
         "--agency", "GN", "--type", "unit_armoury"],
        ["books", "building-add", "--country", "NE", "--depot", "DFA", "--code", "M1",
         "--type", "magazine", "--ell", "1.1=250", "--ell", "1.4=1000",
         "--licence", "NE/ELL/2026/07", "--cgs", "DS",
         "--lightning", "--lightning-test", "2026-02-10", "--alarm", "--lock", "padlock"],
        ["books", "location-add", "--country", "NE", "--depot", "DFA", "--building", "M1",
         "A1", "A2"],
        ["books", "alias-add", "Izhmash", "Kalashnikov Concern"],
        ["books", "model-add", "--maker", "Izhmash", "--country", "RU", "--type",
         "assault rifle", "--calibre", "7.62x39mm", "AKM"],
        ["books", "item-add", "--nature", "cartridge", "--calibre", "7.62x39mm", "--type",
         "ball", "--hazard", "1.4S", "--neq", "0.0016", "--un", "UN0012"],
    ]
    for args in steps:
        r = runner.invoke(args=args)
        assert r.exit_code == 0, (args, r.output)
    item_id = int(r.output.split()[2].rstrip(":"))
    r = runner.invoke(args=["books", "lot-add", "--item", str(item_id), "--lot", "03-17",
                            "--maker", "Arsenal", "--made", "2017-03-01", "--expires",
                            "2032-03-01"])
    assert r.exit_code == 0, r.output
    lot_id = int(r.output.split()[1].rstrip(":"))
    r = runner.invoke(args=["books", "lot-suspend", str(lot_id), "--reference", "R-1"])
    assert r.exit_code == 0 and "suspended" in r.output
    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.code == "DFA"))
        building = db.session.scalar(select(StorageBuilding).where(
            StorageBuilding.depot_id == depot.id))
        assert building.ell_kg == {"1.1": 250.0, "1.4": 1000.0}
        assert building.ell_licence_ref == "NE/ELL/2026/07"
        assert [loc.code for loc in building.locations] == ["A1", "A2"]
        assert db.session.get(AmmoLot, lot_id).suspended
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_setup_refusals_exit_with_the_reason(app, world):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["books", "depot-add", "--country", "NE", "--code", "NMY",
                            "--name", "again"])
    assert r.exit_code == 4 and "already exists" in r.output
    r = runner.invoke(args=["books", "building-add", "--country", "NE", "--depot", "NMY",
                            "--code", "B7", "--ell", "1.9=5"])
    assert r.exit_code == 2 and "books.setup_invalid" in r.output
    r = runner.invoke(args=["books", "building-add", "--country", "NE", "--depot", "NMY",
                            "--code", "B7", "--ell", "500"])
    assert r.exit_code == 2 and "HD=kg" in r.output
    r = runner.invoke(args=["books", "item-add", "--nature", "grenade", "--calibre", "hand",
                            "--type", "HE", "--hazard", "1.4S", "--neq", "0.06", "--un", "0284"])
    assert r.exit_code == 2 and "classified 1.1D" in r.output

"""The administration commands, run as an operator would."""

import json

from sqlalchemy import func, select, text

from server.db import db
from server.models import Crate, User, Weapon


def test_create_user_enroll_and_revoke(app, world, client):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-user", "moussa", "--role", "inspector", "--country", "ne",
                            "--depot", "NMY", "--password", "s3cret-pass"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["enroll-device", "--user", "moussa", "--json"])
    enrolment = json.loads(r.output)
    headers = {"Authorization": f"Bearer {enrolment['token']}"}
    assert client.get("/api/v1/depots", headers=headers).status_code == 200
    r = runner.invoke(args=["revoke-device", enrolment["device_id"]])
    assert r.exit_code == 0 and "revoked 1" in r.output
    assert client.get("/api/v1/depots", headers=headers).status_code == 401


def test_create_user_refuses_bad_input_clearly(app, world):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-user", "x", "--role", "inspector", "--country", "ZZ",
                            "--password", "p"])
    assert r.exit_code != 0 and "Unknown country" in r.output
    r = runner.invoke(args=["create-user", "inspector", "--role", "inspector", "--country", "NE",
                            "--password", "p"])
    assert r.exit_code != 0 and "already exists" in r.output
    r = runner.invoke(args=["create-user", "y", "--role", "inspector", "--country", "NE",
                            "--depot", "KDN", "--password", "p"])
    assert r.exit_code != 0 and "No depot" in r.output
    r = runner.invoke(args=["create-user", "z", "--role", "inspector", "--country", "NE",
                            "--password", "p"])
    assert r.exit_code != 0 and "needs at least one depot" in r.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.username.in_(["y", "z"]))) == 0


def test_a_regional_body_and_its_user_from_the_shell(app, world):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-body", "ecowas", "ECOWAS Commission", "--kind", "regional"])
    assert r.exit_code == 0 and "created regional body ECOWAS" in r.output, r.output
    r = runner.invoke(args=["create-user", "awa", "--role", "regional", "--body", "ECOWAS",
                            "--password", "s3cret-pass"])
    assert r.exit_code == 0 and "(ECOWAS)" in r.output, r.output
    r = runner.invoke(args=["create-user", "bala", "--role", "regional", "--body", "ECOWAS",
                            "--country", "NE", "--password", "p"])
    assert r.exit_code == 2 and "belongs to a body" in r.output, r.output
    runner.invoke(args=["create-body", "MAG", "Mines Advisory Group", "--kind", "partner"])
    r = runner.invoke(args=["create-user", "mai", "--role", "partner", "--body", "MAG",
                            "--password", "s3cret-pass"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["enroll-device", "--user", "mai"])  # a partner has pages only
    assert r.exit_code == 2 and "Phones are for" in r.output, r.output
    r = runner.invoke(args=["enroll-device", "--user", "awa"])  # an API token for tracing
    assert r.exit_code == 0, r.output
    with app.app_context():
        awa = db.session.scalar(select(User).where(User.username == "awa"))
        assert awa.country_code is None and awa.body.code == "ECOWAS" and len(awa.devices) == 1
        mai = db.session.scalar(select(User).where(User.username == "mai"))
        assert not mai.devices


def test_uploads_expire_sweeps_openrosa_spool_files_left_by_killed_workers(app):
    import os
    import time
    from pathlib import Path

    root = Path(app.instance_path) / "tmp" / "openrosa"
    root.mkdir(parents=True)
    old, fresh = root / f"{'a' * 32}-0000.part", root / f"{'b' * 32}-0000.part"
    folder = root / ("c" * 32)  # an earlier version spooled a request into a folder
    folder.mkdir()
    (folder / "0000.part").write_bytes(b"x" * 300)
    other = root / "notes.txt"  # not a request's: left alone, whatever its age
    for path, size in ((old, 1000), (fresh, 1000), (other, 50)):
        path.write_bytes(b"x" * size)
    day_ago = time.time() - 25 * 3600
    for path in (old, folder, other):
        os.utime(path, (day_ago, day_ago))
    r = app.test_cli_runner().invoke(args=["uploads", "expire"])
    assert r.exit_code == 0, r.output
    assert not old.exists() and not folder.exists()
    assert fresh.exists() and other.exists()  # a running request's part stays
    assert "freed 1300 bytes" in r.output


def test_audit_verify_names_an_altered_ledger_row(app, world):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["audit", "verify"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        movement_id = db.session.scalar(text(
            "SELECT id FROM movements ORDER BY depot_seq LIMIT 1"))
        db.session.execute(text("UPDATE movements SET document_ref = 'forged' WHERE id = :id"),
                           {"id": movement_id})
        db.session.commit()
    r = runner.invoke(args=["audit", "verify"])
    assert r.exit_code == 1
    assert movement_id in r.output and "altered" in r.output


def test_audit_verify_notices_an_edited_audit_event(app, world):
    with app.app_context():
        second = db.session.scalar(text("SELECT id FROM audit_events ORDER BY id LIMIT 1 "
                                        "OFFSET 1"))
        db.session.execute(text("UPDATE audit_events SET action = 'nothing' WHERE id = :id"),
                           {"id": second})
        db.session.commit()
    r = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert r.exit_code == 1 and f"audit event {second}" in r.output


def test_demo_loads_once_and_its_token_reads_a_crate(demo_loaded):
    app, output = demo_loaded.app, demo_loaded.output
    client, runner = app.test_client(), app.test_cli_runner()
    token = output.split("Device token for")[1].splitlines()[1].strip()
    with app.app_context():
        assert db.session.scalar(select(func.count(Crate.id))) == 600
        assert db.session.scalar(select(func.count(Weapon.id))) == 2000
        ng_label = db.session.scalar(select(Crate.label_id).where(Crate.label_id.like("NG-%")))
        _demo_is_realistic()
    assert "PUBLIC_URL is not set" in output  # phones cannot reach 127.0.0.1
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert token in again.output
    headers = {"Authorization": f"Bearer {token}"}
    crates = client.get("/api/v1/depots/NMY/crates?limit=5", headers=headers).json["items"]
    assert client.get(f"/api/v1/crates/{crates[0]['label_id']}",
                      headers=headers).status_code == 200
    assert client.get(f"/api/v1/crates/{ng_label}", headers=headers).status_code == 404
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_audit_verify_names_the_last_events_of_a_depot_deleted_by_sql(app, world):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        nmy = world.depots["NE-NMY"]
        last = db.session.execute(text(
            "SELECT id, chain_seq FROM audit_events WHERE depot_id = :d ORDER BY chain_seq DESC "
            "LIMIT 3"), {"d": nmy}).all()
        db.session.execute(text("DELETE FROM audit_events WHERE id IN (:a, :b, :c)"),
                           dict(zip("abc", [row.id for row in last], strict=True)))
        db.session.commit()
    r = runner.invoke(args=["audit", "verify"])
    top = last[0].chain_seq
    assert r.exit_code == 1
    assert (f"depot NE-NMY audit chain: the last 3 event(s), #{top - 2}..#{top}, are missing"
            in r.output)
    assert "Audit chains" in r.output  # the progress bar


def _demo_is_realistic():
    """Built through the books, as a depot officer would recognise it."""
    from collections import defaultdict

    from server.models import (
        AmmoItemType,
        Consignment,
        Depot,
        Location,
        StorageBuilding,
        VoucherProposal,
    )
    from sync.stock.catalogue import UN_CLASSIFICATION

    neq = defaultdict(float)
    for crate in db.session.scalars(select(Crate).where(Crate.lot_id.is_not(None))):
        item = crate.lot.item_type
        building = crate.location.building
        neq[(building.id, item.hazard_division)] += float(item.neq_kg) * crate.quantity
        assert item.compatibility_group in building.cgs_allowed
    for (building_id, hd), kg in neq.items():
        assert kg <= db.session.get(StorageBuilding, building_id).ell_kg[hd]
    for item in db.session.scalars(select(AmmoItemType)):
        assert UN_CLASSIFICATION[item.un_number] == item.hazard_code
    ammo_calibres = set(db.session.scalars(select(AmmoItemType.calibre)))
    assert set(db.session.scalars(select(Weapon.calibre))) <= ammo_calibres
    assert db.session.scalar(select(Weapon.manufacturer).where(Weapon.model == "AKM")) == (
        "Kalashnikov Concern")  # registered as "Izhmash" too
    assert db.session.scalar(select(VoucherProposal.type)).value == "loss"
    assert db.session.scalar(select(Consignment.status)) == "short"
    assert {d.status for d in db.session.scalars(select(Depot))} == {"setup"}
    assert db.session.scalar(select(func.count(Location.id))) == 50
    _demo_is_safe()


def _demo_is_safe():
    """Every building licensed and within it by the country's rule, one of them near it;
    one lot suspended over two depots; nothing queued for HQ by the books."""
    from server.models import SafetyItem, StorageBuilding, SuspensionNotice, User
    from sync.access.principal import Principal
    from sync.views.safety import gauges

    reviewer = Principal.of_user(db.session.scalar(select(User).where(User.username == "revue")))
    found = {f"{g.depot_code}/{g.building.code}": g.status for g in gauges(db.session, reviewer)}
    assert set(found.values()) == {"ok", "near"} and list(found.values()).count("near") == 1
    assert found["NMY/B3"] == "near"
    assert all(b.ell_licence_ref for b in db.session.scalars(select(StorageBuilding)))
    (notice,) = db.session.scalars(select(SuspensionNotice))
    assert len(notice.tasks) == 2
    assert db.session.scalar(select(func.count(SafetyItem.id))) == 0


def test_enrolment_prints_the_public_url_and_warns_when_it_is_unset(world, database_url,
                                                                  tmp_path):
    from tests.conftest import make_app

    for url, warned in (("https://depots.example.ne", False), (None, True)):
        app = make_app(database_url, tmp_path, **({"PUBLIC_URL": url} if url else {}))
        r = app.test_cli_runner().invoke(args=["enroll-device", "--user", "inspector"])
        assert r.exit_code == 0, r.output
        token = r.output.split("token  ")[1].split()[0]
        assert f"{url or 'http://127.0.0.1:5000'}/key/{token}" in r.output
        assert ("PUBLIC_URL is not set" in r.output) is warned
        with app.app_context():
            db.engine.dispose()


def test_demo_replays_a_season_through_the_doors(demo_loaded):
    from server.models import Conflict, Discrepancy, Finding, Photo, Submission
    from server.models.labels import LabelPrint

    app = demo_loaded.app
    assert "Season replayed" in demo_loaded.output
    with app.app_context():
        s = db.session
        forms = dict(s.execute(select(Submission.form_id, func.count())
                               .group_by(Submission.form_id)).all())
        assert forms["security_check"] >= 20 and forms["crate_count"] >= 10
        assert {sub.status.value for sub in s.scalars(select(Submission))} == {"accepted"}
        sizes = s.scalars(select(Photo.size)).all()
        assert len(sizes) >= 30 and min(sizes) > 100_000 and max(sizes) > 1_000_000
        assert s.scalar(select(func.count(Finding.id))) >= 10
        conflicts = {c.status for c in s.scalars(select(Conflict))}
        assert conflicts == {"open", "resolved"}
        found = s.scalars(select(Discrepancy)).all()
        assert {d.status for d in found} >= {"open", "closed"}
        approved = [d for d in found if d.approved_by is not None]
        assert approved and all(d.movement_id and d.approved_by != d.proposed_by
                                for d in approved)
        assert s.scalar(select(func.count(LabelPrint.id))) >= 2

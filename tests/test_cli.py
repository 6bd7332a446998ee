"""The administration commands, run as an operator would."""

import json

from sqlalchemy import func, select, text

from server.db import db
from server.models import Crate, Weapon


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


def test_demo_loads_once_and_its_token_reads_a_crate(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    token = first.output.split("Device token for")[1].splitlines()[1].strip()
    with app.app_context():
        assert db.session.scalar(select(func.count(Crate.id))) == 600
        assert db.session.scalar(select(func.count(Weapon.id))) == 2000
        ng_label = db.session.scalar(select(Crate.label_id).where(Crate.label_id.like("NG-%")))
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert token in again.output
    headers = {"Authorization": f"Bearer {token}"}
    crates = client.get("/api/v1/depots/NMY/crates?limit=5", headers=headers).json["items"]
    assert client.get(f"/api/v1/crates/{crates[0]['label_id']}",
                      headers=headers).status_code == 200
    assert client.get(f"/api/v1/crates/{ng_label}", headers=headers).status_code == 404
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_demo_replays_a_season_through_the_doors(app):
    from server.models import Conflict, Discrepancy, Finding, Photo, Submission
    from server.models.labels import LabelPrint

    r = app.test_cli_runner().invoke(args=["demo"])
    assert r.exit_code == 0, r.output
    assert "Season replayed" in r.output
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

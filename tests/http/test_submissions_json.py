"""The JSON door for whole submissions: the same rules as OpenRosa."""

from sqlalchemy import func, select

from server.db import db, utcnow
from server.models import CountEvent, Discrepancy, Finding, OpIncident, Submission
from tests.http.sync_helpers import bearer


def visit(world, **over):
    body = {"instance_id": "uuid:7d5f3a1e-0001", "form_id": "pssm_visit", "form_version": "1",
            "depot": "NMY", "visit_type": "routine_internal",
            "answers": {"fence_intact": "no", "fence_comment": "hole near gate 2"},
            "photos": [{"name": "fence.jpg", "photo_id": "p-1", "question": "fence_photo"}],
            "counts": [{"crate": world.crates["ammo"].replace("-", "").lower(),
                        "quantity": 990, "seal_intact": True}],
            "findings": [{"item": "fence_intact", "section": "F1", "severity": "major",
                          "text": "Hole in the fence near gate 2"}]}
    body.update(over)
    return body


def test_a_new_submission_is_stored_and_its_counts_and_findings_applied(client, world, app):
    r = client.post("/api/v1/submissions", json=visit(world), headers=bearer(world))
    assert r.status_code == 201, r.json
    assert r.json["status"] == "accepted" and r.json["missing_photos"] == ["fence.jpg"]
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        assert (sub.depot.code, sub.answers["fence_comment"]) == ("NMY", "hole near gate 2")
        count = db.session.scalar(select(CountEvent))
        assert (count.submission_id, count.observed_quantity) == (sub.id, 990)
        assert db.session.scalar(select(Discrepancy.kind)) == "shortage"
        assert db.session.scalar(select(Finding.severity)) == "major"
    status = client.get("/api/v1/submissions/uuid:7d5f3a1e-0001", headers=bearer(world))
    assert status.json["missing_photos"] == ["fence.jpg"]


def test_duplicate_and_mismatch(client, world, app):
    client.post("/api/v1/submissions", json=visit(world), headers=bearer(world))
    again = client.post("/api/v1/submissions", json=visit(world), headers=bearer(world))
    assert again.status_code == 200
    other = client.post("/api/v1/submissions", json=visit(world, answers={"fence_intact": "yes"}),
                        headers=bearer(world))
    assert (other.status_code, other.json["error"]["code"]) == (409, "sync.submission_mismatch")
    with app.app_context():
        assert db.session.scalar(select(func.count(CountEvent.id))) == 1
        assert db.session.scalar(select(Submission.answers))["fence_intact"] == "no"
        assert db.session.scalar(select(func.count(OpIncident.id)).where(
            OpIncident.kind == "submission_mismatch")) == 1


def test_unresolvable_parts_are_flagged_not_refused(client, world, app):
    body = visit(world, instance_id="uuid:flagged",
                 counts=[{"crate": "NE-NMY-999999-X", "quantity": 3}])
    r = client.post("/api/v1/submissions", json=body, headers=bearer(world))
    assert r.status_code == 201
    assert r.json["status"] == "flagged" and r.json["problems"][0]["problem"] == "unknown crate"


def test_an_edit_replaces_the_earlier_version(client, world, app):
    client.post("/api/v1/submissions", json=visit(world, counts=[], findings=[]),
                headers=bearer(world))
    r = client.post("/api/v1/submissions", json=visit(
        world, instance_id="uuid:7d5f3a1e-0002", deprecated_id="uuid:7d5f3a1e-0001",
        counts=[], findings=[]), headers=bearer(world))
    assert r.status_code == 201
    with app.app_context():
        old = db.session.scalar(select(Submission).where(
            Submission.instance_id == "uuid:7d5f3a1e-0001"))
        assert (old.status.value, old.replaced_by) == ("replaced", "uuid:7d5f3a1e-0002")


def test_a_depot_outside_the_senders_scope_is_stored_flagged_and_changes_nothing(
        client, world, app):
    """A form finalized before a scope change: kept and flagged for the depot's own reviewers;
    another country's depot is worded alike and filed at no depot."""
    answers = {}
    for code in ("ZDR", "KDN", "XYZ"):
        body = visit(world, instance_id=f"uuid:scope-{code}", depot=code,
                     counts=[{"crate": world.crates["ng_ammo"], "quantity": 1}])
        r = client.post("/api/v1/submissions", json=body, headers=bearer(world))
        assert r.status_code == 201 and r.json["status"] == "flagged", r.json
        answers[code] = [p["problem"] for p in r.json["problems"]]
        seen = client.get(f"/api/v1/submissions/uuid:scope-{code}", headers=bearer(world))
        assert seen.status_code == 200  # the sender reads what it sent
    assert answers["ZDR"] == answers["KDN"] == answers["XYZ"] == [
        "depot outside the sender's scope", "unknown crate"]
    with app.app_context():
        rows = {s.instance_id: s.depot_id for s in db.session.scalars(select(Submission))}
        assert db.session.scalar(select(func.count(CountEvent.id))) == 0
        assert db.session.scalar(select(func.count(Finding.id))) == 0
    assert rows == {"uuid:scope-ZDR": world.depots["NE-ZDR"], "uuid:scope-KDN": None,
                    "uuid:scope-XYZ": None}
    for reader, sees in (("zdr_inspector", True), ("ng_inspector", False)):
        r = client.get("/api/v1/submissions/uuid:scope-ZDR", headers=bearer(world, reader))
        assert r.status_code == (200 if sees else 404)
    r = client.get("/api/v1/submissions/uuid:scope-KDN", headers=bearer(world, "ng_inspector"))
    assert r.status_code == 404  # never linked to another country's data
    r = client.get("/api/v1/submissions/uuid:nothing", headers=bearer(world))
    assert r.status_code == 404


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    doc = client.get("/api/v1/openapi.json").json
    validate(doc)
    assert "/sync/push" in doc["paths"] and "Op" in doc["components"]["schemas"]


def test_photos_link_whichever_arrives_first(client, world, app):
    import io

    from server.models import Device
    from server.storage import PhotoStore
    from sync.photos.records import store_photo_file
    from tests.imaging import encoded

    def store(photo_id, name, instance_id):
        with app.app_context():
            store_photo_file(db.session, PhotoStore(app.config["PHOTO_DIR"]),
                             io.BytesIO(encoded("JPEG")), photo_id=photo_id, filename=name,
                             instance_id=instance_id, question="fence_photo",
                             device=db.session.get(Device, world.devices["inspector"]),
                             now=utcnow())
            db.session.commit()

    store("p-early", "early.jpg", "uuid:photos-1")  # before its submission
    body = visit(world, instance_id="uuid:photos-1", counts=[], findings=[],
                 photos=[{"name": "early.jpg", "photo_id": "p-early"},
                         {"name": "late.jpg", "photo_id": "p-late"}])
    r = client.post("/api/v1/submissions", json=body, headers=bearer(world))
    assert r.json["missing_photos"] == ["late.jpg"]
    store("p-late", "late.jpg", "uuid:photos-1")  # after it
    r = client.get("/api/v1/submissions/uuid:photos-1", headers=bearer(world))
    assert r.json["missing_photos"] == []


def test_an_edit_cannot_replace_what_its_sender_could_not_read(client, world, app):
    """Another country's, another depot's, or a depot-less submission of another phone:
    the edit is stored as new and flagged, the earlier one keeps its status and photos."""
    ng = visit(world, instance_id="uuid:ng-1", depot="KDN", counts=[], findings=[])
    assert client.post("/api/v1/submissions", json=ng,
                       headers=bearer(world, "ng_inspector")).status_code == 201
    zdr = visit(world, instance_id="uuid:zdr-1", depot="ZDR", counts=[], findings=[])
    assert client.post("/api/v1/submissions", json=zdr,
                       headers=bearer(world, "zdr_inspector")).status_code == 201
    loose = visit(world, instance_id="uuid:loose-1", depot=None, counts=[], findings=[])
    assert client.post("/api/v1/submissions", json=loose,
                       headers=bearer(world, "zdr_inspector")).status_code == 201
    for n, target in enumerate(("uuid:ng-1", "uuid:zdr-1", "uuid:loose-1", "uuid:never")):
        r = client.post("/api/v1/submissions", json=visit(
            world, instance_id=f"uuid:edit-{n}", deprecated_id=target, counts=[],
            findings=[]), headers=bearer(world))
        assert r.status_code == 201 and r.json["status"] == "flagged", r.json
        assert r.json["problems"] == [{"field": "deprecatedID",
                                       "problem": f"replaces unknown {target}"}]
    with app.app_context():
        rows = {s.instance_id: (s.status.value, s.replaced_by)
                for s in db.session.scalars(select(Submission))}
    assert rows["uuid:ng-1"] == rows["uuid:zdr-1"] == ("accepted", None)
    assert rows["uuid:loose-1"] == ("flagged", None)  # flagged for naming no depot


def test_another_countrys_crate_is_as_unknown_as_a_missing_one(client, world, app):
    counts = [{"crate": world.crates["ng_ammo"], "quantity": 3},
              {"crate": "NE-NMY-999999-X", "quantity": 3}]
    r = client.post("/api/v1/submissions", json=visit(world, instance_id="uuid:oracle",
                                                      counts=counts, findings=[]),
                    headers=bearer(world))
    assert r.status_code == 201
    problems = [{k: v for k, v in p.items() if k != "crate"} for p in r.json["problems"]]
    assert problems == [{"field": "counts[0]", "problem": "unknown crate"},
                        {"field": "counts[1]", "problem": "unknown crate"}]


def test_an_instance_id_of_another_country_is_answered_as_a_new_one(client, world, app):
    """No 409 oracle: the phone's submission is kept under a key of its own, answered, read
    and retried as any new one; the other country's stays as it was."""
    ng = visit(world, instance_id="uuid:taken-1", depot="KDN", counts=[], findings=[])
    assert client.post("/api/v1/submissions", json=ng,
                       headers=bearer(world, "ng_inspector")).status_code == 201
    fresh = client.post("/api/v1/submissions", headers=bearer(world), json=visit(
        world, instance_id="uuid:fresh-1", counts=[], findings=[]))
    mine = visit(world, instance_id="uuid:taken-1", counts=[], findings=[])
    first = client.post("/api/v1/submissions", json=mine, headers=bearer(world))
    assert first.status_code == 201
    assert {**first.json, "instance_id": "uuid:fresh-1"} == fresh.json
    assert client.post("/api/v1/submissions", json=mine,
                       headers=bearer(world)).status_code == 200  # a retry: duplicate
    other = client.post("/api/v1/submissions", headers=bearer(world),
                        json={**mine, "visit_type": "unannounced"})
    assert other.status_code == 409  # against its own first, as for any instance ID
    assert other.json["error"]["details"] == {"instance_id": "uuid:taken-1"}
    read = client.get("/api/v1/submissions/uuid:taken-1", headers=bearer(world))
    assert read.status_code == 200 and read.json["instance_id"] == "uuid:taken-1"
    theirs = client.get("/api/v1/submissions/uuid:taken-1",
                        headers=bearer(world, "ng_inspector")).json
    assert theirs["instance_id"] == "uuid:taken-1"
    with app.app_context():
        rows = {s.instance_id: (s.depot.code if s.depot else None, s.device_id)
                for s in db.session.scalars(select(Submission))}
        assert db.session.scalar(select(func.count(OpIncident.id)).where(
            OpIncident.kind == "instance_id_elsewhere")) == 1
    assert rows["uuid:taken-1"] == ("KDN", world.devices["ng_inspector"])
    (own,) = [k for k in rows if k.startswith("elsewhere:")]
    assert rows[own] == ("NMY", world.devices["inspector"])

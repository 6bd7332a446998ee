"""Photos arriving with OpenRosa submissions: split posts reassemble, retries double nothing,
parts the XML does not name are ignored, photos are checked like tus uploads."""

from sqlalchemy import func, select

from server.db import db
from server.models import AppliedOp, Crate, Depot, Photo, Submission
from tests.collect import jpeg, new_instance_id

HEAD = {"start": "2026-11-25T10:00:00.000+01:00", "end": "2026-11-25T10:30:00.000+01:00",
        "depot": "NMY"}


def labels(app, n):
    from sync.stock.inventory import allocate_labels

    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.code == "NMY"))
        out = allocate_labels(db.session, depot, n)
        db.session.commit()
        return out


def registration(collect, app, *names, instance_id=None, deprecated_id=None):
    crates = [{"label": label, "kind": "ammo_box", "location": "B2/A1",
               "condition": "SERVICEABLE", "crate_photo": name, "label_scan": label}
              for label, name in zip(labels(app, len(names)), names, strict=True)]
    return collect.fill("crate_registration", {**HEAD, "new_crates": crates},
                        instance_id=instance_id, deprecated_id=deprecated_id)


def state(app, iid):
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(Submission.instance_id == iid))
        return ({a.name: a.photo_id for a in sub.attachments}, sub.status.value,
                sub.problems, db.session.scalar(select(func.count(Photo.id))),
                db.session.scalar(select(func.count(AppliedOp.id))),
                db.session.scalar(select(func.count(Crate.id))))


def test_a_split_submission_reassembles_and_retries_double_nothing(collect, app):
    iid = new_instance_id()
    xml = registration(collect, app, "a.jpg", "b.jpg", instance_id=iid)
    first = collect.send(xml, {"a.jpg": jpeg(color=(1, 2, 3))}, incomplete=True)
    assert first.status_code == 201 and b"1 photo(s) still expected" in first.data
    attached, status, _problems, photos, ops, crates = state(app, iid)
    assert (attached["b.jpg"], photos, status) == (None, 1, "accepted")
    second = collect.send(xml, {"b.jpg": jpeg(color=(4, 5, 6))})
    assert second.status_code == 201 and b"1 photo(s) stored" in second.data
    done = state(app, iid)
    assert all(done[0].values()) and done[3] == 2 and done[5] == crates
    for _ in range(2):  # Collect retries the whole set after a cut
        collect.send(xml, {"a.jpg": jpeg(color=(1, 2, 3))}, incomplete=True)
        collect.send(xml, {"b.jpg": jpeg(color=(4, 5, 6))})
    assert state(app, iid) == done
    assert ops == done[4]


def test_parts_the_xml_does_not_name_are_ignored(collect, app):
    iid = new_instance_id()
    r = collect.send(registration(collect, app, "a.jpg", instance_id=iid),
                     {"a.jpg": jpeg(), "stranger.jpg": jpeg(color=(9, 9, 9))})
    assert r.status_code == 201
    attached, _s, _p, photos, _o, _c = state(app, iid)
    assert list(attached) == ["a.jpg"] and photos == 1


def test_a_photo_that_is_not_an_image_flags_the_submission_but_keeps_it(collect, app):
    iid = new_instance_id()
    xml = registration(collect, app, "a.jpg", instance_id=iid)
    r = collect.send(xml, {"a.jpg": b"MZ\x90\x00 definitely not a jpeg"})
    assert r.status_code == 201
    attached, status, problems, photos, _o, _c = state(app, iid)
    assert (attached, status, photos) == ({"a.jpg": None}, "flagged", 0)
    assert problems[-1]["problem"].startswith("photo refused")
    assert collect.send(xml, {"a.jpg": jpeg()}).status_code == 201  # a good copy later
    assert state(app, iid)[0]["a.jpg"] is not None


def test_an_edit_carries_its_photos_forward(collect, app):
    old = new_instance_id()
    collect.send(collect.fill("visit_header", {**HEAD, "visit_type": "follow_up",
                                               "inspectors": "A"}, instance_id=old))
    answers = {**HEAD, "fence_intact": "no", "fence_intact_comment": "hole",
               "fence_intact_photo": "fence.jpg"}
    first = new_instance_id()
    collect.send(collect.fill("security_check", answers, instance_id=first),
                 {"fence.jpg": jpeg()})
    edit = new_instance_id()
    r = collect.send(collect.fill("security_check", {**answers, "fence_intact_comment": "big"},
                                  instance_id=edit, deprecated_id=first))
    assert r.status_code == 201
    assert state(app, edit)[0]["fence.jpg"] == state(app, first)[0]["fence.jpg"] is not None


def test_a_photo_that_arrives_before_its_submission_is_linked_when_it_comes(client, world,
                                                                             app, tmp_path):
    """tus may finish a photo before the phone posts the JSON submission naming it."""
    from datetime import UTC, datetime

    from server.models import Device
    from server.storage import PhotoStore
    from sync.photos.records import store_photo_file
    from tests.http.sync_helpers import bearer

    path = tmp_path / "early.jpg"
    path.write_bytes(jpeg())
    with app.app_context():
        store_photo_file(db.session, PhotoStore(app.config["PHOTO_DIR"]), path,
                         photo_id="p-early", filename="early.jpg",
                         device=db.session.get(Device, world.devices["inspector"]),
                         now=datetime.now(UTC))
        db.session.commit()
    r = client.post("/api/v1/submissions", headers=bearer(world), json={
        "instance_id": "uuid:early", "form_id": "own_app_form", "depot": "NMY",
        "answers": {}, "photos": [{"name": "early.jpg", "photo_id": "p-early"}]})
    assert r.status_code == 201 and r.json["missing_photos"] == []


def test_an_edit_from_another_country_takes_neither_status_nor_photos(collect, client, world,
                                                                      app):
    from tests.collect import Collect

    answers = {**HEAD, "fence_intact": "no", "fence_intact_comment": "hole",
               "fence_intact_photo": "fence.jpg"}
    first = new_instance_id()
    collect.send(collect.fill("security_check", answers, instance_id=first),
                 {"fence.jpg": jpeg()})
    before = state(app, first)
    foreign = Collect(client, world.tokens["ng_inspector"])
    edit = new_instance_id()
    r = foreign.send(foreign.fill("security_check", {**answers, "depot": "KDN"},
                                  instance_id=edit, deprecated_id=first))
    assert r.status_code == 201
    attached, status, problems, _p, _o, _c = state(app, edit)
    assert (attached, status) == ({"fence.jpg": None}, "flagged")
    assert {"field": "deprecatedID", "problem": f"replaces unknown {first}"} in problems
    assert state(app, first)[:3] == before[:3] and before[0]["fence.jpg"] is not None


def test_phone_size_photos_are_accepted(collect, app):
    """Photos of the sizes phones take (hundreds of kB to several MB) pass the multipart
    limits: only non-file fields are capped in memory."""
    from tests.imaging import noisy_jpeg

    iid = new_instance_id()
    xml = registration(collect, app, "small.jpg", "large.jpg", instance_id=iid)
    files = {"small.jpg": noisy_jpeg(260), "large.jpg": noisy_jpeg(1500)}
    assert 100_000 < len(files["small.jpg"]) < 500_000 < 4_000_000 < len(files["large.jpg"])
    r = collect.send(xml, files)
    assert r.status_code == 201, r.data
    attached, status, problems, photos, _ops, _crates = state(app, iid)
    assert all(attached.values()) and (status, problems, photos) == ("accepted", [], 2)


def test_an_instance_id_of_another_country_neither_409s_nor_touches_its_photos(
        collect, client, world, app):
    """Another country's phone sends our instance ID with its own XML and photo: answered
    as a new submission (no oracle), its photo kept apart, ours untouched."""
    from tests.collect import Collect

    answers = {**HEAD, "fence_intact": "no", "fence_intact_comment": "hole",
               "fence_intact_photo": "fence.jpg"}
    iid = new_instance_id()
    collect.send(collect.fill("security_check", answers, instance_id=iid),
                 {"fence.jpg": jpeg(color=(10, 20, 30))})
    before = state(app, iid)
    foreign = Collect(client, world.tokens["ng_inspector"])
    xml = foreign.fill("security_check", {**answers, "depot": "KDN"}, instance_id=iid)
    r = foreign.send(xml, {"fence.jpg": jpeg(color=(200, 10, 10))})
    assert r.status_code == 201 and b"Submission received. 1 photo(s) stored." in r.data
    assert foreign.send(xml, {"fence.jpg": jpeg(color=(200, 10, 10))}).status_code == 201
    other = foreign.send(foreign.fill("security_check", {**answers, "depot": "KDN",
                                                         "fence_intact_comment": "x"},
                                      instance_id=iid))
    assert other.status_code == 409  # against its own first, as for any instance ID
    assert state(app, iid)[:3] == before[:3]
    with app.app_context():
        subs = list(db.session.scalars(select(Submission)))
        assert {s.device_id for s in subs} == {world.devices["inspector"],
                                                world.devices["ng_inspector"]}
        theirs = next(s for s in subs if s.device_id == world.devices["ng_inspector"])
        assert theirs.attachments[0].photo_id not in (None, before[0]["fence.jpg"])
        assert db.session.scalar(select(func.count(Photo.id))) == 2


def test_a_photo_stored_before_a_transaction_that_fails_leaves_no_row_and_one_on_retry(
        collect, app, monkeypatch):
    """The photo's file work happens before the transaction begins. When the transaction
    then fails (the database goes away just after the photo's row was written), the phone
    gets a 503 and nothing of the submission is kept but a file in the content-addressed
    store, which the retry reuses: one submission, one photo, audited once."""
    import hashlib

    from sqlalchemy.exc import OperationalError

    import sync.intake.openrosa as intake
    from server.models import AuditEvent
    from server.storage import PhotoStore

    def counts():
        with app.app_context():
            return tuple(db.session.scalar(select(func.count()).select_from(table))
                         for table in (Submission, Photo, AuditEvent))

    real = intake._keep_attachments

    def then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    iid = new_instance_id()
    xml = collect.fill("security_check", {**HEAD, "fence_intact": "no", "fence_intact_comment":
                                          "hole", "fence_intact_photo": "fence.jpg"},
                       instance_id=iid)
    photo = jpeg(color=(7, 70, 140))
    before = counts()
    monkeypatch.setattr(intake, "_keep_attachments", then_fail)
    r = collect.send(xml, {"fence.jpg": photo})
    assert r.status_code == 503 and r.headers["X-Depotsync-Error"] == "unavailable"
    assert counts() == before
    kept = PhotoStore(app.config["PHOTO_DIR"]).path(hashlib.sha256(photo).hexdigest())
    assert kept.read_bytes() == photo  # the orphan: named by its bytes, harmless
    monkeypatch.undo()
    for _ in range(2):  # the retry, and Collect retrying again after a cut
        r = collect.send(xml, {"fence.jpg": photo})
        assert r.status_code == 201, r.data
    attached, _status, problems, *_ = state(app, iid)
    assert not [p for p in problems if p["field"] == "fence.jpg"]
    assert counts()[:2] == (before[0] + 1, before[1] + 1)
    with app.app_context():
        stored = db.session.get(Photo, attached["fence.jpg"])
        assert stored.sha256 == hashlib.sha256(photo).hexdigest()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "photo.accept", AuditEvent.entity_id == stored.id)) == 1
    assert kept.read_bytes() == photo

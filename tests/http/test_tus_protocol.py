"""The tus 1.0.0 protocol at the edges, through the test client: exact headers and status
codes, bad requests of every kind (a clear 4xx with a stable code, never a 500), scope."""

from __future__ import annotations

import base64
import uuid

import pytest
from sqlalchemy import func, select

from server.db import db, utcnow
from server.models import Photo, Upload, User
from server.storage import PhotoStore
from sync.journal.trail import SYSTEM
from sync.people.accounts import enroll_device
from tests.imaging import CRATE_JPG, sha256

JPG = CRATE_JPG.read_bytes()
SIZE = len(JPG)
OCTETS = "application/offset+octet-stream"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def headers(world, user="inspector", **extra):
    return {"Authorization": f"Bearer {world.tokens[user]}", "Tus-Resumable": "1.0.0",
            **{k.replace("_", "-"): v for k, v in extra.items()}}


def metadata(**values):
    values = {"photo_id": str(uuid.uuid4()), "sha256": sha256(JPG), "filename": "crate.jpg",
              "filetype": "image/jpeg", **values}
    return ",".join(f"{k} {b64(v)}" for k, v in values.items() if v is not None)


def create(client, world, user="inspector", length=SIZE, body=None, meta=None, **extra):
    head = headers(world, user, Upload_Length=str(length),
                   Upload_Metadata=meta if meta is not None else metadata(), **extra)
    if body is not None:
        head.setdefault("Content-Type", OCTETS)
    return client.post("/api/v1/uploads/", headers=head, data=body)


def patch(client, world, location, offset, body, user="inspector", **extra):
    return client.patch(location, data=body, headers=headers(
        world, user, Upload_Offset=str(offset), Content_Type=OCTETS, **extra))


def error(response):
    return response.status_code, response.json["error"]["code"]


def test_options_describes_the_server_without_a_token(client, app):
    r = client.options("/api/v1/uploads/")
    assert r.status_code == 204
    assert r.headers["Tus-Version"] == "1.0.0" and r.headers["Tus-Resumable"] == "1.0.0"
    assert set(r.headers["Tus-Extension"].split(",")) == {
        "creation", "creation-with-upload", "creation-defer-length", "termination",
        "checksum", "expiration"}
    assert r.headers["Tus-Max-Size"] == str(app.config["UPLOAD_MAX_SIZE"])
    assert r.headers["Tus-Checksum-Algorithm"] == "sha1,sha256"
    assert client.options(f"/api/v1/uploads/{uuid.uuid4().hex}").status_code == 204


def test_creation_then_head_then_patch(client, world):
    created = create(client, world)
    assert created.status_code == 201
    location = created.headers["Location"]
    assert location.startswith("/api/v1/uploads/") and created.headers["Upload-Expires"]
    head = client.head(location, headers=headers(world))
    assert head.status_code == 200 and head.data == b""
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"],
            head.headers["Cache-Control"], head.headers["Tus-Resumable"]) == (
        "0", str(len(JPG)), "no-store", "1.0.0")
    assert "photo_id" in head.headers["Upload-Metadata"]
    first = patch(client, world, location, 0, JPG[:100])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "100"
    assert first.headers["Upload-Expires"]
    last = patch(client, world, location, 100, JPG[100:])
    assert last.status_code == 204 and last.headers["Upload-Offset"] == str(len(JPG))
    assert "Upload-Expires" not in last.headers  # finished uploads do not expire
    again = patch(client, world, location, len(JPG), b"")
    assert again.status_code == 204  # the last PATCH replayed after a lost answer


def test_creation_with_upload(client, world, app):
    r = create(client, world, body=JPG)
    assert r.status_code == 201 and r.headers["Upload-Offset"] == str(len(JPG))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
    partly = create(client, world, body=JPG[:100])
    assert partly.status_code == 201 and partly.headers["Upload-Offset"] == "100"
    refused = create(client, world, body=b"not a photo", length=11,
                     meta=metadata(sha256=sha256(b"not a photo")))
    assert error(refused) == (415, "photos.not_an_image")
    assert client.head(refused.headers["Location"], headers=headers(world)).status_code == 410


def test_deferred_length(client, world):
    r = client.post("/api/v1/uploads/", headers=headers(
        world, Upload_Defer_Length="1", Upload_Metadata=metadata()))
    location = r.headers["Location"]
    head = client.head(location, headers=headers(world))
    assert head.headers["Upload-Defer-Length"] == "1" and "Upload-Length" not in head.headers
    assert patch(client, world, location, 0, JPG[:300]).headers["Upload-Offset"] == "300"
    last = patch(client, world, location, 300, JPG[300:], Upload_Length=str(len(JPG)))
    assert last.status_code == 204
    head = client.head(location, headers=headers(world))
    assert head.headers["Upload-Length"] == str(len(JPG))
    assert error(patch(client, world, location, len(JPG), b"x", Upload_Length="5")) == (
        400, "uploads.length_invalid")


def test_termination(client, world, app):
    location = create(client, world).headers["Location"]
    patch(client, world, location, 0, JPG[:100])
    upload_id = location.rsplit("/", 1)[1]
    partial = PhotoStore(app.config["PHOTO_DIR"]).partial_path(upload_id)
    assert partial.exists()
    r = client.delete(location, headers=headers(world))
    assert r.status_code == 204 and r.headers["Tus-Resumable"] == "1.0.0"
    assert not partial.exists()
    assert client.head(location, headers=headers(world)).status_code == 404
    assert error(patch(client, world, location, 100, JPG[100:])) == (404, "uploads.not_found")


def test_terminating_a_finished_upload_keeps_the_photo(client, world, app):
    r = create(client, world, body=JPG, meta=metadata(photo_id="1b4e28ba-2fa1-11d2-883f-"
                                                               "0016d3cca427"))
    assert client.delete(r.headers["Location"], headers=headers(world)).status_code == 204
    with app.app_context():
        assert db.session.get(Photo, "1b4e28ba-2fa1-11d2-883f-0016d3cca427") is not None


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"meta": "photo_id not!base64"}, 400, "uploads.metadata_malformed"),
    ({"meta": "photo_id"}, 400, "uploads.metadata_invalid"),
    ({"meta": metadata(filename="../../etc/passwd")}, 400, "uploads.metadata_invalid"),
    ({"meta": metadata(filename="a/b.jpg")}, 400, "uploads.metadata_invalid"),
    ({"meta": metadata(photo_id="12345")}, 400, "uploads.metadata_invalid"),
    ({"meta": metadata(photo_id="../../x")}, 400, "uploads.metadata_invalid"),
    ({"meta": metadata(sha256=None)}, 400, "uploads.metadata_invalid"),
    ({"meta": metadata(sha256="abc")}, 400, "uploads.metadata_invalid"),
    ({"meta": metadata(label_id="NE-NMY-000001-Z")}, 400, "uploads.metadata_invalid"),
    ({"meta": metadata(instance_id="uuid:../x/y")}, 400, "uploads.metadata_invalid"),
    ({"meta": metadata(filetype="image/gif")}, 415, "uploads.filetype_not_allowed"),
    ({"meta": metadata(filetype="text/html")}, 415, "uploads.filetype_not_allowed"),
    ({"length": 64 * 1024 * 1024 + 1}, 413, "uploads.too_large"),
    ({"length": 0}, 400, "uploads.length_invalid"),
    ({"length": "-5"}, 400, "uploads.bad_request"),
    ({"length": "12abc"}, 400, "uploads.bad_request"),
    ({"Upload_Defer_Length": "1"}, 400, "uploads.bad_request"),
    ({"body": JPG, "Content_Type": "image/jpeg"}, 415, "uploads.content_type"),
], ids=["bad base64", "no sha256, no value", "path filename", "dir filename", "bad uuid",
        "path uuid", "missing sha256", "short sha256", "bad label check character",
        "path instance id", "gif", "html", "over Tus-Max-Size", "empty", "negative length",
        "not a number", "length and deferred", "body not offset+octet-stream"])
def test_bad_creations_are_clear_4xx(client, world, app, kwargs, status, code):
    r = create(client, world, **kwargs)
    assert error(r) == (status, code)
    assert r.headers["Tus-Resumable"] == "1.0.0"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"Content_Type": "application/octet-stream"}, 415, "uploads.content_type"),
    ({"Upload_Offset": None}, 400, "uploads.bad_request"),
    ({"Upload_Offset": "abc"}, 400, "uploads.bad_request"),
    ({"Upload_Offset": "5"}, 409, "uploads.offset_mismatch"),
    ({"Upload_Checksum": "md5 1B2M2Y8AsgTpgAmY7PhCfg=="}, 400, "uploads.checksum_algorithm"),
    ({"Upload_Checksum": "sha1 bm90IGEgZGlnZXN0"}, 400, "uploads.bad_request"),
    ({"Upload_Checksum": "sha256 " + base64.b64encode(b"\0" * 32).decode()}, 460,
     "uploads.checksum_mismatch"),
    ({"body": JPG + b"more"}, 413, "uploads.too_large"),
    ({"Upload_Length": "99"}, 400, "uploads.length_invalid"),
    ({"Tus_Resumable": None}, 412, "uploads.version_unsupported"),
    ({"Tus_Resumable": "0.2.2"}, 412, "uploads.version_unsupported"),
    ({"user": "commander"}, 404, "uploads.not_found"),
    ({"Authorization": "Bearer nope"}, 401, "auth.token_invalid"),
], ids=["wrong content type", "no offset", "bad offset", "stale offset", "md5 checksum",
        "short checksum", "checksum mismatch", "past the length", "length changed",
        "no Tus-Resumable", "old tus version", "another device's upload", "bad token"])
def test_bad_patches_are_clear_4xx(client, world, change, status, code):
    location = create(client, world).headers["Location"]
    change = dict(change)
    body, user = change.pop("body", JPG[:50]), change.pop("user", "inspector")
    head = headers(world, user, Upload_Offset="0", Content_Type=OCTETS)
    for key, value in change.items():
        head.pop(key.replace("_", "-"), None)
        if value is not None:
            head[key.replace("_", "-")] = value
    r = client.patch(location, data=body, headers=head)
    assert error(r) == (status, code)
    assert r.headers["Tus-Resumable"] == "1.0.0"
    if status == 412:
        assert r.headers["Tus-Version"] == "1.0.0"
    if status == 460:
        assert r.status == "460 Checksum Mismatch"
    if status in (409, 460):
        assert r.headers["Upload-Offset"] == "0"
    assert client.head(location, headers=headers(world)).headers["Upload-Offset"] == "0"


def test_every_answer_under_uploads_says_tus_resumable(client, world):
    for r in (client.get("/api/v1/uploads/"), client.get("/api/v1/uploads/x/y"),
              client.head(f"/api/v1/uploads/{uuid.uuid4().hex}", headers=headers(world)),
              client.head("/api/v1/uploads/../../etc", headers=headers(world)),
              client.post("/api/v1/uploads/", headers={"Tus-Resumable": "1.0.0"})):
        assert r.headers["Tus-Resumable"] == "1.0.0", r.status
        assert r.status_code in (401, 404, 405)
    head = client.head(f"/api/v1/uploads/{uuid.uuid4().hex}", headers=headers(world))
    assert head.status_code == 404 and "Upload-Offset" not in head.headers
    assert head.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("user", "label", "status", "code"), [
    ("reviewer", None, 403, "auth.forbidden"),
    ("admin", None, 403, "auth.forbidden"),
    ("inspector", "{ng_ammo}", 404, "not_found"),
    ("zdr_inspector", "{ammo}", 404, "not_found"),
    ("ng_inspector", "{ammo}", 404, "not_found"),
    ("inspector", "NE-ZDR-000001", 404, "not_found"),
    ("inspector", "NE-XXX-000001", 404, "not_found"),
    ("inspector", "NE-NMY-000999", 201, None),
    ("commander", "{rifles}", 201, None),
], ids=["reviewer may not upload", "admin may not upload", "other country's crate",
        "other depot's crate", "foreign inspector", "unregistered label of another depot",
        "label of no depot", "unregistered label in scope (kept for later)", "own crate"])
def test_creation_is_scoped_by_what_the_photo_belongs_to(client, world, user, label, status,
                                                        code):
    from sync.labels.ids import LabelId

    if label and label.startswith("{"):
        label = world.crates[label.strip("{}")]
    elif label:
        country, depot, seq = label.split("-")
        label = str(LabelId(country, depot, int(seq)))
    r = create(client, world, user=user, meta=metadata(label_id=label))
    assert r.status_code == status
    if code:
        assert r.json["error"]["code"] == code


def test_a_submission_the_phone_may_not_see_is_answered_as_unknown(client, world, app):
    """Naming another country's (or another depot's) submission gets the same 201 as naming
    one that has not arrived: no oracle of instance IDs. The photo is kept under the sender's
    own key for that ID (where the sender's own submission of that ID is kept, see
    sync/intake/instance_keys.py) and never joins the other submission; the submission's own
    phone still fills it."""
    from server.models import Submission, SubmissionAttachment

    with app.app_context():
        for instance, depot, device in (("uuid:ng-visit", "NG-KDN", "ng_inspector"),
                                        ("uuid:zdr-visit", "NE-ZDR", "zdr_inspector")):
            db.session.add(Submission(
                id=instance[5:], instance_id=instance, form_id="f", source="json",
                content_hash="0", raw="{}", depot_id=world.depots[depot],
                device_id=world.devices[device],
                attachments=[SubmissionAttachment(name="crate.jpg")]))
        db.session.commit()
    answers = []
    for instance in ("uuid:ng-visit", "uuid:zdr-visit", "uuid:not-arrived-yet"):
        r = create(client, world, body=JPG, meta=metadata(instance_id=instance))
        answers.append((r.status_code, r.headers["Upload-Offset"], sorted(dict(r.headers))))
    assert answers[0] == answers[1] == answers[2] and answers[0][:2] == (201, str(SIZE))
    with app.app_context():
        attachments = db.session.scalars(select(SubmissionAttachment)).all()
        assert [a.photo_id for a in attachments] == [None, None]
        assert db.session.scalar(select(func.count()).select_from(Photo).where(
            Photo.depot_id.is_not(None))) == 0
    # the inspector's own submission of that ID, kept under its own key, gets the photo
    from tests.http.sync_helpers import bearer

    mine = {"instance_id": "uuid:ng-visit", "form_id": "pssm_visit", "form_version": "1",
            "depot": "NMY", "visit_type": "routine_internal", "answers": {},
            "photos": [{"name": "crate.jpg", "question": "fence_photo"}], "counts": [],
            "findings": []}
    r = client.post("/api/v1/submissions", json=mine, headers=bearer(world))
    assert r.status_code == 201 and r.json["missing_photos"] == [], r.json
    r = create(client, world, user="ng_inspector", body=JPG,
               meta=metadata(instance_id="uuid:ng-visit"))
    assert r.status_code == 201
    with app.app_context():
        ng = db.session.get(Submission, "ng-visit")
        assert ng.attachments[0].photo_id is not None
        assert ng.attachments[0].photo.device_id == world.devices["ng_inspector"]


def test_a_device_cannot_hold_more_than_its_quota_in_unfinished_uploads(client, world, app):
    app.config["UPLOAD_DEVICE_QUOTA"] = 2 * len(JPG)
    assert create(client, world).status_code == 201
    assert create(client, world).status_code == 201
    assert error(create(client, world)) == (413, "uploads.quota_exceeded")
    assert create(client, world, user="commander").status_code == 201  # per device
    assert create(client, world, body=JPG).status_code == 413  # finished ones do not count…
    app.config["UPLOAD_DEVICE_QUOTA"] = 3 * len(JPG)
    assert create(client, world, body=JPG).status_code == 201
    assert create(client, world).status_code == 201  # …once finished, room is made again


def test_a_photo_id_belongs_to_one_person(client, world, app):
    with app.app_context():  # the inspector's phone is re-enrolled
        new_phone = enroll_device(db.session, db.session.get(User, world.users["inspector"]),
                                  actor=SYSTEM, now=utcnow()).token
        db.session.commit()
    world.tokens["new_phone"] = new_phone
    photo_id = str(uuid.uuid4())
    old = create(client, world, meta=metadata(photo_id=photo_id)).headers["Location"]
    patch(client, world, old, 0, JPG[:100])
    assert error(create(client, world, user="commander", meta=metadata(photo_id=photo_id))) == (
        409, "photos.id_conflict")  # someone else
    fresh = create(client, world, user="new_phone", meta=metadata(photo_id=photo_id))
    assert fresh.status_code == 201 and fresh.headers["Location"] != old  # starts over
    assert client.head(old, headers=headers(world)).status_code == 404
    done = patch(client, world, fresh.headers["Location"], 0, JPG, user="new_phone")
    assert done.status_code == 204
    again = create(client, world, meta=metadata(photo_id=photo_id))  # the old phone, finished
    assert again.status_code == 201 and again.headers["Location"] == fresh.headers["Location"]
    assert again.headers["Upload-Offset"] == str(SIZE)


def test_x_http_method_override(client, world):
    location = create(client, world).headers["Location"]
    r = client.post(location, data=JPG[:10], headers=headers(
        world, X_HTTP_Method_Override="PATCH", Upload_Offset="0", Content_Type=OCTETS))
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "10"
    r = client.post(location, headers=headers(world, X_HTTP_Method_Override="DELETE"))
    assert r.status_code == 204
    assert client.head(location, headers=headers(world)).status_code == 404


def test_a_deferred_upload_counts_against_the_quota_as_it_grows(client, world, app):
    app.config["UPLOAD_DEVICE_QUOTA"] = 500
    r = client.post("/api/v1/uploads/", headers=headers(
        world, Upload_Defer_Length="1", Upload_Metadata=metadata()))
    location = r.headers["Location"]
    assert patch(client, world, location, 0, JPG[:400]).status_code == 204
    assert error(patch(client, world, location, 400, JPG[400:])) == (
        413, "uploads.quota_exceeded")
    assert client.head(location, headers=headers(world)).headers["Upload-Offset"] == "400"


def test_a_photo_id_held_in_another_country_neither_409s_nor_blocks_the_upload(
        client, world, app):
    """Another country's phone took the photo id first (a leak, or squatting): our phone's
    upload under it is answered as any new one, kept apart and linked to our submission;
    each country reads its own photo by the id."""
    from tests.imaging import ROTATED_JPG

    other = ROTATED_JPG.read_bytes()
    photo_id = str(uuid.uuid4())
    squat = create(client, world, user="ng_inspector", length=len(other), body=other,
                   meta=metadata(photo_id=photo_id, sha256=sha256(other)))
    assert squat.status_code == 201
    visit = {"instance_id": "uuid:visit-with-photo", "form_id": "pssm_visit", "depot": "NMY",
             "answers": {},
             "photos": [{"name": "seal.jpg", "photo_id": photo_id, "question": "seal"}]}
    r = client.post("/api/v1/submissions", json=visit, headers={
        "Authorization": f"Bearer {world.tokens['commander']}"})
    assert r.json["missing_photos"] == ["seal.jpg"], r.json
    ours = create(client, world, body=JPG, meta=metadata(photo_id=photo_id))
    assert ours.status_code == 201 and ours.headers["Upload-Offset"] == str(SIZE)
    again = create(client, world, meta=metadata(photo_id=photo_id))  # a repeated creation
    assert again.headers["Location"] == ours.headers["Location"]
    seen = client.get(f"/api/v1/photos/{photo_id}", headers=headers(world))
    assert seen.status_code == 200 and seen.data == JPG
    theirs = client.get(f"/api/v1/photos/{photo_id}", headers=headers(world, "ng_inspector"))
    assert theirs.status_code == 200 and theirs.data == other
    status = client.get("/api/v1/submissions/uuid:visit-with-photo",
                        headers=headers(world, "commander"))
    assert status.json["missing_photos"] == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Photo.id))) == 2

"""Photos through the domain functions: store_photo_file (the OpenRosa door), dedupe, linking
in either order, the depot a photo belongs to, and the upload compare-and-set."""

import io
import uuid
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from server.db import utcnow
from server.errors import InvalidInput
from server.models import AuditEvent, Device, Photo, Submission, SubmissionAttachment, Upload
from server.storage import PhotoStore
from sync.photos.images import ImageLimits, NotAnImage
from sync.photos.links import link_submission_photos, missing_photos, photo_depot_id
from sync.photos.records import (
    PhotoConflict,
    Sha256Mismatch,
    store_photo_file,
    thumbnail_file,
)
from sync.photos.uploads import (
    Chunk,
    OffsetMismatch,
    PhotoMeta,
    UploadLimits,
    commit_chunk,
    create_upload,
)
from sync.stock import inventory
from tests.imaging import CRATE_JPG, ROTATED_JPG, encoded, sha256


@pytest.fixture
def store(app):
    return PhotoStore(app.config["PHOTO_DIR"])


def device(session, w, user="inspector"):
    return session.get(Device, w.devices[user])


def new_id():
    return str(uuid.uuid4())


def add_submission(session, w, *, attachments, user="inspector", depot="NE-NMY"):
    submission = Submission(instance_id=f"uuid:{uuid.uuid4()}", form_id="crate_check",
                            source="json", content_hash="0" * 64, raw="{}",
                            depot_id=w.depots[depot], device_id=w.devices[user],
                            user_id=w.users[user])
    session.add(submission)
    session.flush()
    for name, photo_uuid in attachments:
        session.add(SubmissionAttachment(submission_id=submission.id, name=name,
                                         question="seal_photo", photo_uuid=photo_uuid))
    session.flush()
    session.refresh(submission)
    return submission


def test_a_photo_file_is_checked_stored_and_audited(session, w, store):
    now = utcnow()
    data = CRATE_JPG.read_bytes()
    photo = store_photo_file(session, store, CRATE_JPG, photo_id="p-1", filename="crate.jpg",
                             declared_sha256=sha256(data), label_id=w.crates["ammo"],
                             question="crate_photo", device=device(session, w), now=now)
    assert (photo.sha256, photo.content_type, photo.size, photo.width, photo.height) == (
        sha256(data), "image/jpeg", len(data), 64, 48)
    assert photo.crate_id == w.crate_ids["ammo"] and photo.depot_id == w.depots["NE-NMY"]
    assert store.path(photo.sha256).read_bytes() == data
    # the thumbnail waits for its first viewer: a submission does not wait for it
    assert not store.thumbnail_path(photo.sha256).exists()
    made = thumbnail_file(store, photo.sha256, ImageLimits(thumbnail_size=32))
    assert Image.open(made).size == (32, 24) and made == store.thumbnail_path(photo.sha256)
    assert CRATE_JPG.exists()  # the caller's file is left alone
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "photo.accept"))
    assert event.entity_id == "p-1" and event.details["sha256"] == photo.sha256


def test_the_same_bytes_are_stored_once_and_a_replay_is_the_same_photo(session, w, store):
    now = utcnow()
    phone = device(session, w)
    data = ROTATED_JPG.read_bytes()
    first = store_photo_file(session, store, io.BytesIO(data), photo_id="a", filename="s.jpg",
                             device=phone, now=now)
    second = store_photo_file(session, store, io.BytesIO(data), photo_id="b", filename="s.jpg",
                              device=phone, now=now)
    again = store_photo_file(session, store, io.BytesIO(data), photo_id="a", filename="s.jpg",
                             device=phone, now=now)
    assert again is first and second.id == "b" and first.sha256 == second.sha256
    assert (first.width, first.height) == (40, 60)
    files = [p for p in store.root.rglob("*") if p.is_file() and "thumbs" not in p.parts]
    assert files == [store.path(first.sha256)]  # one file, no spool left behind
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "photo.accept")) == 2


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"photo_id": "a", "declared_sha256": "0" * 64}, Sha256Mismatch),
    ({"photo_id": "a", "data": b"not an image"}, NotAnImage),
    ({"photo_id": "a", "filename": "../../etc/passwd"}, InvalidInput),
    ({"photo_id": "a", "filename": "dir\\x.jpg"}, InvalidInput),
    ({"photo_id": "../a"}, InvalidInput),
    ({"photo_id": "a", "label_id": "NOT-A-LABEL"}, InvalidInput),
    ({"photo_id": "a", "instance_id": "uuid:" + "x" * 80}, InvalidInput),
    ({"photo_id": "a", "question": "q" * 129}, InvalidInput),
    ({"photo_id": "a", "question": "seal\nphoto"}, InvalidInput),
], ids=["sha256 mismatch", "not an image", "path filename", "windows path", "path photo id",
        "bad label", "long instance id", "long question", "control character in question"])
def test_bad_files_are_refused_and_nothing_is_written(session, w, store, kwargs, error):
    data = kwargs.pop("data", CRATE_JPG.read_bytes())
    with pytest.raises(error) as refused:
        store_photo_file(session, store, io.BytesIO(data), **{"filename": "x.jpg", **kwargs},
                         device=device(session, w), now=utcnow())
    assert refused.value.code
    session.flush()
    assert session.scalar(select(func.count()).select_from(Photo)) == 0
    assert not store.path(sha256(data)).exists()


def test_same_photo_id_with_other_bytes_is_a_conflict(session, w, store):
    phone = device(session, w)
    store_photo_file(session, store, CRATE_JPG, photo_id="a", filename="x.jpg", device=phone,
                     now=utcnow())
    with pytest.raises(PhotoConflict):
        store_photo_file(session, store, ROTATED_JPG, photo_id="a", filename="x.jpg",
                         device=phone, now=utcnow())


def test_photo_before_its_submission_links_by_uuid_and_by_name(session, w, store):
    phone, instance = device(session, w), f"uuid:{uuid.uuid4()}"
    by_uuid, by_name = new_id(), new_id()
    store_photo_file(session, store, CRATE_JPG, photo_id=by_uuid, filename="1.jpg",
                     device=phone, now=utcnow())
    by_uuid_ios = by_uuid.upper()  # the form names it as the iPhone spells it
    store_photo_file(session, store, ROTATED_JPG, photo_id=by_name, filename="2.jpg",
                     instance_id=instance, device=phone, now=utcnow())
    orphan = session.get(Photo, by_uuid)
    assert photo_depot_id(session, orphan) is None  # nothing it belongs to has arrived
    submission = add_submission(session, w, attachments=[("1.jpg", by_uuid_ios), ("2.jpg", None),
                                                         ("3.jpg", None)])
    submission.instance_id = instance
    link_submission_photos(session, submission)
    assert {a.name: a.photo_id for a in submission.attachments} == {
        "1.jpg": by_uuid, "2.jpg": by_name, "3.jpg": None}
    assert [a.name for a in missing_photos(submission)] == ["3.jpg"]
    assert orphan.depot_id == w.depots["NE-NMY"] and orphan.instance_id == instance
    assert orphan.question == "seal_photo"


@pytest.mark.parametrize("spelled", [str.lower, str.upper], ids=["android", "ios"])
def test_photo_after_its_submission_fills_the_waiting_attachment(session, w, store, spelled):
    photo_id = new_id()
    submission = add_submission(session, w, attachments=[("seal.jpg", spelled(photo_id)),
                                                         ("other.jpg", new_id())])
    link_submission_photos(session, submission)  # the engine calls it; nothing arrived yet
    assert len(missing_photos(submission)) == 2
    store_photo_file(session, store, CRATE_JPG, photo_id=photo_id, filename="seal.jpg",
                     device=device(session, w), now=utcnow())
    session.refresh(submission)
    assert [a.name for a in missing_photos(submission)] == ["other.jpg"]
    assert session.get(Photo, photo_id).depot_id == w.depots["NE-NMY"]


def test_a_photo_never_joins_another_countrys_submission(session, w, store):
    photo_id = new_id()
    store_photo_file(session, store, CRATE_JPG, photo_id=photo_id, filename="x.jpg",
                     device=device(session, w, "ng_inspector"), now=utcnow())
    submission = add_submission(session, w, attachments=[("x.jpg", photo_id)])
    link_submission_photos(session, submission)
    assert missing_photos(submission)[0].photo_id is None
    assert session.get(Photo, photo_id).depot_id is None


def test_a_label_registered_after_the_photo_gives_it_its_depot(session, w, store):
    from server.models import Depot

    nmy = session.get(Depot, w.depots["NE-NMY"])
    label = inventory.allocate_labels(session, nmy, 1)[0]
    photo = store_photo_file(session, store, CRATE_JPG, photo_id="p", filename="x.jpg",
                             label_id=label, device=device(session, w), now=utcnow())
    assert photo.crate_id is None and photo.crate_label == label
    assert photo_depot_id(session, photo) is None
    from server.models.inventory import CrateKind
    from sync.journal.trail import SYSTEM
    inventory.register_crate(session, nmy, label_id=label, kind=CrateKind.AMMO_BOX,
                             location=None, actor=SYSTEM, now=utcnow())
    assert photo_depot_id(session, photo) == nmy.id


def test_only_the_winner_of_the_offset_race_writes_its_bytes(session, w, store):
    now, phone = utcnow(), device(session, w)
    limits = UploadLimits(max_size=1000, device_quota=10_000, lifetime=timedelta(days=30))
    data = encoded("PNG", (40, 40))
    meta = PhotoMeta(photo_id=new_id(), sha256=sha256(data))
    upload = create_upload(session, phone, meta, {}, length=len(data), store=store,
                           limits=limits, now=now)
    session.commit()
    winner = Chunk(io.BytesIO(data[:20]), 20, 0)
    loser = Chunk(io.BytesIO(b"X" * 30), 30, 0)  # checked offset 0 too, before the winner moved
    commit_chunk(session, store, upload, winner, device=phone, limits=limits, now=now)
    session.commit()
    with pytest.raises(OffsetMismatch):
        commit_chunk(session, store, upload, loser, device=phone, limits=limits, now=now)
    session.rollback()
    assert session.get(Upload, upload.id).offset == 20
    assert store.partial_path(upload.id).read_bytes() == data[:20]
    commit_chunk(session, store, session.get(Upload, upload.id),
                 Chunk(io.BytesIO(data[20:]), len(data) - 20, 20), device=phone,
                 limits=limits, now=now)
    assert session.get(Photo, meta.photo_id).sha256 == meta.sha256


def test_expiry_sweeps_orphans_and_keeps_live_uploads(session, w, store):
    import os
    import time

    from sync.photos.expiry import expire_uploads

    now, phone = utcnow(), device(session, w)
    limits = UploadLimits(max_size=1000, device_quota=10_000, lifetime=timedelta(days=30))
    data = encoded("PNG", (40, 40))
    live = create_upload(session, phone, PhotoMeta(photo_id=new_id(), sha256=sha256(data)), {},
                         length=len(data), store=store, limits=limits, now=now)
    commit_chunk(session, store, live, Chunk(io.BytesIO(data[:10]), 10, 0), device=phone,
                 limits=limits, now=now)
    session.commit()
    orphan = store.partial_path("f" * 32)
    orphan.write_bytes(b"12345")
    stale_spool = store.root / "tmp" / "crashed.part"
    stale_spool.parent.mkdir(parents=True, exist_ok=True)
    stale_spool.write_bytes(b"123")
    two_days_ago = time.time() - 2 * 24 * 3600
    for path in (orphan, stale_spool, store.partial_path(live.id)):
        os.utime(path, (two_days_ago, two_days_ago))
    expired = expire_uploads(session, store, now=utcnow())
    assert (expired.uploads, expired.bytes_freed) == (0, 8)
    assert not orphan.exists() and not stale_spool.exists()
    assert store.partial_size(live.id) == 10  # a slow phone's upload is still live
    expired = expire_uploads(session, store, now=utcnow() + timedelta(days=31))
    assert (expired.uploads, expired.bytes_freed) == (1, 10)


def test_expiry_sweeps_stored_photos_no_row_names_a_day_on(session, w, store):
    """A photo is stored before the transaction that records it (the OpenRosa door): when
    that transaction fails, its file and thumbnail stay. `uploads expire` removes them a day
    after they were last stored; a recorded photo stays whatever its age, a fresh orphan
    stays (its transaction may still be running), and an orphan stored again is renewed."""
    import os
    import time

    from sync.photos.expiry import expire_uploads
    from sync.photos.records import check_photo_file as checked
    from tests.imaging import noisy_jpeg

    def photo(seed):  # camera-like: noise barely compresses (about 1 MB each)
        return noisy_jpeg(700, seed=seed)

    def check_photo_file(store, stream):
        return checked(store, stream, limits=ImageLimits())

    kept = store_photo_file(session, store, io.BytesIO(photo(1)), photo_id=new_id(),
                            filename="seal.jpg", device=device(session, w), now=utcnow())
    session.commit()
    failed, fresh, again = (check_photo_file(store, io.BytesIO(photo(c)))
                            for c in (2, 3, 4))
    session.rollback()  # the transactions that were to record them failed
    for digest in (kept.sha256, failed.sha256, again.sha256):
        thumbnail_file(store, digest, ImageLimits())  # seen before the transaction failed
    two_days_ago = time.time() - 2 * 24 * 3600
    for digest in (kept.sha256, failed.sha256, again.sha256):
        for path in (store.path(digest), store.thumbnail_path(digest)):
            os.utime(path, (two_days_ago, two_days_ago))
    assert check_photo_file(store, io.BytesIO(photo(4))).sha256 == again.sha256

    expired = expire_uploads(session, store, now=utcnow())
    assert not store.has(failed.sha256) and not store.thumbnail_path(failed.sha256).exists()
    assert expired.bytes_freed >= failed.size
    for digest in (kept.sha256, fresh.sha256, again.sha256):
        assert store.has(digest), digest
    assert store.thumbnail_path(kept.sha256).exists()
    with store.path(kept.sha256).open("rb") as f:
        assert f.read() == photo(1)

"""Photos sent with the real tus client (tuspy) to the app in a real HTTP server: whole,
cut and resumed, repeated, damaged, expired, raced, refused; and linked in either order."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select, update
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError, TusUploadFailed
from tusclient.uploader import Uploader

from server.db import db, utcnow
from server.models import AuditEvent, Photo, Submission, SubmissionAttachment, Upload
from server.storage import PhotoStore
from sync.photos.links import link_submission_photos, missing_photos
from tests.imaging import CRATE_JPG, ROTATED_JPG, noisy_jpeg, png_bomb, sha256, write

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture(scope="module")
def photo_100k():
    return noisy_jpeg(170)  # about 110 kB: a few chunks on a bad link


def client(live, world, user="inspector"):
    return TusClient(live.uploads_url(),
                     headers={"Authorization": f"Bearer {world.tokens[user]}"})


def auth(world, user="inspector"):
    return {"Authorization": f"Bearer {world.tokens[user]}", **TUS}


def meta(data, **extra):
    return {"photo_id": str(uuid.uuid4()), "sha256": sha256(data), "filename": "crate.jpg",
            "filetype": "image/jpeg", **extra}


def metadata_header(values):
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def upload_id(url):
    return url.rstrip("/").rsplit("/", 1)[1]


def state(app, url):
    """The server's view of an upload: its row and its partial file."""
    with app.app_context():
        up = db.session.get(Upload, upload_id(url))
        store = PhotoStore(app.config["PHOTO_DIR"])
        return {"offset": up.offset, "status": up.status.value, "error": up.error_code,
                "partial": store.partial_size(up.id),
                "partial_exists": store.partial_path(up.id).exists(), "photo_id": up.photo_id}


def photo_row(app, photo_id):
    with app.app_context():
        photo = db.session.get(Photo, photo_id)
        if photo is None:
            return None
        return {c.key: getattr(photo, c.key) for c in Photo.__table__.columns}


class LyingChecksum(Uploader):
    """tuspy with a checksum that does not match the bytes: corruption on the way."""

    CHECKSUM_ALGORITHM_PAIR = ("sha1", lambda data: hashlib.sha1(data + b"garbled"))


class Sha256Uploader(Uploader):
    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


def test_a_whole_photo(app, world, live_server, tmp_path):
    data = CRATE_JPG.read_bytes()
    info = meta(data, label_id=world.crates["ammo"], question="crate_photo")
    uploader = client(live_server, world).uploader(file_path=str(CRATE_JPG), chunk_size=300,
                                                   metadata=info, upload_checksum=True)
    uploader.upload()
    assert state(app, uploader.url) == {"offset": len(data), "status": "completed",
                                        "error": "", "partial": 0, "partial_exists": False,
                                        "photo_id": info["photo_id"]}
    photo = photo_row(app, info["photo_id"])
    assert (photo["sha256"], photo["size"], photo["content_type"]) == (
        sha256(data), len(data), "image/jpeg")
    assert (photo["crate_id"], photo["depot_id"]) == (world.crate_ids["ammo"],
                                                      world.depots["NE-NMY"])
    assert [size for _, size in live_server.received.patches()] == [300, 300, len(data) - 600]
    got = requests.get(f"{live_server.url}/api/v1/photos/{info['photo_id']}",
                       headers=auth(world))
    assert got.status_code == 200 and got.content == data
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.entity_id).where(
            AuditEvent.action == "photo.accept")) == info["photo_id"]


def test_a_cut_upload_resumes_and_only_the_remainder_is_sent(app, world, live_server,
                                                              tmp_path, photo_100k):
    path = write(tmp_path, "big.jpg", photo_100k)
    info = meta(photo_100k)
    first = client(live_server, world).uploader(file_path=str(path), chunk_size=16 * 1024,
                                                metadata=info)
    first.upload(stop_at=48 * 1024)  # the link dies after three chunks
    assert state(app, first.url)["offset"] == 48 * 1024
    assert state(app, first.url)["partial"] == 48 * 1024
    sent_before = sum(size for _, size in live_server.received.patches())

    again = client(live_server, world).uploader(file_path=str(path), url=first.url,
                                                chunk_size=16 * 1024, metadata=info)
    assert again.offset == 48 * 1024  # asked the server with HEAD
    again.upload()
    patches = live_server.received.patches()
    assert sent_before == 48 * 1024
    assert sum(size for _, size in patches) == len(photo_100k)  # not one byte twice
    assert patches[3][0] == 48 * 1024
    assert state(app, first.url)["status"] == "completed"
    assert photo_row(app, info["photo_id"])["sha256"] == sha256(photo_100k)


def test_a_link_dropped_mid_request_keeps_the_bytes_that_arrived(app, world, live_server,
                                                                 tmp_path, photo_100k):
    path = write(tmp_path, "big.jpg", photo_100k)
    info = meta(photo_100k)
    uploader = client(live_server, world).uploader(file_path=str(path), metadata=info)
    url = uploader.create_url()
    # one PATCH for the whole file, cut after 40,000 bytes by a dead link
    target = urlsplit(url)
    with socket.create_connection((target.hostname, target.port)) as sock:
        head = (f"PATCH {target.path} HTTP/1.1\r\nHost: {target.netloc}\r\n"
                f"Authorization: Bearer {world.tokens['inspector']}\r\n"
                "Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                "Content-Type: application/offset+octet-stream\r\n"
                f"Content-Length: {len(photo_100k)}\r\n\r\n")
        sock.sendall(head.encode() + photo_100k[:40_000])
    deadline = time.monotonic() + 10
    while state(app, url)["offset"] != 40_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state(app, url)["offset"] == 40_000

    resumed = client(live_server, world).uploader(file_path=str(path), url=url, metadata=info)
    assert resumed.offset == 40_000
    resumed.upload()
    assert photo_row(app, info["photo_id"])["sha256"] == sha256(photo_100k)


def test_creating_again_for_the_same_photo_answers_the_same_upload(app, world, live_server,
                                                                   tmp_path, photo_100k):
    path = write(tmp_path, "big.jpg", photo_100k)
    info = meta(photo_100k)
    tus = client(live_server, world)
    first = tus.uploader(file_path=str(path), chunk_size=32 * 1024, metadata=info)
    first.upload(stop_at=32 * 1024)
    # the creation response was lost: the phone creates again
    second = tus.uploader(file_path=str(path), metadata=info)
    assert second.create_url() == first.url
    repeat = requests.post(live_server.uploads_url(), headers={
        **auth(world), "Upload-Length": str(len(photo_100k)),
        "Upload-Metadata": ",".join(second.encode_metadata())})
    assert repeat.status_code == 201 and repeat.headers["Upload-Offset"] == str(32 * 1024)
    with app.app_context():
        assert db.session.query(Upload).count() == 1

    other_bytes = tus.uploader(file_path=str(CRATE_JPG), metadata={
        **meta(CRATE_JPG.read_bytes()), "photo_id": info["photo_id"]})
    with pytest.raises(TusCommunicationError) as refused:
        other_bytes.create_url()
    assert refused.value.status_code == 409

    first.upload()
    done = requests.post(live_server.uploads_url(), headers={
        **auth(world), "Upload-Length": str(len(photo_100k)),
        "Upload-Metadata": ",".join(second.encode_metadata())})
    assert done.status_code == 201 and done.headers["Upload-Offset"] == str(len(photo_100k))
    assert upload_id(done.headers["Location"]) == upload_id(first.url)


def test_a_chunk_that_fails_its_checksum_is_460_and_not_kept(app, world, live_server,
                                                             tmp_path, photo_100k):
    path = write(tmp_path, "big.jpg", photo_100k)
    info = meta(photo_100k)
    tus = client(live_server, world)
    good = Sha256Uploader(file_path=str(path), client=tus, chunk_size=32 * 1024,
                          metadata=info, upload_checksum=True)
    good.upload(stop_at=32 * 1024)
    garbled = LyingChecksum(file_path=str(path), client=tus, url=good.url,
                            chunk_size=32 * 1024, metadata=info, upload_checksum=True)
    with pytest.raises(TusUploadFailed) as refused:
        garbled.upload()
    assert refused.value.status_code == 460
    assert b"uploads.checksum_mismatch" in refused.value.response_content
    assert state(app, good.url)["offset"] == 32 * 1024
    assert state(app, good.url)["partial"] == 32 * 1024
    resumed = Sha256Uploader(file_path=str(path), client=tus, url=good.url,
                             chunk_size=32 * 1024, metadata=info, upload_checksum=True)
    resumed.upload()
    assert state(app, good.url)["status"] == "completed"


def test_a_whole_file_that_is_not_the_declared_sha256_is_refused(app, world, live_server):
    data = CRATE_JPG.read_bytes()
    info = {**meta(data), "sha256": sha256(b"something else")}
    uploader = client(live_server, world).uploader(file_path=str(CRATE_JPG), metadata=info)
    with pytest.raises(TusUploadFailed) as refused:
        uploader.upload()
    assert refused.value.status_code == 460
    assert b"photos.sha256_mismatch" in refused.value.response_content
    assert state(app, uploader.url) == {"offset": 0, "status": "failed",
                                        "error": "photos.sha256_mismatch", "partial": 0,
                                        "partial_exists": False, "photo_id": info["photo_id"]}
    head = requests.head(uploader.url, headers=auth(world))
    assert head.status_code == 410 and "Upload-Offset" not in head.headers
    # the phone fixes its metadata and creates again: a fresh upload replaces the refused one
    fixed = client(live_server, world).uploader(file_path=str(CRATE_JPG),
                                                metadata={**info, "sha256": sha256(data)})
    fixed.upload()
    assert fixed.url != uploader.url
    assert photo_row(app, info["photo_id"])["sha256"] == sha256(data)


def test_an_expired_upload_is_410_and_the_command_frees_its_bytes(app, world, live_server,
                                                                   tmp_path, photo_100k):
    path = write(tmp_path, "big.jpg", photo_100k)
    info = meta(photo_100k)
    uploader = client(live_server, world).uploader(file_path=str(path), chunk_size=32 * 1024,
                                                   metadata=info)
    uploader.upload(stop_at=32 * 1024)
    head = requests.head(uploader.url, headers=auth(world))
    expires = head.headers["Upload-Expires"]
    assert head.status_code == 200 and expires.endswith("GMT")
    with app.app_context():  # 31 days pass
        db.session.execute(update(Upload).values(
            expires_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    with pytest.raises(TusCommunicationError):
        client(live_server, world).uploader(file_path=str(path), url=uploader.url)
    assert requests.head(uploader.url, headers=auth(world)).status_code == 410
    patch = requests.patch(uploader.url, data=photo_100k[32 * 1024:], headers={
        **auth(world), "Upload-Offset": str(32 * 1024),
        "Content-Type": "application/offset+octet-stream"})
    assert patch.status_code == 410 and patch.json()["error"]["code"] == "uploads.expired"

    result = app.test_cli_runner().invoke(args=["uploads", "expire"])
    assert result.exit_code == 0, result.output
    assert f"expired 1 upload(s), freed {32 * 1024} bytes" in result.output
    assert state(app, uploader.url)["partial_exists"] is False
    assert requests.head(uploader.url, headers=auth(world)).status_code == 410
    assert "expired 0 upload(s)" in app.test_cli_runner().invoke(
        args=["uploads", "expire"]).output
    fresh = client(live_server, world).uploader(file_path=str(path), metadata=info)
    fresh.upload()
    assert fresh.url != uploader.url and state(app, fresh.url)["status"] == "completed"


def test_a_patch_at_a_stale_offset_is_409_and_changes_nothing(app, world, live_server,
                                                             tmp_path, photo_100k):
    path = write(tmp_path, "big.jpg", photo_100k)
    info = meta(photo_100k)
    uploader = client(live_server, world).uploader(file_path=str(path), chunk_size=32 * 1024,
                                                   metadata=info)
    uploader.upload(stop_at=64 * 1024)
    uploader.offset = 32 * 1024  # a phone that missed the answer to its last PATCH
    with pytest.raises(TusUploadFailed) as refused:
        uploader.upload_chunk()
    assert refused.value.status_code == 409
    assert state(app, uploader.url)["offset"] == 64 * 1024
    uploader.offset = uploader.get_offset()  # what tus clients do after a 409
    uploader.upload()
    assert photo_row(app, info["photo_id"])["sha256"] == sha256(photo_100k)


def test_racing_patches_one_wins_the_loser_writes_nothing_and_head_never_waits(
        app, world, live_server, tmp_path, photo_100k):
    path = write(tmp_path, "big.jpg", photo_100k)
    info = meta(photo_100k)
    uploader = client(live_server, world).uploader(file_path=str(path), chunk_size=20_000,
                                                   metadata=info)
    url = uploader.create_url()
    release, outcome = threading.Event(), {}

    def slow_body():  # a PATCH from offset 0 whose body trickles in over a bad link
        yield b"Z" * 10_000
        release.wait(10)
        yield b"Z" * 10_000

    def slow_patch():
        outcome["response"] = requests.patch(url, data=slow_body(), headers={
            **auth(world), "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"})

    slow = threading.Thread(target=slow_patch)
    slow.start()
    time.sleep(0.3)
    started = time.monotonic()
    head = requests.head(url, headers=auth(world))
    assert head.status_code == 200 and head.headers["Upload-Offset"] == "0"
    assert time.monotonic() - started < 2 and slow.is_alive()  # answered, not waited

    uploader.set_url(url)
    uploader.upload_chunk()  # the phone's real PATCH from offset 0 wins
    assert uploader.offset == 20_000
    release.set()
    slow.join(10)
    assert outcome["response"].status_code == 409
    assert outcome["response"].headers["Upload-Offset"] == "20000"
    assert outcome["response"].headers["Tus-Resumable"] == "1.0.0"
    with app.app_context():
        partial = PhotoStore(app.config["PHOTO_DIR"]).partial_path(upload_id(url))
        assert partial.read_bytes() == photo_100k[:20_000]  # no Z landed
    uploader.upload()
    assert photo_row(app, info["photo_id"])["sha256"] == sha256(photo_100k)


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"GIF89a this is not a photo" * 10, 415, "photos.not_an_image"),
    (png_bomb(), 422, "photos.too_many_pixels"),
], ids=["not an image", "decompression bomb"])
def test_files_that_are_not_photos_are_refused(app, world, live_server, tmp_path, data,
                                               status, code):
    path = write(tmp_path, "x.bin", data)
    info = {**meta(data), "filetype": ""}
    uploader = client(live_server, world).uploader(file_path=str(path), metadata=info)
    with pytest.raises(TusUploadFailed) as refused:
        uploader.upload()
    assert refused.value.status_code == status
    assert code.encode() in refused.value.response_content
    assert state(app, uploader.url)["status"] == "failed"
    assert state(app, uploader.url)["partial_exists"] is False
    assert photo_row(app, info["photo_id"]) is None
    with app.app_context():
        refusal = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "photo.refuse"))
        assert refusal.details["reason"] == code


def add_submission(app, world, attachments, instance_id=None):
    with app.app_context():
        submission = Submission(instance_id=instance_id or f"uuid:{uuid.uuid4()}",
                                form_id="seal_check", source="json", content_hash="0" * 64,
                                raw="{}", depot_id=world.depots["NE-NMY"],
                                device_id=world.devices["inspector"],
                                user_id=world.users["inspector"])
        db.session.add(submission)
        db.session.flush()
        for name, photo_uuid in attachments:
            db.session.add(SubmissionAttachment(submission_id=submission.id, name=name,
                                                question="seal", photo_uuid=photo_uuid))
        db.session.flush()
        db.session.refresh(submission)
        link_submission_photos(db.session, submission)  # as the sync engine does
        db.session.commit()
        return submission.id


def missing(app, submission_id):
    with app.app_context():
        return [a.name for a in missing_photos(db.session.get(Submission, submission_id))]


def test_a_photo_that_arrives_before_its_submission(app, world, live_server):
    instance = f"uuid:{uuid.uuid4()}"
    info = meta(ROTATED_JPG.read_bytes(), instance_id=instance, filename="seal.jpg")
    client(live_server, world).uploader(file_path=str(ROTATED_JPG), metadata=info).upload()
    assert photo_row(app, info["photo_id"])["depot_id"] is None  # its owner is not known yet
    other = requests.get(f"{live_server.url}/api/v1/photos/{info['photo_id']}",
                         headers=auth(world, "commander"))
    assert other.status_code == 404  # seen only by the phone that sent it, until linked

    submission_id = add_submission(app, world, [("seal.jpg", None), ("crack.jpg", None)],
                                   instance_id=instance)
    assert missing(app, submission_id) == ["crack.jpg"]
    assert photo_row(app, info["photo_id"])["depot_id"] == world.depots["NE-NMY"]
    seen = requests.get(f"{live_server.url}/api/v1/photos/{info['photo_id']}",
                        headers=auth(world, "commander"))
    assert seen.status_code == 200


def test_a_photo_that_arrives_after_its_submission(app, world, live_server):
    photo_id = str(uuid.uuid4())
    submission_id = add_submission(app, world, [("seal.jpg", photo_id),
                                                ("crack.jpg", str(uuid.uuid4()))])
    assert missing(app, submission_id) == ["crack.jpg", "seal.jpg"]
    info = {**meta(CRATE_JPG.read_bytes()), "photo_id": photo_id, "filename": "seal.jpg"}
    client(live_server, world).uploader(file_path=str(CRATE_JPG), metadata=info).upload()
    assert missing(app, submission_id) == ["crack.jpg"]
    assert photo_row(app, photo_id)["depot_id"] == world.depots["NE-NMY"]


def test_many_patches_at_once_exactly_one_lands(app, world, live_server, photo_100k):
    created = requests.post(live_server.uploads_url(), headers={
        **auth(world), "Upload-Length": str(len(photo_100k)),
        "Upload-Metadata": metadata_header(meta(photo_100k))})
    url = live_server.url + created.headers["Location"]
    start, results = threading.Barrier(6), {}

    def send(n):
        start.wait()
        results[n] = requests.patch(url, data=bytes([65 + n]) * 30_000, headers={
            **auth(world), "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"}).status_code

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values()) == [204] + [409] * 5
    winner = next(n for n, status in results.items() if status == 204)
    assert state(app, url)["offset"] == 30_000
    with app.app_context():
        partial = PhotoStore(app.config["PHOTO_DIR"]).partial_path(upload_id(url))
        assert partial.read_bytes() == bytes([65 + winner]) * 30_000  # no loser's byte

"""Photos: accept a finished file (sha256, image checks, thumbnail, content-addressed storage,
dedupe) and hand it to links.py to join its submission or crate. Every door (tus, OpenRosa)
ends here. No Flask; the caller commits.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from server.errors import AppError, InvalidInput
from server.models import Device, Photo, SubmissionAttachment
from server.storage import BLOCK, PhotoStore
from sync.journal.trail import Actor, record_audit
from sync.photos.images import (
    ImageInfo,
    ImageLimits,
    PhotoRefused,
    check_image,
    write_thumbnail,
)
from sync.photos.links import attach_crate, link_arrived_photo, link_photo, printed_label

PHOTO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._-]{0,63}")
UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


class Sha256Mismatch(AppError):
    """The whole file does not hash to what the phone declared (460: tus Checksum Mismatch)."""

    status, code = 460, "photos.sha256_mismatch"


class PhotoConflict(AppError):
    status, code = 409, "photos.id_conflict"


@dataclass(frozen=True)
class PhotoIn:
    """What a door knows about a finished photo file besides its bytes."""

    photo_id: str
    filename: str = ""
    declared_sha256: str | None = None
    instance_id: str | None = None
    crate_id: str | None = None
    crate_label: str | None = None
    question: str = ""
    phone_id: str | None = None  # the id the phone gave it, when kept under another key


def is_plain_filename(name: str) -> bool:
    """A bare file name: no directories, no control characters, not . or .."""
    return (0 < len(name) <= 255 and not UNSAFE_NAME.search(name)
            and name.strip() not in (".", ".."))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class CheckedFile:
    """A finished photo file hashed, checked and, when it passed, kept in the store (fsynced)
    before any database work, so that a request's transaction is not held open for it. The
    store is content-addressed: if the transaction then fails, the file is a harmless orphan
    that the next photo with the same bytes reuses."""

    sha256: str
    size: int
    info: ImageInfo | None = None
    stored: bool = False  # False: these bytes were already in the store
    refused: PhotoRefused | None = None  # raised when the photo is kept (accept_photo)


def check_photo_file(store: PhotoStore, path_or_stream: str | os.PathLike[str] | BinaryIO, *,
                     limits: ImageLimits) -> CheckedFile:
    """Spool the file, hash it, check it and keep it in the store. No database."""
    with _spooled(store, path_or_stream) as path:
        return _check_and_keep(store, path, file_sha256(path), limits)


@contextlib.contextmanager
def _spooled(store: PhotoStore, source: str | os.PathLike[str] | BinaryIO) -> Iterator[Path]:
    """An fsynced private copy of ``source`` in the store's tmp/, copied in blocks (the
    caller's file stays theirs), removed on exit unless the store linked it."""
    with contextlib.ExitStack() as stack:
        if isinstance(source, (str, os.PathLike)):
            source = stack.enter_context(open(source, "rb"))
        spool, path = stack.enter_context(store.temp_file())
        shutil.copyfileobj(source, spool, BLOCK)
        spool.flush()
        os.fsync(spool.fileno())
        yield path


def _check_and_keep(store: PhotoStore, path: Path, sha256: str,
                    limits: ImageLimits) -> CheckedFile:
    size = path.stat().st_size
    try:
        info = check_image(path, limits)
    except PhotoRefused as exc:
        return CheckedFile(sha256, size, refused=exc)
    return CheckedFile(sha256, size, info, store.put(sha256, path))


def thumbnail_file(store: PhotoStore, sha256: str, limits: ImageLimits) -> Path:
    """The thumbnail of stored photo ``sha256``, made the first time it is asked for: it is
    derived from the photo, so a submission does not wait for it (and a thumbnail a crash
    lost is made again)."""
    store.put_thumbnail(sha256, lambda out: write_thumbnail(store.path(sha256), out, limits))
    return store.thumbnail_path(sha256)


def store_photo_file(session: Session, store: PhotoStore,
                     source: str | os.PathLike[str] | BinaryIO | CheckedFile, *, photo_id: str,
                     filename: str, declared_sha256: str | None = None,
                     instance_id: str | None = None, crate_id: str | None = None,
                     question: str = "", device: Device | None, now: datetime,
                     label_id: str | None = None, limits: ImageLimits | None = None,
                     attachment: SubmissionAttachment | None = None) -> Photo:
    """Keep a whole photo file received in one piece (an OpenRosa multipart attachment).

    Same checks as a finished tus upload: sha256 (when declared; 460 on mismatch), Pillow
    type and pixel limits (415/422), thumbnail, storage by content hash, dedupe, linking to
    a waiting submission attachment or crate. ``crate_id`` is the crate's id, ``label_id``
    its printed label (either may name a crate not known yet). A path or stream is spooled to
    disk in blocks first; a CheckedFile (check_photo_file, before the transaction) was
    already. The same ``photo_id`` with the same bytes returns the stored photo; with
    other bytes it is a 409. ``limits`` defaults to ImageLimits(); pass the app's
    (server.wiring.image_limits()). ``attachment``: the submission attachment it arrives
    for (in the same OpenRosa POST), linked to it directly. The caller commits; on error
    nothing is written to the database (every check comes before the first write).
    """
    limits = limits or ImageLimits()
    if not PHOTO_ID.fullmatch(photo_id or ""):
        raise InvalidInput("A photo id is 1-64 letters, digits or :._- characters.",
                           photo_id=photo_id)
    if filename and not is_plain_filename(filename):
        raise InvalidInput("The file name must be a bare name, not a path.", filename=filename)
    if instance_id is not None and not PHOTO_ID.fullmatch(instance_id):
        raise InvalidInput("Not a submission instance ID.", instance_id=instance_id)
    if len(question) > 128 or UNSAFE_NAME.search(question.replace("/", "")):
        raise InvalidInput("A question name is at most 128 printable characters.")
    photo = PhotoIn(photo_id=photo_id, filename=filename, declared_sha256=declared_sha256,
                    instance_id=instance_id, crate_id=crate_id,
                    crate_label=printed_label(label_id) if label_id else None, question=question)
    if isinstance(source, CheckedFile):
        return accept_photo(session, store, store.path(source.sha256), photo, device=device,
                            limits=limits, now=now, checked=source, attachment=attachment)
    with _spooled(store, source) as path:
        return accept_photo(session, store, path, photo, device=device, limits=limits, now=now,
                            attachment=attachment)


def accept_photo(session: Session, store: PhotoStore, path: Path, photo_in: PhotoIn, *,
                 device: Device | None, limits: ImageLimits, now: datetime,
                 upload_id: str | None = None, checked: CheckedFile | None = None,
                 attachment: SubmissionAttachment | None = None) -> Photo:
    """Check the finished file at ``path`` and keep it as a photo. ``path`` is left in place
    (the store links or copies it); the caller removes it after committing. With ``checked``
    the file work was done before the transaction and ``path`` is not read. With
    ``attachment`` (the one it arrives for) it is linked to that one, not looked for."""
    sha256 = checked.sha256 if checked else file_sha256(path)
    if photo_in.declared_sha256 and photo_in.declared_sha256.lower() != sha256:
        raise Sha256Mismatch("The file's sha256 is not the one declared; it was damaged or "
                             "changed on the way. Send it again.",
                             declared=photo_in.declared_sha256, received=sha256)
    earlier = session.get(Photo, photo_in.photo_id)
    if earlier is not None:
        if earlier.sha256 == sha256:
            return earlier  # a replay: the photo is already kept
        raise PhotoConflict("Another file was already stored under this photo id.",
                            photo_id=photo_in.photo_id)
    checked = checked or _check_and_keep(store, path, sha256, limits)
    if checked.refused is not None:
        raise checked.refused
    info = checked.info
    photo = Photo(id=photo_in.photo_id, sha256=sha256, content_type=info.content_type,
                  size=checked.size, width=info.width, height=info.height,
                  filename=photo_in.filename, instance_id=photo_in.instance_id,
                  crate_label=photo_in.crate_label, question=photo_in.question,
                  device_id=device.id if device else None, created_at=now)
    attach_crate(session, photo, photo_in.crate_id)
    session.add(photo)
    if attachment is not None:
        link_photo(session, attachment, photo)
    else:
        session.flush()
        link_arrived_photo(session, photo, photo_in.phone_id)
    record_audit(session, Actor(device.user_id if device else None, device.id if device else None),
                 "photo.accept", now=now, entity="photo", entity_id=photo.id,
                 country_code=device.user.country_code if device else None,
                 depot_id=photo.depot_id,
                 details={"sha256": sha256, "size": photo.size, "type": info.content_type,
                          "upload": upload_id, "duplicate_bytes": not checked.stored})
    return photo


# -- linking ------------------------------------------------------------------------------



"""Photos: accept a finished file (sha256, image checks, thumbnail, content-addressed storage,
dedupe), link it to its submission or crate whichever arrives first, and say which depot it
belongs to. Every door (tus, OpenRosa) ends here. No Flask; the caller commits.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from server.errors import AppError, InvalidInput, NotFound
from server.models import Crate, Depot, Device, Photo, Submission, SubmissionAttachment
from server.storage import BLOCK, PhotoStore
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit
from sync.labels.ids import parse_label
from sync.photos.images import ImageLimits, check_image, write_thumbnail

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


@dataclass(frozen=True)
class Owner:
    """Something a photo claims to belong to, as access.check_photo judges it."""

    depot: Depot | None
    device_id: str | None


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


def store_photo_file(session: Session, store: PhotoStore, path_or_stream: str | os.PathLike[str]
                     | BinaryIO, *, photo_id: str, filename: str,
                     declared_sha256: str | None = None, instance_id: str | None = None,
                     crate_id: str | None = None, question: str = "", device: Device | None,
                     now: datetime, label_id: str | None = None,
                     limits: ImageLimits | None = None) -> Photo:
    """Keep a whole photo file received in one piece (an OpenRosa multipart attachment).

    Same checks as a finished tus upload: sha256 (when declared; 460 on mismatch), Pillow
    type and pixel limits (415/422), thumbnail, storage by content hash, dedupe, linking to
    a waiting submission attachment or crate. ``crate_id`` is the crate's id, ``label_id``
    its printed label (either may name a crate not known yet). A stream is spooled to disk in
    blocks first. The same ``photo_id`` with the same bytes returns the stored photo; with
    other bytes it is a 409. ``limits`` defaults to ImageLimits(); pass the app's
    (server.api.uploads.upload_limits().image). The caller commits; on error nothing is
    written to the database.
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
                    crate_label=_label(label_id) if label_id else None, question=question)
    with contextlib.ExitStack() as stack:
        source = path_or_stream
        if isinstance(source, (str, os.PathLike)):  # copied: the caller's file stays theirs
            source = stack.enter_context(open(source, "rb"))
        spool, spool_path = stack.enter_context(store.temp_file())
        shutil.copyfileobj(source, spool, BLOCK)
        spool.flush()
        os.fsync(spool.fileno())
        return accept_photo(session, store, spool_path, photo, device=device, limits=limits,
                            now=now)


def accept_photo(session: Session, store: PhotoStore, path: Path, photo_in: PhotoIn, *,
                 device: Device | None, limits: ImageLimits, now: datetime,
                 upload_id: str | None = None) -> Photo:
    """Check the finished file at ``path`` and keep it as a photo. ``path`` is left in place
    (the store links or copies it); the caller removes it after committing."""
    sha256 = file_sha256(path)
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
    info = check_image(path, limits)
    store.put_thumbnail(sha256, lambda out: write_thumbnail(path, out, limits))
    stored = store.put(sha256, path)

    photo = Photo(id=photo_in.photo_id, sha256=sha256, content_type=info.content_type,
                  size=path.stat().st_size, width=info.width, height=info.height,
                  filename=photo_in.filename, instance_id=photo_in.instance_id,
                  crate_label=photo_in.crate_label, question=photo_in.question,
                  device_id=device.id if device else None, created_at=now)
    _attach_crate(session, photo, photo_in.crate_id)
    session.add(photo)
    session.flush()
    _link_arrived_photo(session, photo)
    record_audit(session, Actor(device.user_id if device else None, device.id if device else None),
                 "photo.accept", now=now, entity="photo", entity_id=photo.id,
                 country_code=device.user.country_code if device else None,
                 depot_id=photo.depot_id,
                 details={"sha256": sha256, "size": photo.size, "type": info.content_type,
                          "upload": upload_id, "duplicate_bytes": not stored})
    return photo


def link_submission_photos(session: Session, submission: Submission) -> None:
    """Attach the photos that already arrived to a just-stored submission's attachments: by
    the phone's photo UUID when the attachment names one, else by (instance ID, file name).
    Attachments whose photo has not come yet stay empty; it links itself when it arrives."""
    waiting = [a for a in submission.attachments if a.photo_id is None]
    if not waiting:
        return
    uuids = [_photo_key(a.photo_uuid) for a in waiting if a.photo_uuid]
    names = [a.name for a in waiting if not a.photo_uuid]
    by_uuid = {p.id: p for p in session.scalars(select(Photo).where(Photo.id.in_(uuids)))}
    by_name: dict[str, Photo] = {}
    if names:
        for p in session.scalars(select(Photo).where(
                Photo.instance_id == submission.instance_id, Photo.filename.in_(names))
                .order_by(Photo.created_at, Photo.id)):
            by_name[p.filename] = p  # the latest photo under a name wins
    for attachment in waiting:
        photo = (by_uuid.get(_photo_key(attachment.photo_uuid)) if attachment.photo_uuid
                 else by_name.get(attachment.name))
        if photo is not None:
            _link(session, attachment, submission, photo)


def missing_photos(submission: Submission) -> list[SubmissionAttachment]:
    """The attachments of a submission whose photo has not arrived yet."""
    return [a for a in submission.attachments if a.photo_id is None]


def photo_depot_id(session: Session, photo: Photo) -> int | None:
    """The depot a photo belongs to: its own once linked, else its crate's (by id or label) or
    its submission's. None while nothing it belongs to has arrived: such a photo is seen only
    by the device that sent it (access.check_photo)."""
    if photo.depot_id is not None:
        return photo.depot_id
    crate = _crate(session, photo.crate_id, photo.crate_label)
    if crate is not None and _may_link(session, photo, crate.depot_id, None):
        return crate.depot_id
    if photo.instance_id:
        submission = session.scalar(select(Submission).where(
            Submission.instance_id == photo.instance_id))
        if submission is not None and submission.depot_id is not None and _may_link(
                session, photo, submission.depot_id, submission.device_id):
            return submission.depot_id
    return None


def claimed_owners(session: Session, *, label_id: str | None,
                   instance_id: str | None) -> list[Owner]:
    """What a photo about to be sent says it belongs to, for the door to authorize: a known
    crate's depot, or for a label not registered yet the depot its prefix names; a known
    submission's depot (or device, when it has no depot). Unknown owners add nothing."""
    owners = []
    if label_id:
        label = parse_label(_label(label_id))
        crate = _crate(session, None, str(label))
        if crate is not None:
            owners.append(Owner(crate.depot, None))
        else:
            depot = session.scalar(select(Depot).where(Depot.country_code == label.country,
                                                       Depot.code == label.depot))
            if depot is None:
                raise NotFound(f"No crate {label_id!r}.", label_id=label_id)
            owners.append(Owner(depot, None))
    if instance_id:
        submission = session.scalar(select(Submission).where(
            Submission.instance_id == instance_id))
        if submission is not None:
            owners.append(Owner(submission.depot, submission.device_id))
    return owners


# -- linking ------------------------------------------------------------------------------

def _link_arrived_photo(session: Session, photo: Photo) -> None:
    """A photo just arrived: fill the attachments that were waiting for it."""
    # phones spell UUIDs in either case (iOS upper, Android lower); tus keys are lower case
    match = SubmissionAttachment.photo_uuid.in_({photo.id, photo.id.upper()})
    if photo.instance_id and photo.filename:
        match = or_(match, and_(SubmissionAttachment.photo_uuid.is_(None),
                                Submission.instance_id == photo.instance_id,
                                SubmissionAttachment.name == photo.filename))
    waiting = session.execute(
        select(SubmissionAttachment, Submission).join(Submission)
        .where(SubmissionAttachment.photo_id.is_(None), match)
        .order_by(SubmissionAttachment.id)).all()
    for attachment, submission in waiting:
        _link(session, attachment, submission, photo)


def _link(session: Session, attachment: SubmissionAttachment, submission: Submission,
          photo: Photo) -> None:
    if not _may_link(session, photo, submission.depot_id, submission.device_id):
        return
    attachment.photo_id = photo.id
    if photo.instance_id is None:
        photo.instance_id = submission.instance_id
    if photo.depot_id is None:
        photo.depot_id = submission.depot_id
    if not photo.question:
        photo.question = attachment.question
    session.flush()


def _attach_crate(session: Session, photo: Photo, crate_id: str | None) -> None:
    crate = _crate(session, crate_id, photo.crate_label)
    if crate is not None and _may_link(session, photo, crate.depot_id, None):
        photo.crate_id, photo.crate_label, photo.depot_id = crate.id, crate.label_id, crate.depot_id


def _may_link(session: Session, photo: Photo, depot_id: int | None,
              owner_device_id: str | None) -> bool:
    """A phone's photo joins only what its user could have photographed: a depot in their
    scope, or, for a record with no depot, one sent by the same user. Country is a hard
    boundary even for a photo UUID that leaked."""
    if photo.device_id is None or photo.device_id == owner_device_id:
        return True
    sender = session.get(Device, photo.device_id)
    if sender is None:
        return False
    if depot_id is None:
        owner = session.get(Device, owner_device_id) if owner_device_id else None
        return owner is not None and owner.user_id == sender.user_id
    depot = session.get(Depot, depot_id)
    return Principal.of_user(sender.user, sender).sees_depot(depot.id, depot.country_code)


def _photo_key(photo_uuid: str) -> str:
    """A photo UUID as the tus door keys photos (canonical lower case); other ids as given."""
    try:
        return str(uuid.UUID(photo_uuid))
    except ValueError:
        return photo_uuid


def _crate(session: Session, crate_id: str | None, label: str | None) -> Crate | None:
    if crate_id:
        return session.get(Crate, crate_id)
    if label:
        return session.scalar(select(Crate).where(Crate.label_id == label))
    return None


def _label(label_id: str) -> str:
    try:
        return str(parse_label(label_id))
    except ValueError:
        raise InvalidInput(f"{label_id!r} is not a crate label ID.", label_id=label_id) from None


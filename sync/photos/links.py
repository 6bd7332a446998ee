"""Photos and what they belong to: a submission's attachments, a crate, a depot. Linked in
whichever order they arrive, and only where the phone that sent the photo may see."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from server.errors import InvalidInput, NotFound
from server.models import Crate, Depot, Device, Photo, Submission, SubmissionAttachment, Upload
from sync.access.principal import Principal
from sync.labels.ids import parse_label


def photo_key(session: Session, country: str | None, photo_id: str) -> str:
    """The key a phone's photo id is kept under: the id itself, unless a phone of another
    country holds it (a photo, or an upload on its way); then one of this country's own
    (country_key). So a phone learns nothing of other countries' photo ids by the answer it
    gets, and a photo id claimed in one country neither blocks nor takes the photo another
    country's phone sends under it."""
    holder = session.scalar(select(Photo.device_id).where(Photo.id == photo_id))
    if holder is None:
        holder = session.scalar(select(Upload.device_id).where(Upload.photo_id == photo_id))
    device = session.get(Device, holder) if holder else None
    if country is None or device is None or device.user.country_code in (None, country):
        return photo_id
    return country_key(country, photo_id)


def country_key(country: str, photo_id: str) -> str:
    digest = hashlib.sha256(f"{country}\0{photo_id}".encode()).hexdigest()
    return f"elsewhere:{digest[:40]}"


@dataclass(frozen=True)
class Owner:
    """Something a photo claims to belong to, as access.check_photo judges it."""

    depot: Depot | None
    device_id: str | None


def link_submission_photos(session: Session, submission: Submission) -> None:
    """Attach the photos that already arrived to a just-stored submission's attachments: by
    the phone's photo UUID when the attachment names one, else by (instance ID, file name).
    Attachments whose photo has not come yet stay empty; it links itself when it arrives."""
    waiting = [a for a in submission.attachments if a.photo_id is None]
    if not waiting:
        return
    country = _country_of(session, submission)
    keys = [_photo_keys(country, a.photo_uuid) if a.photo_uuid else [] for a in waiting]
    names = [a.name for a in waiting if not a.photo_uuid]
    by_uuid = {p.id: p for p in session.scalars(select(Photo).where(
        Photo.id.in_([k for ks in keys for k in ks])))}
    by_name: dict[str, Photo] = {}
    if names:
        for p in session.scalars(select(Photo).where(
                Photo.instance_id == submission.instance_id, Photo.filename.in_(names))
                .order_by(Photo.created_at, Photo.id)):
            by_name[p.filename] = p  # the latest photo under a name wins
    for attachment, candidates in zip(waiting, keys, strict=True):
        found = ([by_uuid.get(k) for k in candidates] if attachment.photo_uuid
                 else [by_name.get(attachment.name)])
        for photo in found:
            if photo is not None and _link(session, attachment, submission, photo):
                break


def _country_of(session: Session, submission: Submission) -> str | None:
    if submission.depot_id is not None:
        return session.get(Depot, submission.depot_id).country_code
    device = session.get(Device, submission.device_id) if submission.device_id else None
    return device.user.country_code if device else None


def _photo_keys(country: str | None, photo_uuid: str) -> list[str]:
    """Where the photo an attachment names may be kept: under its id, or under the
    country's own key when another country's phone held the id first."""
    key = _photo_key(photo_uuid)
    return [key, country_key(country, key)] if country else [key]


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
        label = parse_label(printed_label(label_id))
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


def link_arrived_photo(session: Session, photo: Photo, phone_id: str | None = None) -> None:
    """A photo just arrived: fill the attachments that were waiting for it (by the id the
    phone gave it, when it is kept under another key: photo_key)."""
    # phones spell UUIDs in either case (iOS upper, Android lower); tus keys are lower case
    named = phone_id or photo.id
    match = SubmissionAttachment.photo_uuid.in_({named, named.upper()})
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


def link_photo(session: Session, attachment: SubmissionAttachment, photo: Photo) -> bool:
    """A photo that arrives for this attachment (with its submission, in one POST)."""
    return _link(session, attachment, attachment.submission, photo)


def _link(session: Session, attachment: SubmissionAttachment, submission: Submission,
          photo: Photo) -> bool:
    if not _may_link(session, photo, submission.depot_id, submission.device_id):
        return False
    attachment.photo_id = photo.id
    if photo.instance_id is None:
        photo.instance_id = submission.instance_id
    if photo.depot_id is None:
        photo.depot_id = submission.depot_id
    if not photo.question:
        photo.question = attachment.question
    session.flush()
    return True


def attach_crate(session: Session, photo: Photo, crate_id: str | None) -> None:
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


def printed_label(label_id: str) -> str:
    try:
        return str(parse_label(label_id))
    except ValueError:
        raise InvalidInput(f"{label_id!r} is not a crate label ID.", label_id=label_id) from None

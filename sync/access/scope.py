"""Authorization, decided here and nowhere else: who may do what, on which depots.

Plain Python (no Flask), used by every door: the JSON API, OpenRosa, tus, HQ pages and CLI.
Country is a hard boundary: anything outside a principal's country, or outside their depot
scope, is reported as NotFound (404), never as Forbidden, so its existence does not leak.
Forbidden (403) is for things in scope that the role may not do.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from server.errors import Forbidden, NotFound
from server.models import (
    Crate,
    Depot,
    Device,
    Role,
    Submission,
    User,
)
from sync.access.principal import Principal


def visible_depots(session: Session, principal: Principal) -> list[Depot]:
    return list(session.scalars(
        select(Depot).where(Depot.country_code == principal.country_code,
                            principal.depot_clause()).order_by(Depot.code)
        .options(selectinload(Depot.buildings))))  # lists show them: one query, not one a depot


def get_depot(session: Session, principal: Principal, code: str,
              permission: str = "inventory.read", *, country: str | None = None) -> Depot:
    """A depot by its code, in the principal's country (or in country, as a label names it),
    hidden when out of scope, forbidden when the role may not use it for permission."""
    country = country or principal.country_code
    depot = session.scalar(select(Depot).where(Depot.country_code == country,
                                               Depot.code == str(code).upper()))
    if depot is None or not principal.sees_depot(depot.id, depot.country_code):
        raise NotFound(f"No depot {code!r}.", depot=code)
    principal.require(permission)
    return depot


def get_crate(session: Session, principal: Principal, label_id: str,
              permission: str = "inventory.read") -> Crate:
    crate = session.scalar(select(Crate).where(Crate.label_id == label_id))
    if (crate is None or crate.deleted_at is not None
            or not principal.sees_depot(crate.depot_id, crate.depot.country_code)):
        raise NotFound(f"No crate {label_id!r}.", label_id=label_id)
    principal.require(permission)
    return crate


def get_in_scope(session: Session, principal: Principal, model: type, record_id: str,
                 permission: str, name: str):
    """A record that belongs to a depot (conflict, discrepancy…), or NotFound when it is
    unknown or outside the principal's scope; Forbidden when the role may not."""
    record = session.get(model, record_id)
    depot = record and session.get(Depot, record.depot_id)
    if record is None or not principal.sees_depot(depot.id, depot.country_code):
        raise NotFound(f"No such {name}.", **{f"{name}_id": record_id})
    principal.require(permission)
    return record


def check_depot(principal: Principal, depot: Depot, permission: str) -> None:
    """For a depot already loaded: hidden if out of scope, forbidden if the role may not."""
    if not principal.sees_depot(depot.id, depot.country_code):
        raise NotFound("Not found.")
    principal.require(permission)


def check_photo(principal: Principal, depot: Depot | None, sender_device_id: str | None,
                permission: str = "inventory.read") -> None:
    """A photo is seen through the depot it belongs to. While nothing it belongs to is known
    (phones send photos before their submission), only the device that sent it sees it."""
    if depot is None:
        if principal.device_id is None or principal.device_id != sender_device_id:
            raise NotFound("Not found.")
    elif not principal.sees_depot(depot.id, depot.country_code):
        raise NotFound("Not found.")
    principal.require(permission)


# --- HQ pages: inspections, photos, people and their devices -------------------------------

def submission_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL restricting Submission rows to those this principal may list: submissions of its
    depots (all of them, or only its own for an inspector); a submission that named no depot
    is seen by its author and by the country-wide roles of the author's country."""
    if not (principal.can("inspections.read") or principal.can("inspections.read_own")):
        raise Forbidden(f"A {principal.role.value} may not read inspections.",
                        permission="inspections.read")
    depots = select(Depot.id).where(Depot.country_code == principal.country_code,
                                    principal.depot_clause())
    authors = select(User.id).where(User.country_code == principal.country_code)
    no_depot = Submission.depot_id.is_(None) & (
        Submission.user_id.in_(authors) if principal.depot_ids is None
        else Submission.user_id == principal.user_id)
    clause = Submission.depot_id.in_(depots) | no_depot
    if not principal.can("inspections.read"):
        clause = clause & (Submission.user_id == principal.user_id)
    return clause


def sees_submission(principal: Principal, submission: Submission) -> bool:
    if submission.depot is not None:
        return principal.sees_depot(submission.depot_id, submission.depot.country_code)
    author = submission.user
    return author is not None and author.country_code == principal.country_code and (
        principal.depot_ids is None or author.id == principal.user_id)


def get_submission(session: Session, principal: Principal, submission_id: str) -> Submission:
    """An inspection for HQ pages: hidden out of scope; an inspector reads only their own."""
    found = session.get(Submission, submission_id)
    if found is None or not sees_submission(principal, found):
        raise NotFound("No such inspection.", submission_id=submission_id)
    if not principal.can("inspections.read") and not (
            principal.can("inspections.read_own") and found.user_id == principal.user_id):
        raise Forbidden(f"A {principal.role.value} reads only their own inspections.",
                        permission="inspections.read")
    return found


def sees_user(principal: Principal, user: User) -> bool:
    """Someone of the principal's country who shares one of its depots (or any, country-wide)."""
    if user.country_code != principal.country_code:
        return False
    if principal.depot_ids is None or user.id == principal.user_id:
        return True
    return any(d.id in principal.depot_ids for d in user.depots)


def manages_user(principal: Principal, user: User) -> bool:
    """Who may enrol and revoke phones for whom. Enrolling shows the new token, which acts as
    its user: so a commander manages only themselves and inspectors wholly inside their depots
    (never another approver, which would defeat the two-person rule); an administrator anyone
    of the country."""
    if not principal.can("devices.manage") or not sees_user(principal, user):
        return False
    if principal.depot_ids is None or user.id == principal.user_id:
        return True
    depots = {d.id for d in user.depots}
    return Role(user.role) is Role.INSPECTOR and bool(depots) and depots <= principal.depot_ids


def get_user(session: Session, principal: Principal, user_id: int) -> User:
    """A user whose phones this principal manages: hidden out of scope, forbidden otherwise."""
    user = session.get(User, user_id)
    if user is None or not sees_user(principal, user):
        raise NotFound("No such user.", user_id=user_id)
    if not manages_user(principal, user):
        raise Forbidden("You may not manage this user's devices.", permission="devices.manage")
    return user


def get_device(session: Session, principal: Principal, device_id: str) -> Device:
    """A device the principal may revoke: its own, or one of a user it manages."""
    device = session.get(Device, device_id)
    if device is None or not sees_user(principal, device.user):
        raise NotFound("No such device.", device_id=device_id)
    if device.user_id == principal.user_id:
        principal.require("devices.own")
    elif not manages_user(principal, device.user):
        raise Forbidden("You may not manage this device.", permission="devices.manage")
    return device

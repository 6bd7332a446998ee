"""Authorization, decided here and nowhere else: who may do what, on which depots.

Plain Python (no Flask), used by every door: the JSON API, OpenRosa, tus, HQ pages and CLI.
Country is a hard boundary: anything outside a principal's country, or outside their depot
scope, is reported as NotFound (404), never as Forbidden, so its existence does not leak.
Forbidden (403) is for things in scope that the role may not do.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from server.errors import Forbidden, NotFound
from server.models import Crate, Depot, Device, Role, User

# what each role may do inside its scope
PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.INSPECTOR: frozenset({"inventory.read", "sync.push", "photos.upload"}),
    Role.COMMANDER: frozenset({"inventory.read", "sync.push", "photos.upload", "labels.print",
                               "review.read", "discrepancies.close", "conflicts.resolve",
                               "ledger.approve", "devices.manage"}),
    Role.REVIEWER: frozenset({"inventory.read", "review.read", "conflicts.resolve",
                              "discrepancies.close", "ledger.approve", "export"}),
    Role.ADMIN: frozenset({"inventory.read", "review.read", "conflicts.resolve",
                           "discrepancies.close", "ledger.approve", "export", "labels.print",
                           "devices.manage", "users.manage"}),
}
COUNTRY_WIDE = {Role.REVIEWER, Role.ADMIN}


@dataclass(frozen=True)
class Principal:
    """Someone acting: a user, possibly through a device. depot_ids None = the whole country."""

    user_id: int
    username: str
    role: Role
    country_code: str
    depot_ids: frozenset[int] | None
    device_id: str | None = None

    @classmethod
    def of_user(cls, user: User, device: Device | None = None) -> Principal:
        role = Role(user.role)
        depots = None if role in COUNTRY_WIDE else frozenset(d.id for d in user.depots)
        return cls(user_id=user.id, username=user.username, role=role,
                   country_code=user.country_code, depot_ids=depots,
                   device_id=device.id if device is not None else None)

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"A {self.role.value} may not do this.", permission=permission)

    def sees_depot(self, depot_id: int, country_code: str) -> bool:
        return country_code == self.country_code and (
            self.depot_ids is None or depot_id in self.depot_ids)

    def depot_clause(self, depot_id_column=Depot.id) -> ColumnElement[bool]:
        """SQL restricting a depot id column to this principal's depots (within the country
        when the caller also filters Depot.country_code)."""
        if self.depot_ids is None:
            return true()
        return depot_id_column.in_(sorted(self.depot_ids))


def visible_depots(session: Session, principal: Principal) -> list[Depot]:
    return list(session.scalars(
        select(Depot).where(Depot.country_code == principal.country_code,
                            principal.depot_clause()).order_by(Depot.code)))


def get_depot(session: Session, principal: Principal, code: str,
              permission: str = "inventory.read") -> Depot:
    depot = session.scalar(select(Depot).where(Depot.country_code == principal.country_code,
                                               Depot.code == code.upper()))
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

"""Who may do what: the roles' permissions, and the Principal every door builds for the person
acting (a user, perhaps through a device). Plain Python: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

from server.errors import AppError, Forbidden
from server.models import Depot, Device, Role, User

# what each role may do inside its scope
PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.INSPECTOR: frozenset({"inventory.read", "sync.push", "photos.upload",
                               "inspections.read_own", "devices.own"}),
    Role.COMMANDER: frozenset({"inventory.read", "sync.push", "photos.upload", "labels.print",
                               "review.read", "discrepancies.close", "conflicts.resolve",
                               "ledger.approve", "devices.manage", "devices.own",
                               "inspections.read", "restricted.read", "findings.manage"}),
    Role.REVIEWER: frozenset({"inventory.read", "review.read", "conflicts.resolve",
                              "discrepancies.close", "ledger.approve", "export", "devices.own",
                              "inspections.read", "restricted.read", "findings.manage",
                              "safety.manage", "programme.read"}),
    Role.ADMIN: frozenset({"inventory.read", "review.read", "conflicts.resolve",
                           "discrepancies.close", "ledger.approve", "export", "labels.print",
                           "devices.manage", "devices.own", "users.manage", "inspections.read",
                           "restricted.read", "export.restricted", "findings.manage",
                           "books.setup", "safety.manage", "programme.read",
                           "programme.manage", "indicators.release"}),
    # a body's people (no country): each issue's pages add what they may do
    Role.REGIONAL: frozenset(),
    Role.PARTNER: frozenset({"indicators.released"}),
}
# inspections.read: every inspection of the depots in scope; inspections.read_own: only the
# principal's own submissions. restricted.read: serial lists on HQ pages (audited);
# export.restricted: serial lists in exports. devices.own: list and revoke one's own phones.
# findings.manage: plan, mark done, verify and close findings.
# safety.manage: suspend lots, record their tests, decide safety review items.
# books.setup: depots, buildings, stacks, agencies, catalogues and lots.
# programme.read/manage: staff, training, depot development and indicators of the country;
# indicators.release: release a quarter's indicators to a body; indicators.released: a body
# reads what countries released to it.
# the weapon register and tracing requests (sync/register, sync/tracing)
PERMISSIONS[Role.COMMANDER] |= {"register.write"}
PERMISSIONS[Role.REVIEWER] |= {"register.alerts", "register.reports", "tracing.read",
                               "tracing.send", "tracing.answer"}
PERMISSIONS[Role.ADMIN] |= {"register.write", "register.alerts", "register.reports",
                            "tracing.read", "tracing.send", "tracing.answer"}
PERMISSIONS[Role.REGIONAL] |= {"tracing.read", "tracing.route"}
COUNTRY_WIDE = {Role.REVIEWER, Role.ADMIN}
APPROVER_ROLES = frozenset(role for role, may in PERMISSIONS.items() if "ledger.approve" in may)


# who may post each movement type (an inspector counts and reports; it posts nothing)
POSTERS = frozenset({Role.COMMANDER, Role.ADMIN})
MOVEMENT_ROLES: dict[str, frozenset[Role]] = {t: POSTERS for t in (
    "receipt", "issue", "return", "transfer_out", "transfer_in", "relocation", "adjustment",
    "loss", "theft", "found", "write_off", "destruction", "export", "condition_change",
    "marking")}


class SelfApproval(AppError):
    status, code = 422, "ledger.self_approval"


class ApprovalRequired(AppError):
    status, code = 422, "ledger.approval_required"


class MovementNotAllowed(AppError):
    status, code = 403, "ledger.movement_not_allowed"


class OwnerVerifies(AppError):
    status, code = 422, "findings.owner_verifies"


def check_second_person(originator_id: int | None, approver_id: int | None,
                        refusal: type[AppError] = SelfApproval,
                        message: str = "The approver must be someone other than the person "
                        "who proposed it.") -> None:
    """The two-person rule: whoever approves a movement or an adjustment is not whoever
    originated or proposed it; whoever verifies or closes a finding is not its owner
    (refusal=OwnerVerifies)."""
    if approver_id is not None and approver_id == originator_id:
        raise refusal(message)


def check_approver(approver: User | None, depot: Depot, originator_id: int | None) -> None:
    """The approver is a second person, active, with a role that may approve, and with that
    depot in scope (a commander approves for their own depots only; HQ roles country-wide)."""
    check_second_person(originator_id, approver.id if approver else None)
    if approver is None:
        raise ApprovalRequired("This needs an approver other than its originator.")
    role = Role(approver.role)
    in_scope = approver.country_code == depot.country_code and (
        role in COUNTRY_WIDE or depot.id in {d.id for d in approver.depots})
    if role not in APPROVER_ROLES or not approver.active or not in_scope:
        raise ApprovalRequired("The approver must be an active commander of the depot, or a "
                                 "reviewer or administrator of its country.",
                                 approver=approver.username, depot=depot.code)


def check_may_post(principal: Principal, movement_type: str) -> None:
    if principal.role not in MOVEMENT_ROLES.get(movement_type, frozenset()):
        raise MovementNotAllowed(f"A {principal.role.value} may not post a "
                                 f"{movement_type.replace('_', ' ')}.", type=movement_type)


@dataclass(frozen=True)
class Principal:
    """Someone acting: a user, possibly through a device. depot_ids None = the whole country.
    A body's user (regional body, programme partner) has no country and no depot: it sees
    nothing of any country's records, only what its own permissions open."""

    user_id: int
    username: str
    role: Role
    country_code: str | None
    depot_ids: frozenset[int] | None
    device_id: str | None = None
    body_id: int | None = None

    @classmethod
    def of_user(cls, user: User, device: Device | None = None) -> Principal:
        role = Role(user.role)
        depots = None if role in COUNTRY_WIDE else frozenset(d.id for d in user.depots)
        if user.country_code is None:
            depots = frozenset()
        return cls(user_id=user.id, username=user.username, role=role,
                   country_code=user.country_code, depot_ids=depots,
                   device_id=device.id if device is not None else None, body_id=user.body_id)

    @property
    def in_country(self) -> bool:
        """A country's staff (False for a body's user)."""
        return self.country_code is not None

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"A {self.role.value} may not do this.", permission=permission)

    def sees_depot(self, depot_id: int, country_code: str) -> bool:
        return self.in_country and country_code == self.country_code and (
            self.depot_ids is None or depot_id in self.depot_ids)

    def depot_clause(self, depot_id_column=Depot.id) -> ColumnElement[bool]:
        """SQL restricting a depot id column to this principal's depots (within the country
        when the caller also filters Depot.country_code)."""
        if self.depot_ids is None:
            return true()
        return depot_id_column.in_(sorted(self.depot_ids))

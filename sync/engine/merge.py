"""Three-way merge of one crate by field policy. Pure: no database.

identity (label, lot, kind, quantity) never merges automatically; custody and location apply
only if the server value still equals the phone's base; lifecycle status only moves forward;
notes append; tag sets union. Whatever cannot merge is returned as a conflict and the master
keeps its value.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from server.models.inventory import CRATE_STATUS_ORDER, CrateStatus


class Policy(enum.Enum):
    IDENTITY = "identity"
    CUSTODY = "custody"
    LIFECYCLE = "lifecycle"
    APPEND = "append"
    SET = "set"


CRATE_POLICIES: dict[str, Policy] = {
    "label_id": Policy.IDENTITY, "kind": Policy.IDENTITY, "lot": Policy.IDENTITY,
    "quantity": Policy.IDENTITY,
    "location": Policy.CUSTODY, "seal_number": Policy.CUSTODY, "category": Policy.CUSTODY,
    "condition": Policy.CUSTODY,
    "status": Policy.LIFECYCLE,
    "notes": Policy.APPEND,
    "tags": Policy.SET,
}
# what a crate is and holds: changed only by relabelling or by the ledger, never by a merge
# or by resolving a conflict
IDENTITY_FIELDS = frozenset(f for f, p in CRATE_POLICIES.items() if p is Policy.IDENTITY)
MISSING = object()
NOTES_MAX = 10_000  # characters a crate's notes keep


@dataclass(frozen=True)
class Merge:
    values: dict[str, Any] = field(default_factory=dict)  # fields to write
    conflicts: dict[str, str] = field(default_factory=dict)  # field -> reason


def merge_fields(base: Mapping[str, Any], server: Mapping[str, Any], phone: Mapping[str, Any],
                 *, base_is_current: bool,
                 policies: Mapping[str, Policy] = CRATE_POLICIES) -> Merge:
    """Merge the fields a phone set. `base` holds what the phone saw when it made the change;
    when `base_is_current` the phone saw the master as it is now."""
    values: dict[str, Any] = {}
    conflicts: dict[str, str] = {}
    for name, mine in phone.items():
        ours = server.get(name)
        theirs_base = server.get(name) if base_is_current else base.get(name, MISSING)
        outcome = _merge_one(policies[name], theirs_base, ours, mine)
        if isinstance(outcome, Refused):
            conflicts[name] = outcome.reason
        elif outcome is not MISSING and outcome != ours:
            values[name] = outcome
    return Merge(values=values, conflicts=conflicts)


@dataclass(frozen=True)
class Refused:
    reason: str


def _merge_one(policy: Policy, base: Any, server: Any, phone: Any) -> Any:
    """The value to keep, MISSING for no change, or Refused(reason)."""
    if policy is Policy.IDENTITY:
        return MISSING if phone == server else Refused("identity")
    if policy is Policy.CUSTODY:
        if phone == server:
            return MISSING
        return phone if base == server else Refused("changed_since_base")
    if policy is Policy.LIFECYCLE:
        rank = CRATE_STATUS_ORDER
        phone_s, server_s = CrateStatus(phone), CrateStatus(server)
        if base is not MISSING and base is not None and rank[phone_s] < rank[CrateStatus(base)]:
            return Refused("backward")
        return phone if rank[phone_s] > rank[server_s] else MISSING
    if policy is Policy.APPEND:
        return _append(base, server, phone)
    if policy is Policy.SET:
        before = set(base) if isinstance(base, list | tuple | set) else set()
        merged = (set(server or ()) | (set(phone) - before)) - (before - set(phone))
        return sorted(merged)
    raise ValueError(policy)


def _append(base: Any, server: str | None, phone: str | None) -> Any:
    server, phone = server or "", phone or ""
    base = base if isinstance(base, str) else ""
    added = phone[len(base):] if phone.startswith(base) else phone
    added = added.strip()
    if not added or server.endswith(added):
        return MISSING
    return keep_recent(f"{server}\n{added}" if server else added)


def keep_recent(notes: str) -> str:
    """Notes over NOTES_MAX keep their most recent part, from a line start where one is
    near, so the notes a phone was shown plus a line always fit again."""
    if len(notes) <= NOTES_MAX:
        return notes
    tail = notes[-NOTES_MAX:]
    cut = tail.find("\n")
    return tail[cut + 1:] if 0 <= cut < 1000 else tail

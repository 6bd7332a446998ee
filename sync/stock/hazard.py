"""UN explosive classification: which hazard division / compatibility group pairs exist."""

from __future__ import annotations

from server.errors import InvalidInput
from server.models.inventory import HAZARD_GROUPS


class HazardInvalid(InvalidInput):
    code = "inventory.hazard_invalid"


def check_hazard(division: str, group: str) -> str:
    """Return the classification code ("1.4S") or raise HazardInvalid saying why."""
    division, group = (division or "").strip(), (group or "").strip().upper()
    if division not in HAZARD_GROUPS:
        raise HazardInvalid(f"Hazard division {division!r} does not exist (1.1 to 1.6).",
                            hazard_division=division)
    if group not in HAZARD_GROUPS[division] or len(group) != 1:
        raise HazardInvalid(
            f"{division}{group} is not a valid UN classification: division {division} allows "
            f"compatibility groups {', '.join(HAZARD_GROUPS[division])}.",
            hazard_division=division, compatibility_group=group)
    return division + group

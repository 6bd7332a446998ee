"""Explosive limits and storage mixing, as plain rules (the books apply them: magazines.py).

Mixed hazard divisions. Rule "collective" (the default): when explosives of several hazard
divisions share a building, the whole is treated as one collective division and its total
NEQ (every division's NEQ added up) is held against the ELL of that division. The collective
division of two divisions is read from the precedence table of the Australian Explosives
Code, as reproduced in the NSW Explosives Regulation 2005, cl. 78 ("Determination of
precedence of hazard division"), and of more than two by folding the table pair by pair
(cl. 78(3)). It follows the UN order of precedence 1.1 > 1.5 > 1.2 > 1.3 > 1.6 > 1.4, except
that 1.2 with 1.3 is 1.1. Rule "separate": each division's NEQ against its own ELL, for a
country whose licences already allow for the mix. The rule is the country's setting
`ell_aggregation`.

Compatibility groups. The storage mixing chart of IATG 01.50 (UN SaferGuard, 2nd ed. 2015,
§7 "Storage compatibility", mixing table, from NATO AASTP-1): the groups each group may share
a building with. The chart's conditional cells (C, D, E with G or N, under conditions set by
the national authority) are encoded as allowed; A, K and L each stay alone; S goes with
anything but A, K and L. A country overrides rows with `cg_mixing` ({"G": "CDEGS", …}); a
pair is allowed only when both rows allow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from itertools import combinations

DIVISIONS = ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6")
# NSW Explosives Regulation 2005 cl. 78(2): row, column -> collective division
_PRECEDENCE = (
    ("1.1", "1.1", "1.1", "1.1", "1.1", "1.1"),
    ("1.1", "1.2", "1.1", "1.2", "1.1", "1.2"),
    ("1.1", "1.1", "1.3", "1.3", "1.1", "1.3"),
    ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6"),
    ("1.1", "1.1", "1.1", "1.5", "1.5", "1.5"),
    ("1.1", "1.2", "1.3", "1.6", "1.5", "1.6"),
)
PRECEDENCE: dict[tuple[str, str], str] = {
    (a, b): _PRECEDENCE[i][j] for i, a in enumerate(DIVISIONS) for j, b in enumerate(DIVISIONS)}

# IATG 01.50 §7 storage mixing chart: group -> the groups it may be stored with
MIXING: dict[str, str] = {
    "A": "A",
    "B": "BS",
    "C": "CDEGNS",
    "D": "CDEGNS",
    "E": "CDEGNS",
    "F": "FS",
    "G": "CDEGS",
    "H": "HS",
    "J": "JS",
    "K": "K",
    "L": "L",
    "N": "CDENS",
    "S": "BCDEFGHJNS",
}
AGGREGATIONS = ("collective", "separate")
POLICIES = ("warn", "block")
NEAR_LIMIT = Decimal("0.9")  # a building at 90 % of an ELL or more is "near its limit"


@dataclass(frozen=True)
class Excess:
    """An ELL exceeded: the division it is held against, its limit and the NEQ there."""

    division: str
    limit_kg: Decimal
    neq_kg: Decimal
    divisions: tuple[str, ...]  # what was added up (more than one under "collective")


def collective_division(divisions: Iterable[str]) -> str | None:
    """The one division a mix of divisions is treated as (None for no explosives)."""
    present = sorted(set(divisions))
    return reduce(lambda a, b: PRECEDENCE[(a, b)], present) if present else None


def held_against(neq_by_division: Mapping[str, Decimal],
                 rule: str = "collective") -> dict[str, tuple[Decimal, tuple[str, ...]]]:
    """The NEQ each ELL is held against: division -> (NEQ, divisions added up)."""
    present = {d: Decimal(q) for d, q in neq_by_division.items() if Decimal(q) > 0}
    if rule == "separate" or len(present) < 2:
        return {d: (q, (d,)) for d, q in sorted(present.items())}
    if rule != "collective":
        raise ValueError(f"unknown aggregation rule {rule!r}")
    return {collective_division(present): (sum(present.values(), Decimal(0)),
                                           tuple(sorted(present)))}


def excesses(neq_by_division: Mapping[str, Decimal], ell_kg: Mapping[str, float | str],
             rule: str = "collective") -> list[Excess]:
    """The ELLs a building's load exceeds. A division its licence does not name has a
    limit of zero; a building with no ELL at all has none on record (see magazines.py)."""
    found = []
    for division, (neq, added) in held_against(neq_by_division, rule).items():
        limit = Decimal(str(ell_kg.get(division, 0)))
        if neq > limit:
            found.append(Excess(division, limit, neq, added))
    return found


def mixing_table(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    table = dict(MIXING)
    for group, allowed in (overrides or {}).items():
        if group in table and isinstance(allowed, str):
            table[group] = "".join(sorted(set(allowed.upper()) & set(MIXING)))
    return table


def compatible(a: str, b: str, table: Mapping[str, str] = MIXING) -> bool:
    return b in table.get(a, "") and a in table.get(b, "")


def incompatible_pairs(groups: Iterable[str],
                       table: Mapping[str, str] = MIXING) -> list[tuple[str, str]]:
    """Every pair of groups present that may not share a building, sorted."""
    return [(a, b) for a, b in combinations(sorted(set(groups)), 2)
            if not compatible(a, b, table)]


def not_licensed(groups: Iterable[str], cgs_allowed: str) -> list[str]:
    """Groups present that the building's licence does not list (when it lists any)."""
    allowed = {c for c in (cgs_allowed or "").upper() if c.isalpha()}
    return sorted(set(groups) - allowed) if allowed else []


def country_rules(settings: Mapping) -> tuple[str, str, dict[str, str]]:
    """(policy, aggregation rule, mixing table) from a country's settings; block and
    collective unless it chose otherwise."""
    policy = settings.get("ell_policy") if settings.get("ell_policy") in POLICIES else "block"
    rule = settings.get("ell_aggregation")
    return (policy, rule if rule in AGGREGATIONS else "collective",
            mixing_table(settings.get("cg_mixing")))

"""The programme's indicators, computed from the records (never typed in), for a depot, an
agency or a whole country over one quarter. Quarters run on UTC dates: 2026Q3 is 1 July to
30 September. What each counts:

- plans current: depots whose security plan and risk assessment are dated within
  `plan_valid_days` (country setting, 365) before the quarter's end, and not after it;
- RRPL: each depot's baseline against its last scored visit started by the quarter's end;
- findings closed on time: of the findings due in the quarter, those closed by their due date;
- stock-check accuracy: lines that matched the book over lines counted, checks done in it;
- losses and thefts, surplus destroyed: vouchers of the quarter and the items on them
  (rounds and weapons);
- weapons: held at the depots when computed (a stolen, destroyed or exported one is not),
  those with a national marking, and those marked during the quarter (marking vouchers);
- trained: distinct staff who passed a course of each competence ending in the quarter, and
  those holding it at the quarter's end;
- works handed over in the quarter; depots with works handed over by its end; SOPs adopted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy.orm import Session

from server.models.programme import Competence
from sync.programme.figures import CLOSED, CountryRecords, DepotParts, StaffParts, load_records
from sync.programme.periods import Period, Quarter, Year, parse_period, quarters

__all__ = ["CLOSED", "Indicators", "Period", "Quarter", "Scope", "Year", "compute",
           "parse_period", "quarters", "summarise"]


@dataclass(frozen=True)
class Scope:
    """What the figures cover: a country, one agency of it, or one depot. An agency's staff
    are those of the agency or posted at its depots."""

    country_code: str
    agency_id: int | None = None
    depot_id: int | None = None

    def depot_ids(self, records: CountryRecords) -> list[int]:
        return [i for i, (d, _p) in records.depots.items()
                if (self.depot_id is None or i == self.depot_id)
                and (self.agency_id is None or d.agency_id == self.agency_id)]

    def has(self, staff: StaffParts, depot_ids: list[int]) -> bool:
        if self.depot_id is not None:
            return staff.depot_id == self.depot_id
        if self.agency_id is not None:
            return staff.agency_id == self.agency_id or staff.depot_id in depot_ids
        return True


@dataclass
class Indicators:
    period: str
    depots: int = 0
    plans_current: int = 0
    baselined: int = 0
    rrpl_baseline: float | None = None  # mean over depots with a baseline
    rrpl_now: float | None = None  # mean of the same depots' last visits
    rrpl_improved: int = 0
    findings_due: int = 0
    findings_on_time: int = 0
    check_lines: int = 0
    check_matched: int = 0
    losses: int = 0  # loss and theft vouchers
    items_lost: int = 0
    destructions: int = 0
    items_destroyed: int = 0
    weapons_registered: int = 0
    weapons_marked: int = 0
    marked_in_period: int = 0
    trained: dict[str, int] = field(default_factory=dict)  # competence -> passed in period
    qualified: dict[str, int] = field(default_factory=dict)  # competence -> holding at end
    works_handed_over: int = 0
    depots_rehabilitated: int = 0
    sops_adopted: int = 0  # national SOP versions adopted by the period's end
    depots_with_sop: int = 0

    @property
    def plans_share(self) -> float | None:
        return _share(self.plans_current, self.depots)

    @property
    def on_time_share(self) -> float | None:
        return _share(self.findings_on_time, self.findings_due)

    @property
    def accuracy(self) -> float | None:
        return _share(self.check_matched, self.check_lines)

    @property
    def marked_share(self) -> float | None:
        return _share(self.weapons_marked, self.weapons_registered)

    def to_json(self) -> dict:
        return asdict(self)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def compute(session: Session, scope: Scope, period: Period) -> Indicators:
    """Every indicator of one scope and period."""
    return summarise(load_records(session, scope.country_code, period), scope)


def summarise(records: CountryRecords, scope: Scope) -> Indicators:
    """The indicators of a scope, from the country's records of the period (loaded once for
    the country, its agencies and depots alike)."""
    ids = scope.depot_ids(records)
    total = DepotParts(depots=0)
    for depot_id in ids:
        total += records.depots[depot_id][1]
    counts = {k: v for k, v in asdict(total).items() if not k.startswith("rrpl_")
              or k == "rrpl_improved"}
    staff = (records.staff_by_depot.get(scope.depot_id, []) if scope.depot_id is not None
             else [s for s in records.staff if scope.has(s, ids)])
    out = Indicators(period=str(records.period), **counts, sops_adopted=records.sops_adopted,
                     trained={c.value: sum(c.value in s.trained for s in staff)
                              for c in Competence},
                     qualified={c.value: sum(c.value in s.held for s in staff)
                                for c in Competence})
    if total.baselined:
        out.rrpl_baseline = round(total.rrpl_baseline_sum / total.baselined, 2)
        out.rrpl_now = round(total.rrpl_now_sum / total.baselined, 2)
    return out

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

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from server.errors import InvalidInput
from server.models import (
    Attendance,
    Baseline,
    Country,
    Course,
    Depot,
    Finding,
    Movement,
    MovementLine,
    SopAdoption,
    StaffMember,
    StockCheck,
    StockCheckLine,
    Visit,
    Weapon,
    Works,
)
from server.models.programme import Competence

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
GONE = ("destroyed", "exported")
CLOSED = ("closed", "decommissioned")  # depots that count no more (setup and active do)


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = QUARTER.match(str(text).strip().upper())
        if not match or not 2000 <= int(match[1]) <= 2100:
            raise InvalidInput("A period is a quarter such as 2026Q3.", period=text)
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), UTC)

    @property
    def end(self) -> datetime:  # exclusive
        return datetime.combine(self.next().first_day, time(), UTC)


@dataclass(frozen=True)
class Year:
    """A calendar year, for the yearly reports (the PoA's)."""

    year: int

    def __str__(self) -> str:
        return str(self.year)

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(date(self.year + 1, 1, 1), time(), UTC)


Period = Quarter | Year


def parse_period(text: str, quarters_only: bool = False) -> Period:
    """2026Q3, or (unless quarters_only) a whole year: 2026."""
    text = str(text).strip()
    if not quarters_only and re.fullmatch(r"\d{4}", text) and 2000 <= int(text) <= 2100:
        return Year(int(text))
    return Quarter.parse(text)


def quarters(last: Quarter, count: int) -> list[Quarter]:
    """`count` quarters ending with `last`, oldest first."""
    out = [last]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]


@dataclass(frozen=True)
class Scope:
    """What the figures cover: a country, one agency of it, or one depot."""

    country_code: str
    agency_id: int | None = None
    depot_id: int | None = None

    def depots(self) -> ColumnElement[bool]:
        clause = (Depot.country_code == self.country_code) & Depot.status.not_in(CLOSED)
        if self.agency_id is not None:
            clause &= Depot.agency_id == self.agency_id
        if self.depot_id is not None:
            clause &= Depot.id == self.depot_id
        return clause

    def staff(self, depot_ids: list[int]) -> ColumnElement[bool]:
        clause = StaffMember.country_code == self.country_code
        if self.depot_id is not None:
            return clause & (StaffMember.depot_id == self.depot_id)
        if self.agency_id is not None:
            return clause & or_(StaffMember.agency_id == self.agency_id,
                                StaffMember.depot_id.in_(depot_ids))
        return clause & true()


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
    """Every indicator of one scope and quarter."""
    depots = list(session.scalars(select(Depot).where(scope.depots())))
    ids = [d.id for d in depots]
    out = Indicators(period=str(period), depots=len(depots))
    country = session.get(Country, scope.country_code)
    valid = timedelta(days=int((country.settings or {}).get("plan_valid_days", 365)))
    window = (period.last_day - valid, period.last_day)
    out.plans_current = sum(1 for d in depots if all(
        day is not None and window[0] < day <= window[1]
        for day in (d.security_plan_date, d.risk_assessment_date)))
    _rrpl(session, out, ids, period)
    _findings(session, out, ids, period)
    _books(session, out, ids, period)
    _training(session, out, scope, ids, period)
    _development(session, out, scope, ids, period)
    return out


def _rrpl(session: Session, out: Indicators, ids: list[int], period: Period) -> None:
    baselines = {b.depot_id: b.rrpl for b in session.scalars(select(Baseline).where(
        Baseline.depot_id.in_(ids), Baseline.assessed_on <= period.last_day,
        Baseline.rrpl.is_not(None)))}
    latest: dict[int, int] = {}
    visits = session.execute(select(Visit.depot_id, Visit.score).where(
        Visit.depot_id.in_(list(baselines)), Visit.started_at < period.end)
        .order_by(Visit.started_at, Visit.created_at))
    for depot_id, score in visits:
        if score:
            latest[depot_id] = score["rrpl"]
    now = [latest.get(d, rrpl) for d, rrpl in baselines.items()]
    out.baselined = len(baselines)
    if baselines:
        out.rrpl_baseline = round(sum(baselines.values()) / len(baselines), 2)
        out.rrpl_now = round(sum(now) / len(now), 2)
        out.rrpl_improved = sum(1 for d, r in baselines.items() if latest.get(d, r) > r)


def _findings(session: Session, out: Indicators, ids: list[int], period: Period) -> None:
    rows = session.execute(select(Finding.due_date, Finding.closed_at).where(
        Finding.depot_id.in_(ids), Finding.due_date >= period.start,
        Finding.due_date < period.end)).all()
    out.findings_due = len(rows)
    out.findings_on_time = sum(1 for due, closed in rows
                               if closed is not None and _aware(closed) <= _aware(due))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _books(session: Session, out: Indicators, ids: list[int], period: Period) -> None:
    results = session.execute(
        select(StockCheckLine.result, func.count()).join(StockCheck)
        .where(StockCheck.depot_id.in_(ids), StockCheck.status == "done",
               StockCheck.completed_at >= period.start, StockCheck.completed_at < period.end,
               StockCheckLine.counted.is_not(None))
        .group_by(StockCheckLine.result)).all()
    out.check_lines = sum(n for _, n in results)
    out.check_matched = sum(n for r, n in results if r == "match")
    in_period = and_(Movement.depot_id.in_(ids), Movement.occurred_at >= period.start,
                     Movement.occurred_at < period.end)
    for types, count_attr, items_attr in ((("loss", "theft"), "losses", "items_lost"),
                                          (("destruction",), "destructions", "items_destroyed")):
        vouchers = session.scalar(select(func.count()).select_from(Movement).where(
            in_period, Movement.type.in_(types)))
        rounds, weapons = session.execute(
            select(func.coalesce(func.sum(func.abs(MovementLine.quantity)), 0),
                   func.count(MovementLine.weapon_id))
            .join(Movement).where(in_period, Movement.type.in_(types))).one()
        setattr(out, count_attr, vouchers)
        setattr(out, items_attr, int(rounds) + weapons)
    out.marked_in_period = session.scalar(
        select(func.count(func.distinct(MovementLine.weapon_id))).join(Movement)
        .where(in_period, Movement.type == "marking"))
    held = [m for (m,) in session.execute(select(Weapon.national_marking).where(
        Weapon.depot_id.in_(ids), Weapon.status.not_in(GONE)))]
    out.weapons_registered = len(held)
    out.weapons_marked = sum(1 for m in held if m)


def _training(session: Session, out: Indicators, scope: Scope, ids: list[int],
              period: Period) -> None:
    rows = session.execute(
        select(Attendance.staff_id, Course.competence, Course.ends_on, Attendance.refresher_due)
        .join(Course).join(StaffMember, StaffMember.id == Attendance.staff_id)
        .where(scope.staff(ids), Attendance.passed.is_(True),
               Course.ends_on <= period.last_day)).all()
    trained: dict[str, set[int]] = {c.value: set() for c in Competence}
    holding: dict[str, set[int]] = {c.value: set() for c in Competence}
    for staff_id, competence, ends_on, due in rows:
        if ends_on >= period.first_day:
            trained[competence].add(staff_id)
        if due is None or due > period.last_day:
            holding[competence].add(staff_id)
    out.trained = {c: len(s) for c, s in trained.items()}
    out.qualified = {c: len(s) for c, s in holding.items()}


def _development(session: Session, out: Indicators, scope: Scope, ids: list[int],
                 period: Period) -> None:
    handed = session.execute(select(Works.depot_id, Works.handed_over_on).where(
        Works.depot_id.in_(ids), Works.handed_over_on <= period.last_day)).all()
    out.works_handed_over = sum(1 for _, day in handed if day >= period.first_day)
    out.depots_rehabilitated = len({d for d, _ in handed})
    adopted = select(SopAdoption).where(SopAdoption.country_code == scope.country_code,
                                        SopAdoption.adopted_on <= period.last_day)
    out.sops_adopted = len({(a.sop_code, a.version) for a in session.scalars(
        adopted.where(SopAdoption.depot_id.is_(None)))})
    out.depots_with_sop = len({a.depot_id for a in session.scalars(
        adopted.where(SopAdoption.depot_id.in_(ids)))})

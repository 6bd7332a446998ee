"""A country's records for one period, loaded in one pass of grouped queries (about a dozen,
whatever the number of depots): per depot, counts that add up across depots; per staff
member, the competences passed in the period and held at its end. indicators.py sums them
for a depot, an agency or the country."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
from sync.programme.periods import Period

GONE = ("destroyed", "exported")  # weapons no longer held
CLOSED = ("closed", "decommissioned")  # depots that count no more (setup and active do)
LOSS_TYPES = ("loss", "theft")


@dataclass
class DepotParts:
    """One depot's counts for the period; every field adds up across depots."""

    depots: int = 1
    plans_current: int = 0
    baselined: int = 0
    rrpl_baseline_sum: int = 0
    rrpl_now_sum: int = 0
    rrpl_improved: int = 0
    findings_due: int = 0
    findings_on_time: int = 0
    check_lines: int = 0
    check_matched: int = 0
    losses: int = 0
    items_lost: int = 0
    destructions: int = 0
    items_destroyed: int = 0
    weapons_registered: int = 0
    weapons_marked: int = 0
    marked_in_period: int = 0
    works_handed_over: int = 0
    depots_rehabilitated: int = 0
    depots_with_sop: int = 0

    def __iadd__(self, other: DepotParts) -> DepotParts:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


@dataclass
class StaffParts:
    depot_id: int | None
    agency_id: int | None
    trained: set[str] = field(default_factory=set)  # competences passed in the period
    held: set[str] = field(default_factory=set)  # competences held at its end


@dataclass
class CountryRecords:
    country_code: str
    period: Period
    depots: dict[int, tuple[Depot, DepotParts]]
    staff: list[StaffParts]
    sops_adopted: int

    @functools.cached_property
    def staff_by_depot(self) -> dict[int | None, list[StaffParts]]:
        out: dict[int | None, list[StaffParts]] = {}
        for s in self.staff:
            out.setdefault(s.depot_id, []).append(s)
        return out


def load_records(session: Session, country_code: str, period: Period) -> CountryRecords:
    depots = {d.id: (d, DepotParts()) for d in session.scalars(select(Depot).where(
        Depot.country_code == country_code, Depot.status.not_in(CLOSED)).order_by(Depot.code))}
    ids = list(depots)
    parts = {i: p for i, (_d, p) in depots.items()}
    country = session.get(Country, country_code)
    valid = timedelta(days=int((country.settings or {}).get("plan_valid_days", 365)))
    since, until = period.last_day - valid, period.last_day
    for depot, p in depots.values():
        p.plans_current = int(all(day is not None and since < day <= until for day in (
            depot.security_plan_date, depot.risk_assessment_date)))
    _rrpl(session, parts, ids, period)
    _findings(session, parts, ids, period)
    _checks(session, parts, ids, period)
    _vouchers(session, parts, ids, period)
    _development(session, parts, ids, period)
    sops = session.execute(select(SopAdoption.sop_code, SopAdoption.version).where(
        SopAdoption.country_code == country_code, SopAdoption.depot_id.is_(None),
        SopAdoption.adopted_on <= period.last_day)).all()
    return CountryRecords(country_code, period, depots, _staff(session, country_code, period),
                          len(set(sops)))


def _rrpl(session: Session, parts: dict[int, DepotParts], ids: list[int],
          period: Period) -> None:
    baselines = dict(session.execute(select(Baseline.depot_id, Baseline.rrpl).where(
        Baseline.depot_id.in_(ids), Baseline.assessed_on <= period.last_day,
        Baseline.rrpl.is_not(None))).all())
    latest: dict[int, int] = {}
    visits = session.execute(select(Visit.depot_id, Visit.score).where(
        Visit.depot_id.in_(list(baselines)), Visit.started_at < period.end)
        .order_by(Visit.started_at, Visit.created_at))
    for depot_id, score in visits:
        if score:
            latest[depot_id] = score["rrpl"]
    for depot_id, rrpl in baselines.items():
        p, now = parts[depot_id], latest.get(depot_id, rrpl)
        p.baselined, p.rrpl_baseline_sum, p.rrpl_now_sum = 1, rrpl, now
        p.rrpl_improved = int(now > rrpl)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _findings(session: Session, parts: dict[int, DepotParts], ids: list[int],
              period: Period) -> None:
    for depot_id, due, closed in session.execute(
            select(Finding.depot_id, Finding.due_date, Finding.closed_at).where(
                Finding.depot_id.in_(ids), Finding.due_date >= period.start,
                Finding.due_date < period.end)):
        parts[depot_id].findings_due += 1
        parts[depot_id].findings_on_time += int(closed is not None
                                                and _aware(closed) <= _aware(due))


def _checks(session: Session, parts: dict[int, DepotParts], ids: list[int],
            period: Period) -> None:
    for depot_id, result, n in session.execute(
            select(StockCheck.depot_id, StockCheckLine.result, func.count()).join(StockCheck)
            .where(StockCheck.depot_id.in_(ids), StockCheck.status == "done",
                   StockCheck.completed_at >= period.start,
                   StockCheck.completed_at < period.end, StockCheckLine.counted.is_not(None))
            .group_by(StockCheck.depot_id, StockCheckLine.result)):
        parts[depot_id].check_lines += n
        parts[depot_id].check_matched += n if result == "match" else 0


def _vouchers(session: Session, parts: dict[int, DepotParts], ids: list[int],
              period: Period) -> None:
    in_period = (Movement.depot_id.in_(ids), Movement.occurred_at >= period.start,
                 Movement.occurred_at < period.end)
    for depot_id, mtype, n in session.execute(
            select(Movement.depot_id, Movement.type, func.count()).where(
                *in_period, Movement.type.in_((*LOSS_TYPES, "destruction", "marking")))
            .group_by(Movement.depot_id, Movement.type)):
        p = parts[depot_id]
        if mtype in LOSS_TYPES:
            p.losses += n
        elif mtype == "destruction":
            p.destructions += n
    for depot_id, mtype, rounds, weapons in session.execute(
            select(Movement.depot_id, Movement.type,
                   func.coalesce(func.sum(func.abs(MovementLine.quantity)), 0),
                   func.count(func.distinct(MovementLine.weapon_id))).join(Movement)
            .where(*in_period, Movement.type.in_((*LOSS_TYPES, "destruction", "marking")))
            .group_by(Movement.depot_id, Movement.type)):
        p = parts[depot_id]
        if mtype in LOSS_TYPES:
            p.items_lost += int(rounds) + weapons
        elif mtype == "destruction":
            p.items_destroyed += int(rounds) + weapons
        else:
            p.marked_in_period += weapons
    for depot_id, marking in session.execute(select(Weapon.depot_id, Weapon.national_marking)
                                             .where(Weapon.depot_id.in_(ids),
                                                    Weapon.status.not_in(GONE))):
        parts[depot_id].weapons_registered += 1
        parts[depot_id].weapons_marked += int(bool(marking))


def _development(session: Session, parts: dict[int, DepotParts], ids: list[int],
                 period: Period) -> None:
    rehabilitated = set()
    for depot_id, day in session.execute(select(Works.depot_id, Works.handed_over_on).where(
            Works.depot_id.in_(ids), Works.handed_over_on <= period.last_day)):
        parts[depot_id].works_handed_over += int(day >= period.first_day)
        rehabilitated.add(depot_id)
    with_sop = set(session.scalars(select(SopAdoption.depot_id).where(
        SopAdoption.depot_id.in_(ids), SopAdoption.adopted_on <= period.last_day)))
    for depot_id in rehabilitated:
        parts[depot_id].depots_rehabilitated = 1
    for depot_id in with_sop:
        parts[depot_id].depots_with_sop = 1


def _staff(session: Session, country_code: str, period: Period) -> list[StaffParts]:
    staff = {i: StaffParts(depot, agency) for i, depot, agency in session.execute(
        select(StaffMember.id, StaffMember.depot_id, StaffMember.agency_id)
        .where(StaffMember.country_code == country_code))}
    for staff_id, competence, ends_on, due in session.execute(
            select(Attendance.staff_id, Course.competence, Course.ends_on,
                   Attendance.refresher_due).join(Course)
            .join(StaffMember, StaffMember.id == Attendance.staff_id)
            .where(StaffMember.country_code == country_code, Attendance.passed.is_(True),
                   Course.ends_on <= period.last_day)):
        if ends_on >= period.first_day:
            staff[staff_id].trained.add(str(competence))
        if due is None or due > period.last_day:
            staff[staff_id].held.add(str(competence))
    return list(staff.values())


"""Stock checks as planned events. A check has a type (full, sample, spot, handover,
post-incident, after-movement, independent), a scope (the depot or one building), a team of
at least two people of the country with one member independent of the depot (not assigned
to it), and is blind or not. Completing it reads the counts the team recorded in scope since
it started (F4 through any door): one line per crate in scope, the book against the count
(match, short, over, wrong lot, or missed when not counted), and the accuracy: the share of
crates in scope that matched. The country's check_frequencies ({"full": 90, ...}, days) say
when each type is due again after the last one done; never done is due now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput
from server.models import (
    CountEvent,
    Country,
    Crate,
    Depot,
    Location,
    StockCheck,
    StockCheckLine,
    StorageBuilding,
    User,
)
from sync.access.principal import Principal
from sync.access.scope import get_depot, get_in_scope, visible_depots

KINDS = ("full", "sample", "spot", "handover", "post_incident", "after_movement",
         "independent")


class CheckTeam(InvalidInput):
    code = "stock_checks.team"


class CheckStep(Conflict):
    code = "stock_checks.wrong_step"


@dataclass(frozen=True)
class Due:
    depot_code: str
    kind: str
    last_done: datetime | None
    due: date
    overdue: bool


def plan_check(session: Session, principal: Principal, depot_code: str, *, kind: str,
               scope: str, team_ids: list[int], independent_id: int, blind: bool,
               planned_for: date, now: datetime) -> StockCheck:
    depot = get_depot(session, principal, depot_code, "discrepancies.close")
    if kind not in KINDS:
        raise InvalidInput("Unknown type of stock check.", kind=kind, kinds=list(KINDS))
    scope = scope.strip().upper()[:16]
    if scope and session.scalar(select(StorageBuilding.id).where(
            StorageBuilding.depot_id == depot.id, StorageBuilding.code == scope)) is None:
        raise InvalidInput(f"No building {scope!r} at {depot.code}.", scope=scope)
    team = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_(sorted(set(team_ids))), User.country_code == depot.country_code,
        User.active.is_(True)))}
    if len(team) < 2 or len(team) != len(set(team_ids)):
        raise CheckTeam("A stock check team is at least two people of the country.")
    independent = team.get(independent_id)
    if independent is None or depot.id in {d.id for d in independent.depots}:
        raise CheckTeam("One member of the team is independent of the depot (not one of "
                        "its staff).", independent_id=independent_id)
    check = StockCheck(depot_id=depot.id, kind=kind, scope=scope, team_ids=sorted(team),
                       independent_id=independent_id, blind=blind, planned_for=planned_for,
                       planned_by=principal.user_id, created_at=now)
    session.add(check)
    session.flush()
    return check


def get_check(session: Session, principal: Principal, check_id: str,
              permission: str = "review.read") -> StockCheck:
    return get_in_scope(session, principal, StockCheck, check_id, permission, "stock_check")


def start_check(session: Session, principal: Principal, check_id: str, *,
                now: datetime) -> StockCheck:
    check = get_check(session, principal, check_id, "discrepancies.close")
    if check.status != "planned":
        raise CheckStep("Only a planned check starts.", status=check.status)
    check.status, check.started_at = "started", now
    return check


def complete_check(session: Session, principal: Principal, check_id: str, *,
                   now: datetime) -> StockCheck:
    check = get_check(session, principal, check_id, "discrepancies.close")
    if check.status != "started":
        raise CheckStep("Only a started check is completed.", status=check.status)
    latest = {}
    for event in session.scalars(
            select(CountEvent).where(CountEvent.depot_id == check.depot_id,
                                     CountEvent.received_at >= check.started_at,
                                     CountEvent.user_id.in_(check.team_ids))
            .order_by(CountEvent.received_at, CountEvent.id)):
        latest[event.crate_id] = event  # a crate counted twice: the last count stands
    matched = 0
    crates = _in_scope(session, check)
    for crate in crates:
        event = latest.get(crate.id)
        result = _result(crate, event)
        matched += result == "match"
        session.add(StockCheckLine(
            check_id=check.id, crate_id=crate.id, count_id=event and event.id,
            expected=event.book_quantity if event else crate.quantity,
            counted=event.observed_quantity if event else None, result=result,
            seal_intact=event and event.seal_intact, condition=event and event.condition))
    check.status, check.completed_at = "done", now
    check.accuracy = round(100 * matched / len(crates), 1) if crates else None
    session.flush()
    session.expire(check, ["lines"])
    return check


def _in_scope(session: Session, check: StockCheck) -> list[Crate]:
    query = select(Crate).where(Crate.depot_id == check.depot_id, Crate.deleted_at.is_(None))
    if check.scope:
        query = (query.join(Location, Location.id == Crate.location_id)
                 .join(StorageBuilding, StorageBuilding.id == Location.building_id)
                 .where(StorageBuilding.code == check.scope))
    return list(session.scalars(query.order_by(Crate.label_id)))


def _result(crate: Crate, event: CountEvent | None) -> str:
    if event is None or event.observed_quantity is None and event.observed_serials is None:
        return "missed"
    book_lot = crate.lot.lot_number if crate.lot else None
    if event.observed_lot and book_lot and event.observed_lot != book_lot:
        return "lot"
    counted = event.observed_quantity if event.observed_quantity is not None \
        else len(event.observed_serials or [])
    if counted == event.book_quantity:
        return "match"
    return "short" if counted < event.book_quantity else "over"


def due_checks(session: Session, principal: Principal, *, now: datetime) -> list[Due]:
    """Each depot in scope and each type the country sets a frequency for: when it is due."""
    principal.require("review.read")
    country = session.get(Country, principal.country_code)
    frequencies = (country.settings or {}).get("check_frequencies") or {}
    depots = visible_depots(session, principal)
    last = dict(((d, k), at) for d, k, at in session.execute(
        select(StockCheck.depot_id, StockCheck.kind, func.max(StockCheck.completed_at))
        .where(StockCheck.depot_id.in_([d.id for d in depots]), StockCheck.status == "done")
        .group_by(StockCheck.depot_id, StockCheck.kind)))
    out = []
    for depot in depots:
        for kind, days in sorted(frequencies.items()):
            if kind not in KINDS:
                continue
            done = last.get((depot.id, kind))
            due = (done + timedelta(days=int(days))).date() if done else now.date()
            out.append(Due(depot.code, kind, done, due, due < now.date() or done is None))
    return sorted(out, key=lambda d: (not d.overdue, d.due, d.depot_code, d.kind))


def planned_checks(session: Session, principal: Principal) -> list[StockCheck]:
    principal.require("review.read")
    return list(session.scalars(
        select(StockCheck).join(Depot, Depot.id == StockCheck.depot_id)
        .where(Depot.country_code == principal.country_code,
               principal.depot_clause(StockCheck.depot_id))
        .order_by(StockCheck.planned_for.desc(), StockCheck.created_at.desc()).limit(200)))

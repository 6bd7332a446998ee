"""A depot's development: the baseline it started from (its RRPL and findings at a visit),
rehabilitation works with funder, contractor and handover, and national SOP adoption (by the
country, or at one depot)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput, NotFound
from server.models import Baseline, Finding, SopAdoption, Visit, Works
from sync.access.principal import Principal
from sync.access.scope import get_depot
from sync.journal.trail import Actor, record_audit

WORKS_KINDS = ("fence", "doors", "racks", "lightning_protection", "containerised_armoury",
               "lighting", "alarm", "fire_safety", "other")



def record_baseline(session: Session, principal: Principal, depot_code: str, *,
                    visit_id: str | None = None, notes: str = "",
                    now: datetime) -> Baseline:
    """The depot's starting point, taken from a scored visit (the first scored one when none
    is named): its RRPL and its findings. A depot has one baseline; it never moves."""
    depot = get_depot(session, principal, depot_code, "programme.manage")
    if session.get(Baseline, depot.id) is not None:
        raise Conflict(f"{depot.code} already has its baseline.", depot=depot.code)
    query = select(Visit).where(Visit.depot_id == depot.id)
    query = (query.where(Visit.id == visit_id) if visit_id else
             query.order_by(Visit.started_at, Visit.created_at))
    visit = next((v for v in session.scalars(query) if v.score), None)
    if visit is None:
        raise NotFound("No scored visit of this depot to take a baseline from.",
                       depot=depot.code, visit_id=visit_id)
    severities = dict(session.execute(
        select(Finding.severity, func.count()).where(Finding.visit_id == visit.id)
        .group_by(Finding.severity)).all())
    baseline = Baseline(depot_id=depot.id, visit_id=visit.id,
                        assessed_on=(visit.started_at or visit.created_at).date(),
                        rrpl=visit.score["rrpl"], open_findings=sum(severities.values()),
                        critical_findings=severities.get("critical", 0), notes=notes.strip(),
                        recorded_by=principal.user_id)
    session.add(baseline)
    session.flush()
    record_audit(session, Actor.of(principal), "programme.baseline", now=now, entity="depot",
                 entity_id=str(depot.id), country_code=depot.country_code, depot_id=depot.id,
                 details={"visit": visit.id, "rrpl": baseline.rrpl})
    return baseline


@dataclass(frozen=True)
class WorksIn:
    kind: str
    description: str = ""
    funder: str = ""
    contractor: str = ""
    started_on: date | None = None
    finished_on: date | None = None
    handed_over_on: date | None = None


def _in_order(*days: date | None) -> bool:
    known = [d for d in days if d is not None]
    return known == sorted(known)


def add_works(session: Session, principal: Principal, depot_code: str, data: WorksIn, *,
              now: datetime) -> Works:
    depot = get_depot(session, principal, depot_code, "programme.manage")
    if data.kind not in WORKS_KINDS:
        raise InvalidInput(f"Works are one of {', '.join(WORKS_KINDS)}.", kind=data.kind)
    if not _in_order(data.started_on, data.finished_on, data.handed_over_on):
        raise InvalidInput("Works start, finish and are handed over in that order.")
    if data.handed_over_on and not data.finished_on:
        raise InvalidInput("Works are finished before they are handed over.")
    works = Works(depot_id=depot.id, kind=data.kind, description=data.description.strip(),
                  funder=data.funder.strip(), contractor=data.contractor.strip(),
                  started_on=data.started_on, finished_on=data.finished_on,
                  handed_over_on=data.handed_over_on, recorded_by=principal.user_id)
    session.add(works)
    session.flush()
    record_audit(session, Actor.of(principal), "programme.works", now=now, entity="works",
                 entity_id=str(works.id), country_code=depot.country_code, depot_id=depot.id,
                 details={"kind": works.kind, "handed_over": str(works.handed_over_on or "")})
    return works


def adopt_sop(session: Session, principal: Principal, *, sop_code: str, version: str,
              adopted_on: date, adopted_by: str, depot_code: str | None = None,
              now: datetime) -> SopAdoption:
    """A national SOP version adopted by the country's authority, or put in force at one
    depot (which needs the country to have adopted that version first)."""
    principal.require("programme.manage")
    sop_code, version = sop_code.strip().upper(), version.strip()
    if not sop_code or not version or not adopted_by.strip():
        raise InvalidInput("An adoption names the SOP, its version and who adopted it.")
    depot = get_depot(session, principal, depot_code, "programme.manage") if depot_code else None
    if depot is not None:
        national = session.scalar(select(SopAdoption.adopted_on).where(
            SopAdoption.country_code == principal.country_code, SopAdoption.depot_id.is_(None),
            SopAdoption.sop_code == sop_code, SopAdoption.version == version))
        if national is None or national > adopted_on:
            raise InvalidInput(f"{sop_code} {version} is not adopted nationally by then.",
                               sop=sop_code, version=version)
    row = SopAdoption(country_code=principal.country_code, depot_id=depot and depot.id,
                      sop_code=sop_code, version=version, adopted_on=adopted_on,
                      adopted_by=adopted_by.strip(), recorded_by=principal.user_id)
    session.add(row)
    session.flush()
    record_audit(session, Actor.of(principal), "programme.sop", now=now, entity="sop",
                 entity_id=str(row.id), country_code=principal.country_code,
                 depot_id=depot and depot.id,
                 details={"sop": sop_code, "version": version, "on": adopted_on.isoformat()})
    return row

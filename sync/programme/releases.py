"""What a country shares with a programme partner: a national administrator releases a
finished quarter's indicators to a body, frozen as they stood (country, agencies, works by
kind, SOPs adopted, the challenges the country notes). Never a record: no depot, person, crate
or serial. Releasing and withdrawing are audited; a withdrawal takes back the quarter named
and every later one, and leaves the earlier ones (already presented) as they were."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict, InvalidInput, NotFound
from server.models import Agency, Body, Depot, IndicatorRelease, SopAdoption, Works
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit
from sync.programme.figures import CountryRecords, load_records
from sync.programme.indicators import Indicators, Period, Scope, parse_period, summarise


def shared_figures(session: Session, country_code: str, period: Period,
                   records: CountryRecords | None = None) -> dict:
    """The aggregates a release freezes (and the national report prints); records: the
    country's for that period, when the caller has them loaded already."""
    agencies = session.scalars(select(Agency).where(Agency.country_code == country_code)
                               .order_by(Agency.name))
    works = session.scalars(select(Works.kind).join(Depot).where(
        Depot.country_code == country_code, Works.handed_over_on <= period.last_day))
    sops = session.scalars(select(SopAdoption).where(
        SopAdoption.country_code == country_code, SopAdoption.depot_id.is_(None),
        SopAdoption.adopted_on <= period.last_day).order_by(SopAdoption.adopted_on))
    records = records or load_records(session, country_code, period)
    return {
        "country": summarise(records, Scope(country_code)).to_json(),
        "agencies": {a.name: summarise(records, Scope(country_code, agency_id=a.id)).to_json()
                     for a in agencies},
        "works": dict(sorted(Counter(works).items())),
        "sops": [{"sop": s.sop_code, "version": s.version,
                  "adopted_on": s.adopted_on.isoformat(), "by": s.adopted_by} for s in sops],
    }


def _body(session: Session, code: str) -> Body:
    body = session.scalar(select(Body).where(Body.code == str(code).strip().upper()))
    if body is None:
        raise NotFound(f"No body {code!r}.", body=code)
    return body


def release_indicators(session: Session, principal: Principal, body_code: str, period: str,
                       *, challenges: str = "", now: datetime) -> IndicatorRelease:
    """Freeze a finished quarter's figures for a body to read."""
    principal.require("indicators.release")
    quarter = parse_period(period, quarters_only=True)
    if quarter.end > now:
        raise InvalidInput(f"{quarter} is not over: only a finished quarter is released.",
                           period=str(quarter))
    body = _body(session, body_code)
    if _active(session, principal.country_code, body.id, str(quarter)) is not None:
        raise Conflict(f"{quarter} is already released to {body.code}.", period=str(quarter))
    figures = {**shared_figures(session, principal.country_code, quarter),
               "challenges": challenges.strip()[:4000]}
    release = IndicatorRelease(country_code=principal.country_code, body_id=body.id,
                               period=str(quarter), figures=figures,
                               released_by=principal.user_id, released_at=now)
    session.add(release)
    session.flush()
    record_audit(session, Actor.of(principal), "indicators.release", now=now,
                 entity="release", entity_id=str(release.id),
                 country_code=principal.country_code,
                 details={"body": body.code, "period": str(quarter)})
    return release


def _active(session: Session, country: str | None, body_id: int,
            period: str) -> IndicatorRelease | None:
    return session.scalar(select(IndicatorRelease).where(
        IndicatorRelease.country_code == country, IndicatorRelease.body_id == body_id,
        IndicatorRelease.period == period, IndicatorRelease.withdrawn_at.is_(None)))


def withdraw_releases(session: Session, principal: Principal, body_code: str,
                      from_period: str, *, now: datetime) -> list[IndicatorRelease]:
    """Take back the releases to a body of from_period and every later quarter."""
    principal.require("indicators.release")
    first = str(parse_period(from_period, quarters_only=True))
    body = _body(session, body_code)
    taken = list(session.scalars(select(IndicatorRelease).where(
        IndicatorRelease.country_code == principal.country_code,
        IndicatorRelease.body_id == body.id, IndicatorRelease.withdrawn_at.is_(None),
        IndicatorRelease.period >= first)))  # 2026Q3 < 2026Q4 < 2027Q1 as text too
    if not taken:
        raise NotFound(f"Nothing released to {body.code} from {first} on.", period=first)
    for release in taken:
        release.withdrawn_at, release.withdrawn_by = now, principal.user_id
    record_audit(session, Actor.of(principal), "indicators.withdraw", now=now,
                 entity="body", entity_id=str(body.id), country_code=principal.country_code,
                 details={"body": body.code, "periods": sorted(r.period for r in taken)})
    return taken


def country_releases(session: Session, principal: Principal) -> list[IndicatorRelease]:
    """Everything the principal's country released, withdrawn ones too, newest first."""
    principal.require("programme.read")
    return list(session.scalars(select(IndicatorRelease).where(
        IndicatorRelease.country_code == principal.country_code)
        .order_by(IndicatorRelease.period.desc(), IndicatorRelease.id.desc())))


def released_to_body(session: Session, principal: Principal, *,
                     period: str | None = None) -> list[IndicatorRelease]:
    """What countries released to the principal's body and did not withdraw."""
    principal.require("indicators.released")
    query = select(IndicatorRelease).where(IndicatorRelease.body_id == principal.body_id,
                                           IndicatorRelease.withdrawn_at.is_(None))
    if period:
        query = query.where(IndicatorRelease.period == str(parse_period(period, True)))
    return list(session.scalars(query.order_by(IndicatorRelease.period,
                                               IndicatorRelease.country_code)))


def figures_of(data: dict) -> Indicators:
    """A frozen figures dict back as Indicators (for their shares)."""
    return Indicators(**data)

"""What the programme's reports say, in any language: the national progress report (a
country's own figures quarter by quarter, depot by depot, with the stockpile-management
answers of its PoA national report) and the regional evaluation report (the balance sheet of
what each country released to the body: rehabilitated, adopted, trained, against baseline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Agency, Baseline, Body, Country, Depot, SopAdoption, Works
from sync.access.principal import Principal
from sync.programme.figures import CountryRecords, load_records
from sync.programme.indicators import (
    Indicators,
    Quarter,
    Scope,
    Year,
    compute,
    parse_period,
    quarters,
    summarise,
)
from sync.programme.releases import figures_of, released_to_body, shared_figures

SERIES_LENGTH = 4  # quarters shown up to the report's


@dataclass(frozen=True)
class DepotRow:
    code: str
    name: str
    agency: str
    figures: Indicators
    works: list[Works]
    sop: str  # the SOP version in force there, "" if none


@dataclass(frozen=True)
class PoaAnswer:
    """One stockpile question of the PoA national report, answered from the records."""

    code: str
    answer: bool | None  # yes / no, None when the question is a count
    values: dict[str, object]


@dataclass(frozen=True)
class NationalReport:
    country: Country
    period: Quarter
    figures: Indicators
    series: list[Indicators]  # the last quarters, oldest first
    agencies: dict[str, Indicators]
    works: dict[str, int]
    sops: list[dict]
    depots: list[DepotRow]
    poa: list[PoaAnswer]


def national_report(session: Session, principal: Principal, period: str) -> NationalReport:
    principal.require("programme.read")
    quarter = parse_period(period, quarters_only=True)
    country = session.get(Country, principal.country_code)
    records = {q: load_records(session, country.code, q)
               for q in quarters(quarter, SERIES_LENGTH)}  # each loaded once
    shared = shared_figures(session, country.code, quarter, records[quarter])
    series = [summarise(r, Scope(country.code)) for r in records.values()]
    return NationalReport(
        country=country, period=quarter, figures=series[-1], series=series,
        agencies={k: figures_of(v) for k, v in shared["agencies"].items()},
        works=shared["works"], sops=shared["sops"],
        depots=_depot_rows(session, records[quarter]),
        poa=poa_answers(session, country.code, Year(quarter.year)))


def _depot_rows(session: Session, records: CountryRecords) -> list[DepotRow]:
    quarter, ids, country = records.period, list(records.depots), records.country_code
    agencies = dict(session.execute(select(Agency.id, Agency.name).where(
        Agency.country_code == country)).all())
    works: dict[int, list[Works]] = {i: [] for i in ids}
    for w in session.scalars(select(Works).where(
            Works.depot_id.in_(ids), Works.handed_over_on <= quarter.last_day)
            .order_by(Works.handed_over_on)):
        works[w.depot_id].append(w)
    sops = {a.depot_id: f"{a.sop_code} {a.version}" for a in session.scalars(
        select(SopAdoption).where(SopAdoption.depot_id.in_(ids),
                                  SopAdoption.adopted_on <= quarter.last_day)
        .order_by(SopAdoption.adopted_on))}  # the latest adopted wins
    return [DepotRow(depot.code, depot.name, agencies.get(depot.agency_id, ""),
                     summarise(records, Scope(country, depot_id=depot.id)), works[depot.id],
                     sops.get(depot.id, ""))
            for depot, _parts in records.depots.values()]


def poa_answers(session: Session, country: str, year: Year) -> list[PoaAnswer]:
    """The PoA national report's stockpile-management questions for a year, from the
    records: standards adopted, sites and their security, inventory checks, losses, surplus
    destroyed, marking, training, assistance received."""
    f = compute(session, Scope(country), year)
    sops = session.scalars(select(SopAdoption).where(
        SopAdoption.country_code == country, SopAdoption.depot_id.is_(None),
        SopAdoption.adopted_on <= year.last_day).order_by(SopAdoption.adopted_on)).all()
    funders = sorted({w for w in session.scalars(select(Works.funder).join(Depot).where(
        Depot.country_code == country, Works.handed_over_on >= year.first_day,
        Works.handed_over_on <= year.last_day)) if w})
    baselined = session.scalar(select(Baseline.depot_id).join(Depot).where(
        Depot.country_code == country).limit(1)) is not None
    return [
        PoaAnswer("standards", bool(sops), {"sops": ", ".join(
            f"{s.sop_code} {s.version} ({s.adopted_on.isoformat()})" for s in sops)}),
        PoaAnswer("sites", None, {"depots": f.depots, "plans": f.plans_current,
                                  "rehabilitated": f.depots_rehabilitated}),
        PoaAnswer("assessed", baselined, {"rrpl_baseline": f.rrpl_baseline,
                                          "rrpl_now": f.rrpl_now}),
        PoaAnswer("inventory", f.check_lines > 0, {"lines": f.check_lines,
                                                   "accuracy": f.accuracy}),
        PoaAnswer("losses", None, {"vouchers": f.losses, "items": f.items_lost}),
        PoaAnswer("destruction", f.destructions > 0, {"vouchers": f.destructions,
                                                      "items": f.items_destroyed}),
        PoaAnswer("marking", f.weapons_marked > 0, {"held": f.weapons_registered,
                                                    "marked": f.weapons_marked,
                                                    "share": f.marked_share}),
        PoaAnswer("training", sum(f.trained.values()) > 0, dict(f.trained)),
        PoaAnswer("assistance", bool(funders), {"funders": ", ".join(funders)}),
    ]


@dataclass(frozen=True)
class CountryColumn:
    code: str
    name: str
    figures: Indicators
    works: dict[str, int]
    sops: list[dict]
    challenges: str
    released_on: date


@dataclass(frozen=True)
class RegionalReport:
    body: Body
    period: Quarter
    countries: list[CountryColumn]

    @property
    def totals(self) -> dict[str, int]:
        """Region-wide sums of the counts (shares are shown per country)."""
        keys = ("depots", "plans_current", "works_handed_over", "depots_rehabilitated",
                "depots_with_sop", "losses", "items_destroyed", "marked_in_period")
        out = {k: sum(getattr(c.figures, k) for c in self.countries) for k in keys}
        out["trained"] = sum(sum(c.figures.trained.values()) for c in self.countries)
        return out


def regional_report(session: Session, principal: Principal, period: str) -> RegionalReport:
    """Only what countries released to the principal's body for that quarter."""
    releases = released_to_body(session, principal, period=period)
    names = dict(session.execute(select(Country.code, Country.name)).all())
    return RegionalReport(
        body=session.get(Body, principal.body_id),
        period=parse_period(period, quarters_only=True),
        countries=[CountryColumn(r.country_code, names.get(r.country_code, r.country_code),
                                 figures_of(r.figures["country"]), r.figures["works"],
                                 r.figures["sops"], r.figures.get("challenges", ""),
                                 r.released_at.date()) for r in releases])

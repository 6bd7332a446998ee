"""Search the register by any mark: a serial (exact, a part of it, or typed with the
confusions of worn stamps and hurried typing: sync/stock/serials.py), a registry serial, the
national marking, a model or a maker by any of its names. Each match says why it matched and
ranks by how sure that is; a query of several words is also tried word by word, and a weapon
matched by several words ranks above one matched by one. Only weapons the reader may see are
searched: its country's, in its depots (country-wide roles: wherever they are).

Every way in is an indexed lookup on a stored key (equality or prefix), but a part of a serial,
which PostgreSQL answers from a trigram index and SQLite by scanning the keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from server.models import Depot, Weapon, WeaponModel
from sync.access.principal import Principal
from sync.journal.restricted import record_restricted_read
from sync.register.alerts import FLAGGED, note_seen
from sync.stock.catalogue import canonical_maker, visible
from sync.stock.serials import confusions, plain_serial, serial_key

MAX_QUERY = 200
PER_WAY = 200  # rows each way of matching may bring
MIN_PART = 3  # characters of a key before a part of it is looked for
SURE = 85  # from here a match is strong enough to raise a lost or stolen weapon's alert


@dataclass(frozen=True)
class Reason:
    code: str  # serial_exact | serial_confusable | serial_zeros | serial_prefix | ...
    score: int
    detail: str = ""


@dataclass
class Match:
    weapon: Weapon
    depot: str = ""  # the depot's code, "" when in none
    reasons: list[Reason] = field(default_factory=list)

    @property
    def score(self) -> int:
        best = max(r.score for r in self.reasons)
        return min(100, best + 5 * (len({r.code for r in self.reasons}) - 1))


def search_register(session: Session, principal: Principal, query: str, *, now: datetime,
                    limit: int = 50) -> list[Match]:
    """The weapons `query` may name, best first (see the module's rules). Hits are a list
    of serials, restricted data: only roles that may read serial lists search, and each
    search that finds something is audited like any restricted read."""
    principal.require("inventory.read")
    principal.require("restricted.read")
    query = " ".join(str(query).split())[:MAX_QUERY]
    words = query.split(" ")
    terms = [query] + (words if len(words) > 1 else [])
    found: dict[str, Match] = {}
    scope = _scope(principal)
    for term in dict.fromkeys(terms):
        for weapon, depot, reason in _term(session, principal, scope, term):
            match = found.setdefault(weapon.id, Match(weapon, depot or ""))
            if all(r.code != reason.code for r in match.reasons):
                match.reasons.append(reason)
            else:  # the same way twice (the query and one of its words): keep the surer
                match.reasons = [max(r, reason, key=lambda x: x.score) if r.code == reason.code
                                 else r for r in match.reasons]
    ranked = sorted(found.values(), key=lambda m: (-m.score, m.weapon.serial, m.weapon.id))
    ranked = ranked[:limit]
    if ranked:
        record_restricted_read(session, principal, entity="register_search",
                               entity_id=query[:64], depot_id=None, fields=["serials"],
                               now=now)
    flagged = [m.weapon.serial for m in ranked
               if m.weapon.status in FLAGGED and m.score >= SURE]
    if flagged:
        note_seen(session, country_code=principal.country_code, depot_id=None,
                  serials=flagged, source="search", user_id=principal.user_id, now=now,
                  reference=f"search:{principal.user_id}:{now.date().isoformat()}",
                  dates_sighting=False)
    return ranked


def _scope(principal: Principal) -> ColumnElement[bool]:
    clause = Weapon.country_code == principal.country_code
    if principal.depot_ids is not None:
        clause = clause & Weapon.depot_id.in_(sorted(principal.depot_ids))
    return clause


def _rows(session: Session, scope, where, order=Weapon.serial_key
          ) -> list[tuple[Weapon, str | None]]:
    """At most PER_WAY rows, in the order of the index that finds them (another order would
    lead the planner to walk that other index instead)."""
    return list(session.execute(
        select(Weapon, Depot.code).outerjoin(Depot, Depot.id == Weapon.depot_id)
        .where(scope, where).order_by(order, Weapon.id).limit(PER_WAY)).all())


def _prefix(session: Session, column, key: str):
    if session.get_bind().dialect.name == "sqlite":
        return column.op("GLOB")(key + "*")  # GLOB is case-sensitive: the index serves it
    return column.like(key + "%")  # varchar_pattern_ops serves it


def _part(session: Session, column, key: str):
    if session.get_bind().dialect.name == "sqlite":
        return func.instr(column, key) > 0
    return column.like(f"%{key}%")  # the trigram index serves it


def _term(session: Session, principal: Principal, scope, term: str):
    """(weapon, depot code, reason) for each way `term` names a weapon. A part of a serial
    is looked for only when nothing names the whole serial or its beginning: it is the
    costliest way and, beside a whole serial, only noise."""
    key, plain = serial_key(term), plain_serial(term)
    strong = []
    if key:  # a query per key, each on its own index (SQLite walks a wrong one for an OR)
        strong += [(w, d, _serial_reason(term, w.serial))
                   for w, d in _rows(session, scope, Weapon.serial_key == key)]
        strong += [(w, d, Reason("registry_serial", 88, w.registry_serial or ""))
                   for w, d in _rows(session, scope, Weapon.registry_key == key,
                                     order=Weapon.registry_key)]
        strong += [(w, d, Reason("marking", 95))
                   for w, d in _rows(session, scope, Weapon.marking_key == plain,
                                     order=Weapon.marking_key)]
        if len(plain) >= 6:
            strong += [(w, d, Reason("marking_prefix", 60)) for w, d in _rows(
                session, scope, _prefix(session, Weapon.marking_key, plain),
                order=Weapon.marking_key) if w.marking_key != plain]
    if len(key) >= MIN_PART:
        strong += [(w, d, Reason("serial_prefix", 70)) for w, d in _rows(
            session, scope, _prefix(session, Weapon.serial_key, key)) if w.serial_key != key]
        if not strong:
            strong += [(w, d, Reason("serial_part", 60)) for w, d in _rows(
                session, scope, _part(session, Weapon.serial_key, key))
                if not w.serial_key.startswith(key)]
    yield from strong
    yield from _by_catalogue(session, principal, scope, term)


def _serial_reason(typed: str, marked: str) -> Reason:
    if plain_serial(typed) == plain_serial(marked):
        return Reason("serial_exact", 100)
    read = confusions(typed, marked)
    if read:
        return Reason("serial_confusable", 95 - 2 * len(read), ", ".join(read))
    return Reason("serial_zeros", 88)  # leading zeros or separators apart, or both


def _by_catalogue(session: Session, principal: Principal, scope, term: str):
    """A model of the country's catalogue (case aside), or a maker by its name or one of its
    aliases; the catalogue is small, and its (maker, model) lead the weapons' unique index."""
    if len(term) < 2 or not any(c.isalpha() for c in term):
        return
    folded = " ".join(term.casefold().split())
    country = principal.country_code
    for maker, model in session.execute(select(WeaponModel.manufacturer, WeaponModel.model)
                                        .where(func.lower(WeaponModel.model) == folded,
                                               visible(WeaponModel, country))):
        for weapon, depot in _rows(session, scope, (Weapon.manufacturer == maker)
                                   & (Weapon.model == model), order=Weapon.serial):
            yield weapon, depot, Reason("model", 40, weapon.model)
    maker = canonical_maker(session, term, country)
    alias = maker.casefold() != folded
    if not alias:
        maker = session.scalar(select(WeaponModel.manufacturer).where(
            func.lower(WeaponModel.manufacturer) == folded, visible(WeaponModel, country))
            .limit(1))
    if maker:
        detail = f"{' '.join(term.split())} = {maker}" if alias else maker
        for weapon, depot in _rows(session, scope, Weapon.manufacturer == maker,
                                   order=Weapon.model):
            yield weapon, depot, Reason("maker", 30, detail)

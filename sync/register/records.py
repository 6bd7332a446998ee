"""Putting a weapon on the national register with its ITI para 8 data: manufacturer, country
of manufacture and serial as marked (required); year, model, type, calibre; import country and
year; the national marking checked against the country's format; where the marks are and
their photos; a registry serial when the original is illegible; the holder agency and how the
state came to hold it. A receipt then places it in a depot (sync/stock/ledger.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import AppError, InvalidInput, NotFound
from server.models import Agency, Country, Weapon
from sync.access.principal import Principal
from sync.journal.trail import Actor, record_audit
from sync.register.alerts import note_seen
from sync.stock import inventory
from sync.stock.marking import MarkingFormat, marking_format, read_marking
from sync.stock.serials import serial_key

ACQUISITIONS = ("procurement", "import", "transfer", "seizure", "found", "surrender",
                "manufacture", "")
POSITIONS = ("receiver", "slide", "frame", "barrel", "bolt", "stock", "other")


@dataclass(frozen=True)
class WeaponIn:
    manufacturer: str
    model: str
    country_of_manufacture: str
    serial: str = ""  # as marked; "" when illegible (then registry_serial)
    type: str = ""
    calibre: str = ""
    year: int | None = None
    import_country: str | None = None
    import_year: int | None = None
    marking: dict[str, Any] | None = None  # {country, agency, year, number}
    marking_text: str = ""  # or the marking as engraved
    marking_positions: tuple[str, ...] = ()
    marking_photos: tuple[str, ...] = ()
    registry_serial: str = ""
    holder_agency: str = ""  # the agency's marking code
    acquisition: str = ""


def _check(data: WeaponIn) -> None:
    if not (data.serial.strip() or data.registry_serial.strip()):
        raise InvalidInput("A weapon has its serial as marked, or a registry serial when the "
                           "original is illegible.", field="serial")
    if data.acquisition not in ACQUISITIONS:
        raise InvalidInput("Unknown acquisition.", acquisition=data.acquisition)
    bad = sorted(set(data.marking_positions) - set(POSITIONS))
    if bad:
        raise InvalidInput("Unknown marking positions.", positions=bad)
    for name in ("import_country", "country_of_manufacture"):
        value = getattr(data, name)
        if value and not (len(value) == 2 and value.isalpha() and value.isascii()):
            raise InvalidInput(f"{name} is a 2-letter country code.", field=name)
    for name in ("year", "import_year"):
        value = getattr(data, name)
        if value is not None and not 1850 <= value <= 2100:
            raise InvalidInput(f"{name} is not a plausible year.", field=name)


def register_weapon_record(session: Session, principal: Principal, data: WeaponIn, *,
                           now: datetime, source: str = "register") -> Weapon:
    """A weapon on the register of the principal's country (status registered). A serial
    that is a lost or stolen weapon's raises the alert (sync/register/alerts.py)."""
    principal.require("register.write")
    _check(data)
    country = session.get(Country, principal.country_code)
    marking = read_marking(session, country, data.marking, data.marking_text)
    holder = None
    if data.holder_agency:
        holder = session.scalar(select(Agency).where(
            Agency.country_code == country.code,
            Agency.marking_code == data.holder_agency.strip().upper()))
        if holder is None:
            raise NotFound("No such agency.", agency=data.holder_agency)
    serial = data.serial.strip() or data.registry_serial.strip()
    note_seen(session, country_code=country.code, depot_id=None, serials=[serial],
              source="registration", reference="", user_id=principal.user_id, now=now)
    weapon = inventory.register_weapon(
        session, country_code=country.code, manufacturer=data.manufacturer,
        model=" ".join(data.model.split()), serial=serial,
        country_of_manufacture=data.country_of_manufacture.upper(), calibre=data.calibre,
        type=data.type, year=data.year,
        national_marking=marking[0].as_dict() if marking else None)
    weapon.import_country = data.import_country.upper() if data.import_country else None
    weapon.import_year = data.import_year
    weapon.marking_key = marking[1] if marking else ""
    weapon.marking_positions = list(data.marking_positions)
    weapon.marking_photos = [p[:64] for p in data.marking_photos][:20]
    if data.registry_serial.strip():
        weapon.registry_serial = data.registry_serial.strip()[:64]
        weapon.registry_key = serial_key(weapon.registry_serial)
    weapon.holder_agency_id = holder.id if holder else None
    weapon.acquisition = data.acquisition
    session.flush()
    record_audit(session, Actor.of(principal),
                 "register.weapon", now=now, entity="weapon", entity_id=weapon.id,
                 country_code=country.code, details={"source": source})
    return weapon


def get_weapon(session: Session, principal: Principal, weapon_id: str) -> Weapon:
    """A weapon of the principal's country: in one of its depots, or (country-wide roles)
    anywhere; any other is not found."""
    weapon = session.get(Weapon, str(weapon_id)[:36])
    if weapon is None or weapon.country_code != principal.country_code or (
            principal.depot_ids is not None and weapon.depot_id not in principal.depot_ids):
        raise NotFound("No such weapon.", weapon_id=weapon_id)
    principal.require("inventory.read")
    return weapon


def _year(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) == 4 else None


def _weapon_in(answer: dict[str, Any], fmt: MarkingFormat) -> WeaponIn:
    """One repeat instance of the registration form (forms/sources/weapons.py)."""
    def text(name: str, size: int = 100) -> str:
        return str(answer.get(name) or "").strip()[:size]
    marking = None
    if text("marking_agency"):
        marking = {"country": fmt.country, "agency": text("marking_agency", 16),
                   "year": _year(answer.get("marking_year")) or text("marking_year"),
                   "number": text("marking_number", 12)}
    return WeaponIn(
        manufacturer=text("manufacturer"), model=text("model"), type=text("type", 64),
        calibre=text("calibre", 32), serial=text("serial", 64),
        registry_serial=text("registry_serial", 64),
        country_of_manufacture=text("country_of_manufacture", 2).upper(),
        year=_year(answer.get("year")), import_country=text("import_country", 2) or None,
        import_year=_year(answer.get("import_year")), marking=marking,
        marking_positions=tuple(text("marking_positions", 200).split()),
        marking_photos=(text("marking_photo", 64),) if text("marking_photo") else (),
        acquisition=text("acquisition", 16))


def register_from_form(session: Session, principal: Principal, answers: dict[str, Any], *,
                       now: datetime) -> list[dict[str, Any]]:
    """Each weapon of a registration form, in a savepoint of its own: one that cannot be
    registered (a bad marking, a serial already on record…) becomes a problem of the
    submission, and the others stand."""
    if not principal.can("register.write"):
        return [{"field": "weapons", "problem": "this role may not register weapons",
                 "code": "auth.forbidden"}]
    fmt = marking_format(session.get(Country, principal.country_code))
    problems = []
    for n, answer in enumerate(answers.get("weapons") or []):
        if not isinstance(answer, dict):
            continue
        try:
            with session.begin_nested():
                register_weapon_record(session, principal, _weapon_in(answer, fmt), now=now,
                                       source="form")
        except AppError as exc:
            problems.append({"field": f"weapons[{n}]", "problem": str(exc)[:200],
                             "code": exc.code})
    return problems

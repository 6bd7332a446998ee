"""The national (ECOWAS-format) marking: country code, agency code, year, number, engraved in
an order and with separators each country decides (Country.settings["marking_format"]).

A format is {"country": "NE", "separator": "-", "year_digits": 4, "number_digits": 6,
"order": ["country", "agency", "year", "number"]}; every key has that default (the country
code defaults to the country's own). The agency must be one of the country's agencies'
marking codes. parse_marking() reads engraved text; check_marking() a structured value;
read_marking() either, for a country, with the search key the register finds it by. Here in the
books' layer: the register and the books' marking movement check markings alike.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import InvalidInput
from server.models import Agency, Country
from sync.stock.serials import plain_serial

PARTS = ("country", "agency", "year", "number")
DEFAULT = {"separator": "-", "year_digits": 4, "number_digits": 6, "order": list(PARTS)}


class MarkingInvalid(InvalidInput):
    code = "register.marking_invalid"


@dataclass(frozen=True)
class MarkingFormat:
    country: str
    separator: str = "-"
    year_digits: int = 4
    number_digits: int = 6
    order: tuple[str, ...] = PARTS

    @classmethod
    def of(cls, country_code: str, settings: Mapping[str, Any] | None) -> MarkingFormat:
        """The country's format from its settings, checked so that a bad setting is said."""
        raw = {**DEFAULT, **((settings or {}).get("marking_format") or {})}
        order = tuple(raw["order"])
        if sorted(order) != sorted(PARTS) or raw["year_digits"] not in (2, 4) \
                or not 1 <= int(raw["number_digits"]) <= 12 or len(raw["separator"]) > 1:
            raise InvalidInput(f"The marking format of {country_code} is not valid.",
                               marking_format=raw)
        return cls(country=str(raw.get("country") or country_code).upper(),
                   separator=raw["separator"], year_digits=int(raw["year_digits"]),
                   number_digits=int(raw["number_digits"]), order=order)

    def example(self) -> str:
        values = {"country": self.country, "agency": "FAN", "year": "2024"[-self.year_digits:],
                  "number": "1".zfill(self.number_digits)}
        return self.separator.join(values[p] for p in self.order)


@dataclass(frozen=True)
class Marking:
    country: str
    agency: str
    year: int
    number: str

    def as_dict(self) -> dict[str, Any]:
        return {"country": self.country, "agency": self.agency, "year": self.year,
                "number": self.number}

    def text(self, fmt: MarkingFormat) -> str:
        values = {"country": self.country, "agency": self.agency,
                  "year": str(self.year)[-fmt.year_digits:], "number": self.number}
        return fmt.separator.join(values[p] for p in fmt.order)


def _year(text: str, fmt: MarkingFormat) -> int:
    if not (text.isdigit() and len(text) == fmt.year_digits):
        raise MarkingInvalid(f"The year is {fmt.year_digits} digits.", part="year", value=text)
    year = int(text) + (2000 if fmt.year_digits == 2 else 0)
    if not 1950 <= year <= 2100:
        raise MarkingInvalid("The year is not a plausible marking year.", part="year",
                             value=text)
    return year


def check_marking(value: Mapping[str, Any], fmt: MarkingFormat,
                  agencies: Collection[str]) -> Marking:
    """A structured marking {country, agency, year, number} checked against the format."""
    country = str(value.get("country") or "").strip().upper()
    agency = str(value.get("agency") or "").strip().upper()
    number = str(value.get("number") or "").strip()
    year = value.get("year")
    if country != fmt.country:
        raise MarkingInvalid(f"The country code of this marking is {fmt.country}.",
                             part="country", value=country)
    if agency not in {a.upper() for a in agencies}:
        raise MarkingInvalid("The agency code is not one of the country's agencies.",
                             part="agency", value=agency)
    if isinstance(year, int) and not isinstance(year, bool):  # a whole year, from a form
        year = _year(str(year)[-fmt.year_digits:], fmt) if year >= 1000 else _year("", fmt)
    else:
        year = _year(str(year or "").strip(), fmt)
    if not (number.isdigit() and len(number) == fmt.number_digits):
        raise MarkingInvalid(f"The number is {fmt.number_digits} digits.", part="number",
                             value=number)
    return Marking(country=country, agency=agency, year=year, number=number)


def parse_marking(text: str, fmt: MarkingFormat, agencies: Collection[str]) -> Marking:
    """Engraved text read in the format's order; spaces around parts are forgiven."""
    text = " ".join(str(text).split()).upper()
    parts = ([p.strip() for p in text.split(fmt.separator)] if fmt.separator
             else _split_unseparated(text, fmt))
    if len(parts) != len(PARTS) or not all(parts):
        raise MarkingInvalid(f"A marking reads like {fmt.example()}.", value=text[:64],
                             example=fmt.example())
    return check_marking(dict(zip(fmt.order, parts, strict=True)), fmt, agencies)


def _split_unseparated(text: str, fmt: MarkingFormat) -> list[str]:
    """Without separators the agency is the only part of free length: letters between the
    fixed-width parts."""
    shapes = {"country": f"(.{{{len(fmt.country)}}})", "agency": "([A-Z]+)",
              "year": f"(\\d{{{fmt.year_digits}}})", "number": f"(\\d{{{fmt.number_digits}}})"}
    pattern = "".join(shapes[p] for p in fmt.order)
    match = re.fullmatch(pattern, text.replace(" ", ""))
    return list(match.groups()) if match else []


def marking_format(country: Country) -> MarkingFormat:
    return MarkingFormat.of(country.code, country.settings)


def agency_codes(session: Session, country_code: str) -> list[str]:
    return list(session.scalars(select(Agency.marking_code)
                                .where(Agency.country_code == country_code)))


def read_marking(session: Session, country: Country, value: Mapping[str, Any] | None,
                 text: str = "") -> tuple[Marking, str] | None:
    """The national marking given (structured, or as engraved), checked against the
    country's format, with its search key; None when neither is given."""
    if not (value or text.strip()):
        return None
    fmt, agencies = marking_format(country), agency_codes(session, country.code)
    marking = check_marking(value, fmt, agencies) if value else parse_marking(text, fmt,
                                                                             agencies)
    return marking, marking_key(marking, fmt)


def marking_key(marking: Marking, fmt: MarkingFormat) -> str:
    """What the register finds a marking by: its engraved text, separators dropped."""
    return plain_serial(marking.text(fmt))

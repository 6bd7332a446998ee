"""The periods the programme reports on: quarters (2026Q3 is 1 July to 30 September) and
calendar years, on UTC dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from server.errors import InvalidInput

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


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

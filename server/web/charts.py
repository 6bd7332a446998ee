"""Charts drawn on the server as SVG geometry (no JavaScript): discrepancies and findings per
month, side by side; a depot's estimated RRPL visit after visit. Pure: numbers in, rectangles,
points and ticks out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sync.views.dashboard import MonthCount
from sync.views.visit_detail import RrplPoint

SERIES = ("discrepancies", "findings")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: str
    month: date


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: int  # y of the axis
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value)
    months: list[tuple[float, date]]  # (x of the group's centre, month)


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n at or above value (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def month_bars(months: list[MonthCount], width: int = 720, height: int = 240) -> Chart:
    left, right, top, bottom = 40, 10, 10, height - 30
    top_value = nice_ceiling(max([max(m.discrepancies, m.findings) for m in months] or [0]))
    scale = (bottom - top) / top_value
    group = (width - left - right) / max(1, len(months))
    bar_w = group * 0.35
    bars, labels = [], []
    for n, m in enumerate(months):
        x0 = left + n * group + group * 0.15
        for k, (series, value) in enumerate(zip(SERIES, (m.discrepancies, m.findings),
                                                strict=True)):
            h = value * scale
            bars.append(Bar(round(x0 + k * bar_w, 1), round(bottom - h, 1), round(bar_w, 1),
                            round(h, 1), value, series, m.month))
        labels.append((round(left + n * group + group / 2, 1), m.month))
    steps = 5 if top_value % 5 == 0 else top_value  # 1, 2 or 5 × 10^n: whole-number ticks
    ticks = [(round(bottom - top_value * i // steps * scale, 1), top_value * i // steps)
             for i in range(steps + 1)]
    return Chart(width, height, left, bottom, bars, ticks, labels)


@dataclass(frozen=True)
class RrplChart:
    width: int
    height: int
    left: int
    bottom: int
    points: list[tuple[float, float, RrplPoint]]  # (x, y, the visit's estimate)
    ticks: list[tuple[float, int]]  # (y, level 0..3)

    @property
    def path(self) -> str:
        """A step line: the level holds until the next visit."""
        if not self.points:
            return ""
        (x0, y0, _), rest = self.points[0], self.points[1:]
        return " ".join([f"M{x0} {y0}", *(f"H{x} V{y}" for x, y, _ in rest)])


def rrpl_steps(points: list[RrplPoint], width: int = 720, height: int = 200) -> RrplChart:
    left, right, top, bottom = 40, 20, 10, height - 30
    step = (bottom - top) / 3
    span = (width - left - right) / max(1, len(points) - 1)
    placed = [(round(left + n * span, 1) if len(points) > 1 else float(left + 10),
               round(bottom - p.rrpl * step, 1), p) for n, p in enumerate(points)]
    return RrplChart(width, height, left, bottom, placed,
                     [(round(bottom - level * step, 1), level) for level in range(4)])

"""The programme's charts as geometry, drawn by the server (SVG on the pages, reportlab in the
PDFs, from the same bars): grouped bars of shares (0-100 %) or counts per category."""

from __future__ import annotations

from dataclasses import dataclass

from server.web.charts import nice_ceiling


@dataclass(frozen=True)
class GroupBar:
    x: float
    y: float  # from the top, as SVG counts
    width: float
    height: float
    value: float | None
    series: int


@dataclass(frozen=True)
class Grouped:
    width: int
    height: int
    left: int
    bottom: int
    top_value: int
    bars: list[GroupBar]
    ticks: list[tuple[float, int]]
    groups: list[tuple[float, str]]  # (x of the group's centre, its label)
    series: list[str]


def grouped_bars(groups: list[str], series: dict[str, list[float | None]], *,
                 percent: bool = False, width: int = 720, height: int = 240) -> Grouped:
    """One group per label, one bar per series; a missing value draws no bar."""
    left, right, top, bottom = 44, 10, 10, height - 30
    values = [v for vs in series.values() for v in vs if v is not None]
    top_value = 100 if percent else nice_ceiling(int(max(values or [0]) + 0.999))
    scale = (bottom - top) / top_value
    group_w = (width - left - right) / max(1, len(groups))
    bar_w = group_w * 0.7 / max(1, len(series))
    bars = []
    for n in range(len(groups)):
        x0 = left + n * group_w + group_w * 0.15
        for k, vs in enumerate(series.values()):
            value = vs[n]
            h = (value or 0) * scale
            if value is not None:
                bars.append(GroupBar(round(x0 + k * bar_w, 1), round(bottom - h, 1),
                                     round(bar_w * 0.9, 1), round(h, 1), value, k))
    steps = 5 if top_value % 5 == 0 else top_value  # 1, 2 or 5 x 10^n: whole-number ticks
    ticks = [(round(bottom - top_value * i // steps * scale, 1), top_value * i // steps)
             for i in range(steps + 1)]
    labels = [(round(left + n * group_w + group_w / 2, 1), g) for n, g in enumerate(groups)]
    return Grouped(width, height, left, bottom, top_value, bars, ticks, labels, list(series))

"""The programme's grouped bars: to scale, whole-number ticks, a missing value draws no
bar, shares on a 0-100 axis."""

from __future__ import annotations

import pytest

from server.web.programme_charts import grouped_bars


@pytest.mark.parametrize(("series", "percent", "top", "ticks"), [
    ({"a": [1, 0]}, False, 1, [0, 1]),
    ({"a": [2, 1], "b": [0, 2]}, False, 2, [0, 1, 2]),
    ({"a": [3, 4]}, False, 5, [0, 1, 2, 3, 4, 5]),
    ({"a": [37, 0]}, False, 50, [0, 10, 20, 30, 40, 50]),
    ({"a": [33.3, None]}, True, 100, [0, 20, 40, 60, 80, 100]),
    ({"a": [None, None]}, False, 1, [0, 1])],
    ids=["one", "two", "five", "fifty", "shares", "nothing"])
def test_axis(series, percent, top, ticks):
    chart = grouped_bars(["Q1", "Q2"], series, percent=percent)
    assert chart.top_value == top
    assert [v for _y, v in chart.ticks] == ticks


def test_bars_are_to_scale_and_a_missing_value_draws_none():
    chart = grouped_bars(["Q1", "Q2", "Q3"], {"a": [50.0, None, 100.0], "b": [25.0, 0, None]},
                         percent=True)
    bars = {(b.series, b.value): b for b in chart.bars}
    assert set(bars) == {(0, 50.0), (0, 100.0), (1, 25.0), (1, 0)}
    assert bars[(0, 100.0)].height == pytest.approx(2 * bars[(0, 50.0)].height, abs=0.1)
    assert bars[(0, 100.0)].y + bars[(0, 100.0)].height == chart.bottom
    assert bars[(1, 0)].height == 0
    assert [label for _x, label in chart.groups] == ["Q1", "Q2", "Q3"]

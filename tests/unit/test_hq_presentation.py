"""Pure pieces of the HQ pages and exports: the chart's geometry, defused spreadsheet cells,
redacted serial lists."""

from datetime import date

import pytest

from server.web.charts import month_bars, nice_ceiling
from sync.journal.restricted import redact_serials
from sync.views.dashboard import MonthCount, month_starts
from sync.views.exports import safe_cell


@pytest.mark.parametrize(("value", "ceiling"), [
    (0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (11, 20), (49, 50), (51, 100), (101, 200)])
def test_nice_ceiling(value, ceiling):
    assert nice_ceiling(value) == ceiling


def test_bars_are_scaled_to_whole_number_ticks():
    months = [MonthCount(date(2026, m, 1), m, 12 - m) for m in range(1, 13)]
    chart = month_bars(months)
    assert [v for _, v in chart.ticks] == [0, 4, 8, 12, 16, 20]
    tallest = max(chart.bars, key=lambda b: b.value)
    assert tallest.value == 12 and tallest.series == "discrepancies"
    assert tallest.y + tallest.height == chart.bottom
    zero = [b for b in chart.bars if b.value == 0]
    assert zero and all(b.height == 0 for b in zero)
    assert len(chart.bars) == 24 and len(chart.months) == 12


def test_month_starts_cross_the_year():
    assert month_starts(date(2026, 2, 14), 3) == [date(2025, 12, 1), date(2026, 1, 1),
                                                   date(2026, 2, 1)]


@pytest.mark.parametrize(("value", "safe"), [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("plain", "plain"), (-60, -60), (None, None)])
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe


def test_redact_keeps_counts_not_lists():
    details = {"serials": ["A1", "A2"], "missing": 3}
    assert redact_serials(details, False) == {"serials": 2, "missing": 3}
    assert redact_serials(details, True) == details

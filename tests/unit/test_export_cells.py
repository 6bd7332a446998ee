"""Export cells: text that a spreadsheet would run as a formula is shown as text, and
characters no XLSX cell can hold are replaced."""

import pytest

from sync.views.exports import safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", " =1+1",
                                  "  =HYPERLINK(\"x\")", "\n=1", "\uff1d1+1", "\uff0b1",
                                  "\uff0d1", "\uff20A1"])
def test_formula_starts_are_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["fence ok", "1 = 1", "", "x\n=1"])
def test_plain_text_is_kept(text):
    assert safe_cell(text) == text


def test_control_characters_become_replacement_characters():
    assert safe_cell("a\x00b\x07c\x1fd\te\nf") == "a\ufffdb\ufffdc\ufffdd\te\nf"
    assert safe_cell(12) == 12 and safe_cell(None) is None

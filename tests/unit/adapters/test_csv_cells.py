"""A CSV cell never starts a formula: the rule of ``adapters/http/csv_cells``."""

from __future__ import annotations

import pytest

from academy_video.adapters.http.csv_cells import FORMULA_STARTS, cell, row


def test_the_leading_characters_are_owasps() -> None:
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize("lead", FORMULA_STARTS)
@pytest.mark.parametrize("rest", ["", "1+1", 'cmd|" /C calc"!A0', "=", "'"])
def test_a_text_that_starts_a_formula_gets_a_quote(lead: str, rest: str) -> None:
    assert cell(lead + rest) == "'" + lead + rest


@pytest.mark.parametrize(
    "text", ["", "Alice", "1+1", " =1+1", "'=1", "\n=1", "é=1", '{"a":"=1"}', "a=b"]
)
def test_any_other_text_is_left_as_it_is(text: str) -> None:
    assert cell(text) == text


@pytest.mark.parametrize("value", [-3, 0, 7, -1.5, None, True])
def test_a_number_or_none_is_left_as_it_is(value: object) -> None:
    assert cell(value) is value


def test_a_row_goes_cell_by_cell() -> None:
    assert row(["=A1", -2, "-2", "ok", None]) == ["'=A1", -2, "'-2", "ok", None]

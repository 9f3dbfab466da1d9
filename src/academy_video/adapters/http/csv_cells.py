"""What a CSV export may put in a cell: text a spreadsheet shows, never a formula it runs.

Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate a cell whose text starts with ``=``,
``+``, ``-`` or ``@``, and some skip a leading tab or carriage return first; a student who names
themselves ``=HYPERLINK(...)`` would run it in the instructor's spreadsheet (CSV injection). As
OWASP advises, such a text cell gets a leading single quote, which spreadsheets take for "text"
and do not show. Numbers are written as they are: ``-3`` is a number, not a formula.
"""

from __future__ import annotations

# OWASP's list (https://owasp.org/www-community/attacks/CSV_Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """``value`` for a CSV writer: a text that would start a formula, quoted as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values: list[object]) -> list[object]:
    """Every cell of a row through ``cell``."""
    return [cell(value) for value in values]

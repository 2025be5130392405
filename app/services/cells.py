"""Spreadsheet cells that are safe to open: a text that begins like a formula (``=``, ``+``,
``-``, ``@``, or a tab or carriage return before one) is written as text in XLSX and, in
CSV, behind a single quote, so that a place or comment a resident or an importer wrote
can never run as a formula in a supervisor's spreadsheet (CSV injection, OWASP)."""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_safe(value: Any) -> Any:
    return "'" + value if risky(value) else value


def csv_unescape(value: str) -> str:
    """What ``csv_safe`` wrote, read back (an exported file imported again)."""
    if isinstance(value, str) and value.startswith("'") and risky(value[1:]):
        return value[1:]
    return value


def xlsx_safe(sheet, value: Any) -> Any:
    """The value, or for a formula-like text a cell typed as text (openpyxl would
    otherwise store it as a formula)."""
    if not risky(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell

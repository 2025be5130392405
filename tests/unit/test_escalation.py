"""Reminders and three-level escalation, on the official calendar with an injected clock."""

from datetime import datetime, timedelta

import pytest

from workflows.calendar import official_calendar
from workflows.deadlines import TimeLimit, Unit, due_at
from workflows.escalation import Audience, Clocks, Policy, due_steps, next_check

CAL = official_calendar([2025, 2026])


def working(start: datetime, limit: TimeLimit, state="in_progress", **kw) -> Clocks:
    due = due_at(start, limit, CAL)
    return Clocks(state=state, unit=limit.unit, dispatched_at=start, work_started=start,
                  work_due=due, signed_at=start, **kw)


def keys(steps):
    return [s.key.split(":")[0] + ":" + s.key.split(":")[1] + ":" + s.key.split(":")[2]
            for s in steps]


def test_reminders_at_half_and_four_fifths_of_the_working_time():
    # Dispatched Wednesday 09:00, 1 working day: due Thursday 17:30 (10 working hours).
    c = working(datetime(2026, 11, 25, 9, 0), TimeLimit(1, Unit.WORKING_DAYS))
    assert due_steps(c, datetime(2026, 11, 25, 16, 0), CAL) == []
    half = due_steps(c, datetime(2026, 11, 26, 9, 30), CAL)  # 6 of 10 working hours
    assert [s.threshold for s in half] == [0.5] and half[0].audience is Audience.ASSIGNEE
    late = due_steps(c, datetime(2026, 11, 26, 16, 0), CAL)  # 8.5 of 10
    assert [s.threshold for s in late] == [0.5, 0.8]


def test_the_night_does_not_bring_a_reminder_closer():
    c = working(datetime(2026, 11, 25, 9, 0), TimeLimit(1, Unit.WORKING_DAYS))
    # 22:00 and 08:00 the next day are the same point of the working clock.
    assert due_steps(c, datetime(2026, 11, 25, 22, 0), CAL) == due_steps(
        c, datetime(2026, 11, 26, 8, 0), CAL)


def test_next_check_is_the_next_threshold_or_level():
    start = datetime(2026, 11, 25, 9, 0)
    c = working(start, TimeLimit(2, Unit.WORKING_HOURS))  # due 11:00
    assert next_check(c, start, CAL) == datetime(2026, 11, 25, 10, 0)  # 50 %
    assert next_check(c, datetime(2026, 11, 25, 10, 0), CAL) == datetime(2026, 11, 25, 10, 36)
    assert next_check(c, datetime(2026, 11, 25, 10, 36), CAL) == datetime(2026, 11, 25, 11, 0)
    # After the breach: the district 4 working hours later (lunch skipped), then the city.
    assert next_check(c, datetime(2026, 11, 25, 11, 0), CAL) == datetime(2026, 11, 25, 17, 0)


def test_breach_escalates_street_then_district_then_city():
    start = datetime(2026, 11, 25, 9, 0)
    c = working(start, TimeLimit(2, Unit.WORKING_HOURS))
    at_breach = due_steps(c, datetime(2026, 11, 25, 11, 0), CAL)
    assert [(s.kind, s.level, s.audience) for s in at_breach if s.kind == "escalate"] == [
        ("escalate", 1, Audience.STREET)]
    two_days = due_steps(c, datetime(2026, 11, 27, 17, 0), CAL)
    assert [s.level for s in two_days if s.kind == "escalate"] == [1, 2, 3]
    # Already at the district: only the city is left.
    c2 = working(start, TimeLimit(2, Unit.WORKING_HOURS), escalation_level=2)
    assert [s.level for s in due_steps(c2, datetime(2026, 11, 27, 17, 0), CAL)
            if s.kind == "escalate"] == [3]


def test_escalation_waits_over_a_holiday_on_working_time():
    # Due 2026-09-30 17:30; National Day follows: the district comes on 8 October.
    start = datetime(2026, 9, 30, 16, 30)
    c = working(start, TimeLimit(1, Unit.WORKING_HOURS), escalation_level=1)
    assert due_steps(c, datetime(2026, 10, 7, 20, 0), CAL) == []
    assert due_steps(c, datetime(2026, 10, 8, 14, 0), CAL) == []  # 3.5 working hours on
    steps = due_steps(c, datetime(2026, 10, 8, 14, 30), CAL)
    assert [s.level for s in steps] == [2]
    # Saturday 10 October is a make-up working day: the city level is reached that day.
    assert [s.level for s in due_steps(c, datetime(2026, 10, 10, 17, 0), CAL)] == [2, 3]


def test_a_hold_stops_every_clock_and_rectification_stops_escalation():
    start = datetime(2026, 11, 25, 9, 0)
    held = working(start, TimeLimit(2, Unit.WORKING_HOURS), state="on_hold")
    assert due_steps(held, datetime(2026, 12, 30, 9, 0), CAL) == []
    assert next_check(held, start, CAL) is None
    fixed = working(start, TimeLimit(2, Unit.WORKING_HOURS), state="rectified")
    assert not [s for s in due_steps(fixed, datetime(2026, 12, 30, 9, 0), CAL)
                if s.kind == "escalate"]


def test_an_extension_rearms_the_reminders_under_new_keys():
    start = datetime(2026, 11, 25, 9, 0)
    c = working(start, TimeLimit(2, Unit.WORKING_HOURS))
    before = {s.key for s in due_steps(c, datetime(2026, 11, 25, 10, 50), CAL)}
    extended = Clocks(**{**c.__dict__, "work_due": datetime(2026, 11, 27, 17, 30)})
    after = {s.key for s in due_steps(extended, datetime(2026, 11, 27, 9, 0), CAL)}
    assert before and after and not before & after


def test_response_and_verification_limits_remind_their_own_people():
    start = datetime(2026, 11, 25, 9, 0)
    waiting = Clocks(state="dispatched", unit=Unit.WORKING_HOURS, dispatched_at=start,
                     response_due=start + timedelta(hours=2), work_started=start,
                     work_due=due_at(start, TimeLimit(1, Unit.WORKING_DAYS), CAL))
    steps = due_steps(waiting, datetime(2026, 11, 25, 10, 40), CAL)
    assert {(s.clock, s.threshold) for s in steps} == {("response", 0.5), ("response", 0.8)}
    checking = Clocks(state="rectified", unit=Unit.WORKING_DAYS,
                      rectified_at=start, verify_due=datetime(2026, 11, 26, 17, 30))
    steps = due_steps(checking, datetime(2026, 11, 26, 16, 0), CAL)
    assert {s.audience for s in steps} == {Audience.INSPECTOR}


def test_policy_is_checked():
    with pytest.raises(ValueError):
        Policy(thresholds=(0.5, 1.2))
    with pytest.raises(ValueError):
        Policy(district_after_hours=10, city_after_hours=5)

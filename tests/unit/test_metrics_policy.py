"""The definitions of the numbers (workflows.metrics), without a database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflows.metrics import (
    CaseFacts,
    CaseRecord,
    Event,
    Totals,
    contributions,
    counted_until,
    facts,
    replay,
    total,
)

WUHAN = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Wuhan


def h(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def case(**kw) -> CaseRecord:
    base = dict(state="closed", dispatched_at=T, signed_at=h(0.5), due_at=h(32),
                rectified_at=h(10), closed_at=h(12), has_contact=True, scores=(1,),
                district_id=1, street_id=2, area_id=3, category_id=4, assignee_user_id=5)
    return CaseRecord(**(base | kw))


def test_a_closed_case_fixed_in_time_is_due_on_its_deadline_day_and_on_time():
    f = facts(case(), WUHAN)
    assert f.due_day == date(2026, 11, 26)  # 32 h after 09:00 is 17:00 next day in Wuhan
    assert (f.on_time, f.closed_day, f.r1, f.with_contact) == (1, date(2026, 11, 25), 1, 1)
    assert (f.response_s, f.handling_s) == (1800, 36000)


def test_days_are_local_days():
    f = facts(case(due_at=datetime(2026, 11, 25, 16, 30, tzinfo=UTC)), WUHAN)
    assert f.due_day == date(2026, 11, 26)  # 00:30 on the 26th in Wuhan


@pytest.mark.parametrize("state", ["on_hold", "merged", "rejected"])
def test_held_merged_and_rejected_cases_are_never_due(state):
    assert facts(case(state=state), WUHAN).due_day is None


def test_a_case_never_dispatched_is_not_due():
    assert not facts(case(state="submitted", dispatched_at=None, due_at=None, closed_at=None),
                     WUHAN).counts


def test_a_fix_waiting_for_verification_is_not_yet_accepted():
    f = facts(case(state="rectified", closed_at=None), WUHAN)
    assert (f.due_day is not None, f.on_time, f.handling_s, f.closed_day) == (True, 0, None,
                                                                               None)


def test_a_fix_exactly_at_the_deadline_is_on_time_and_a_second_later_is_late():
    assert facts(case(rectified_at=h(32)), WUHAN).on_time == 1
    assert facts(case(rectified_at=h(32) + timedelta(seconds=1)), WUHAN).on_time == 0


def test_ratings_and_contact_count_only_for_closed_cases():
    f = facts(case(state="in_progress", closed_at=None, scores=(3,)), WUHAN)
    assert (f.r3, f.with_contact) == (0, 0)


def test_totals_give_every_rate_and_none_without_a_denominator():
    t = Totals()
    assert (t.on_time_rate, t.satisfaction_rate, t.rework_rate, t.extension_rate,
            t.rating_coverage, t.response_hours, t.handling_hours) == (None,) * 7
    for f in (facts(case(), WUHAN), facts(case(rectified_at=h(40), rework_count=1,
                                                 extension_count=2, scores=(3, 2)), WUHAN)):
        t.add_due(f)
        t.add_closed(f)
    assert (t.due, t.on_time, t.extended, t.closed, t.reworked) == (2, 1, 1, 2, 1)
    assert (t.on_time_rate, t.extension_rate, t.rework_rate) == (0.5, 0.5, 0.5)
    assert (t.ratings, t.satisfied, t.satisfaction_rate) == (3, 2, 2 / 3)
    assert t.rating_coverage == 1.5
    assert t.response_hours == 0.5


def test_contributions_and_total_agree():
    fs = [facts(case(), WUHAN), facts(case(due_at=h(200)), WUHAN)]
    by_day: dict[date, Totals] = {}
    for f in fs:
        for day, t in contributions(f).items():
            by_day.setdefault(day, Totals()).add(t)
    summed = Totals()
    for day, t in by_day.items():
        if date(2026, 11, 1) <= day <= date(2026, 11, 30):
            summed.add(t)
    assert summed == total(fs, date(2026, 11, 1), date(2026, 11, 30))
    assert summed.due == 1 and summed.closed == 2


def test_replay_follows_the_loop_and_stops_at_the_moment_asked():
    events = [
        Event(T, "submit"),
        Event(T, "dispatch", {"due_at": h(32).isoformat(), "assignee_user_id": 5}),
        Event(h(0.5), "sign_for"),
        Event(h(2), "approve_extension", {"due_at": h(60).isoformat()}),
        Event(h(10), "rectify"),
        Event(h(11), "verify_fail"),
        Event(h(40), "rectify"),
        Event(h(41), "verify_pass"),
        Event(h(50), "reopen", {"due_at": h(80).isoformat()}),
    ]
    rec = replay(events, as_of=h(45), followers_since=[T, h(60)], ratings=[(h(42), 3)])
    assert (rec.state, rec.due_at, rec.extension_count, rec.rework_count) == ("closed", h(60),
                                                                               1, 1)
    assert (rec.rectified_at, rec.closed_at, rec.has_contact, rec.scores) == (h(40), h(41),
                                                                                True, (3,))
    later = replay(events, as_of=h(70), ratings=[(h(42), 3)])
    assert (later.state, later.due_at, later.closed_at, later.rectified_at) == (
        "in_progress", h(80), None, None)


def test_replay_of_a_hold_a_return_and_a_merge():
    held = replay([Event(T, "dispatch", {"due_at": h(32).isoformat()}),
                   Event(h(1), "approve_hold")], as_of=h(100))
    assert held.state == "on_hold" and facts(held, WUHAN).due_day is None
    resumed = replay([Event(T, "dispatch", {"due_at": h(32).isoformat()}),
                      Event(h(1), "approve_hold"),
                      Event(h(90), "resume", {"due_at": h(120).isoformat()})], as_of=h(100))
    assert (resumed.state, resumed.due_at) == ("in_progress", h(120))
    returned = replay([Event(T, "dispatch", {"due_at": h(32).isoformat()}),
                       Event(h(1), "return")], as_of=h(100))
    assert (returned.dispatched_at, returned.due_at) == (None, None)
    merged = replay([Event(T, "merge")], as_of=h(1))
    assert merged.state == "merged" and not facts(merged, WUHAN).counts


def test_a_period_is_counted_up_to_yesterday():
    now = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 04:00 on the 26th in Wuhan
    assert counted_until(date(2026, 11, 30), now, WUHAN) == date(2026, 11, 25)
    assert counted_until(date(2026, 10, 31), now, WUHAN) == date(2026, 10, 31)


def test_facts_are_plain_values():
    assert CaseFacts() == CaseFacts() and not CaseFacts().counts

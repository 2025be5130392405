"""What each action does to a case (workflows.effects), without a database: the one
statement the door applies and the metrics replay applies again."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from workflows.effects import CaseRecord, apply
from workflows.lifecycle import TABLE, Action, State
from workflows.metrics import Event, all_facts, facts, replay

WUHAN = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Wuhan


def h(hours: float) -> datetime:
    return T + timedelta(hours=hours)


DISPATCH = {"area_id": 3, "street_id": 2, "district_id": 1, "category_id": 4,
            "assignee_user_id": 5, "urgency": "normal", "limit_rule_id": 9,
            "limit_unit": "working_days", "response_due_at": h(2).isoformat(),
            "due_at": h(32).isoformat()}


def dispatched(**kw) -> CaseRecord:
    rec = apply(Action.DISPATCH, CaseRecord(state="submitted", channel="sms"), T, DISPATCH)
    return replace(rec, **kw) if kw else rec


def test_every_action_states_its_effect_and_agrees_with_the_table_on_the_next_state():
    record = {
        State.SUBMITTED: CaseRecord(state="submitted"),
        State.RETURNED: CaseRecord(state="returned"),
        State.DISPATCHED: dispatched(),
        State.IN_PROGRESS: dispatched(state="in_progress", signed_at=h(1)),
        State.ON_HOLD: dispatched(state="on_hold", held_seconds_left=3600),
        State.RECTIFIED: dispatched(state="rectified", rectified_at=h(3)),
        State.CLOSED: dispatched(state="closed", rectified_at=h(3), closed_at=h(4)),
        State.REJECTED: CaseRecord(state="rejected"),
        State.MERGED: CaseRecord(state="merged"),
    }
    data = DISPATCH | {"seconds_left": 3600, "level": 1}
    for t in TABLE:
        before = record[t.source] if t.source else CaseRecord(state="submitted")
        after = apply(t.action, before, h(5), data)
        assert after.state == t.next_state(t.source).value, (t.source, t.action)


def test_a_dispatch_starts_the_clocks_and_places_the_case():
    rec = dispatched()
    assert (rec.state, rec.dispatched_at, rec.due_at, rec.response_due_at) == (
        "dispatched", T, h(32), h(2))
    assert (rec.area_id, rec.assignee_user_id, rec.limit_unit) == (3, 5, "working_days")


def test_the_response_time_ends_at_the_first_sign_for_and_a_reassignment_keeps_it():
    rec = apply(Action.SIGN_FOR, dispatched(), h(1), {})
    rec = apply(Action.REASSIGN, rec, h(2), {"assignee_user_id": 6})
    rec = apply(Action.SIGN_FOR, rec, h(3), {})
    assert (rec.signed_at, rec.assignee_user_id, rec.state) == (h(1), 6, "in_progress")


def test_a_re_dispatch_after_a_return_starts_a_new_response_time():
    rec = apply(Action.SIGN_FOR, dispatched(), h(1), {})
    rec = apply(Action.RETURN, rec, h(2), {})
    assert (rec.signed_at, rec.dispatched_at, rec.due_at) == (None, None, None)
    rec = apply(Action.DISPATCH, rec, h(3), DISPATCH | {"due_at": h(40).isoformat()})
    rec = apply(Action.SIGN_FOR, rec, h(4), {})
    assert (rec.dispatched_at, rec.signed_at) == (h(3), h(4))


def test_a_return_before_the_deadline_books_nothing():
    rec = apply(Action.RETURN, dispatched(), h(10), {})
    assert rec.breaches == () and not facts(rec, WUHAN).counts


def test_a_deadline_missed_before_a_return_stays_due_and_late_for_who_held_it():
    rec = apply(Action.SIGN_FOR, dispatched(), h(1), {})
    rec = apply(Action.RETURN, rec, h(40), {})
    assert [b.due_at for b in rec.breaches] == [h(32)]
    (missed,) = all_facts(rec, WUHAN)
    assert (missed.due_day.isoformat(), missed.on_time, missed.assignee_user_id,
            missed.channel, missed.response_s) == ("2026-11-26", 0, 5, "sms", 3600)


def test_an_extension_or_hold_approved_after_the_deadline_keeps_the_missed_deadline():
    extended = apply(Action.APPROVE_EXTENSION, dispatched(), h(33),
                     {"due_at": h(80).isoformat()})
    assert [f.due_day.isoformat() for f in all_facts(extended, WUHAN)] == ["2026-11-28",
                                                                          "2026-11-26"]
    held = apply(Action.APPROVE_HOLD, dispatched(state="in_progress"), h(33),
                 {"seconds_left": 600})
    assert [(f.due_day.isoformat(), f.on_time) for f in all_facts(held, WUHAN)] == [
        ("2026-11-26", 0)]


def test_a_hand_over_moves_the_case_to_the_new_chief_with_its_clock():
    rec = apply(Action.HAND_OVER, dispatched(), h(5), {"assignee_user_id": 7})
    assert (rec.assignee_user_id, rec.due_at, rec.breaches) == (7, h(32), ())
    assert facts(rec, WUHAN).assignee_user_id == 7


def test_a_deadline_missed_before_a_hand_over_stays_with_the_old_chief_and_counts_once():
    rec = apply(Action.HAND_OVER, dispatched(), h(40), {"assignee_user_id": 7})
    counted = all_facts(rec, WUHAN)
    assert [(f.assignee_user_id, f.due_day is not None) for f in counted] == [(5, True)]
    rec = apply(Action.RECTIFY, apply(Action.SIGN_FOR, rec, h(41), {}), h(42), {})
    rec = apply(Action.VERIFY_PASS, rec, h(43), {})
    due = [f for f in all_facts(rec, WUHAN) if f.due_day is not None]
    assert [(f.assignee_user_id, f.on_time) for f in due] == [(5, 0)]


def test_a_met_deadline_is_not_booked_as_missed_by_a_reopen():
    rec = dispatched(state="closed", rectified_at=h(3), closed_at=h(4))
    rec = apply(Action.REOPEN, rec, h(50), {"due_at": h(90).isoformat()})
    assert rec.breaches == () and rec.due_at == h(90)


def test_the_replay_applies_the_same_effects_hand_over_included():
    events = [Event(T, "submit", {"channel": "web", "area_id": 3, "street_id": 2,
                                  "district_id": 1, "category_id": 4}),
              Event(T, "dispatch", DISPATCH),
              Event(h(1), "sign_for", {}),
              Event(h(2), "hand_over", {"assignee_user_id": 7})]
    rec = replay(events, as_of=h(3))
    assert (rec.assignee_user_id, rec.channel, rec.signed_at) == (7, "web", h(1))
    assert replay(events, as_of=h(1.5)).assignee_user_id == 5

"""The pure rules of issue 24: a problem point's status from its cases, and a unit's score,
rank and list from its counters."""

from datetime import UTC, datetime, timedelta

from workflows import assessment, points
from workflows.metrics import Totals

T0 = datetime(2026, 10, 5, 1, 0, tzinfo=UTC)
W = timedelta(weeks=1)


def test_a_point_without_cases_meets_the_standard_exactly_after_n_weeks():
    assert points.standing(T0, [], 4, T0 + 4 * W - timedelta(seconds=1)).status == "rectifying"
    s = points.standing(T0, [], 4, T0 + 4 * W)
    assert (s.status, s.weeks_clean, s.met_count) == ("met", 4, 1)


def test_cases_before_the_point_or_after_now_do_not_count():
    s = points.standing(T0, [(T0 - W, 1), (T0 + 9 * W, 2)], 2, T0 + 3 * W)
    assert s.status == "met" and s.rebound_count == 0


def test_rebound_then_met_again_is_in_the_history_in_order():
    s = points.standing(T0, [(T0 + 3 * W, 7), (T0 + 3 * W + timedelta(days=1), 8)], 2,
                        T0 + 6 * W)
    assert [(c.status, c.case_id) for c in s.history] == [
        ("rectifying", None), ("met", None), ("rebound", 7), ("met", None)]
    assert s.history[1].at == T0 + 2 * W
    assert s.history[3].at == T0 + 3 * W + timedelta(days=1) + 2 * W


RULES = {
    "indicators": {"on_time_rate": {"weight": 60, "full": 1.0, "zero": 0.5},
                   "satisfaction_rate": {"weight": 40, "full": 1.0, "zero": 0.5}},
    "deductions": {"late": {"points": 3, "cap": 5}},
    "max_deduction": 4,
    "red": {"size": 1, "at_least": 50}, "black": {"size": 1, "below": 95},
}


def test_an_indicator_without_cases_is_left_out_and_the_others_scaled_to_100():
    s = assessment.score(Totals(due=4, on_time=4), RULES)
    assert s.score == 100.0 and s.indicators["satisfaction_rate"]["points"] is None


def test_shares_are_linear_and_clamped_and_deductions_capped():
    # on time 3/4 = 0.75: half of 60; satisfaction 1/1: 40; one late: 3 points.
    s = assessment.score(Totals(due=4, on_time=3, r1=1), RULES)
    assert (s.base, s.deducted, s.score) == (70.0, 3.0, 67.0)
    s = assessment.score(Totals(due=10, on_time=2, r3=1), RULES)  # many late: capped at 4
    assert (s.base, s.deducted, s.score) == (0.0, 4.0, 0.0)


def test_lower_is_better_when_full_marks_lie_below_no_marks():
    rules = {**RULES, "indicators": {"rework_rate": {"weight": 100, "full": 0.0,
                                                     "zero": 0.2}}, "deductions": {}}
    assert assessment.score(Totals(closed=10, reworked=1), rules).score == 50.0


def test_a_unit_with_nothing_to_assess_has_no_score_rank_or_list():
    assert assessment.score(Totals(), RULES).score is None
    ranked = assessment.rank({"a": 90.0, "b": 90.0, "c": 70.0, "d": None}, RULES)
    assert [ranked[k].rank for k in "abcd"] == [1, 1, 3, None]
    assert ranked["a"].mark == "red" and ranked["c"].mark == "black"
    assert ranked["b"].mark == "red"  # tied with "a": equal scores, equal treatment
    assert ranked["d"].mark == ""


def test_the_default_scheme_is_whole():
    assert assessment.problems(assessment.DEFAULT_RULES) == {}


def test_units_tied_at_a_lists_cut_off_are_treated_alike():
    from workflows.assessment import rank

    ranked = rank({9: 95, 10: 95, 11: 99, 12: 97, 13: 80},
                  {"red": {"size": 3, "at_least": 90}, "black": {"size": 1, "below": 96}})
    assert ranked[9].rank == ranked[10].rank == 3
    assert ranked[9].mark == ranked[10].mark == "red"  # both, though the list holds three
    assert ranked[13].mark == "black" and ranked[11].mark == ranked[12].mark == "red"

"""The rules of supervision work (workflows/supervision.py): when campaigns overlap, when a
task is overdue."""

from datetime import date

import pytest

from workflows.supervision import Scope, overlaps, task_overdue

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def scope(first=NOV[0], last=NOV[1], categories=(9,), areas=(1, 2)) -> Scope:
    return Scope(first, last, frozenset(categories), frozenset(areas))


@pytest.mark.parametrize("other,expected", [
    (scope(), True),
    (scope(first=date(2026, 11, 30), last=date(2026, 12, 31)), True),  # one day shared
    (scope(first=date(2026, 12, 1), last=date(2026, 12, 31)), False),  # the day after
    (scope(first=date(2026, 10, 1), last=date(2026, 10, 31)), False),  # the month before
    (scope(categories=(10,)), False),
    (scope(categories=(9, 10)), True),
    (scope(categories=()), True),  # every category
    (scope(areas=(2, 3)), True),
    (scope(areas=(3,)), False),
    (scope(areas=()), False),  # a place without areas covers nothing
])
def test_campaigns_overlap_when_period_categories_and_areas_all_meet(other, expected):
    assert overlaps(scope(), other) is expected
    assert overlaps(other, scope()) is expected  # symmetric


def test_every_category_meets_every_category():
    assert overlaps(scope(categories=()), scope(categories=()))


@pytest.mark.parametrize("status,due,expected", [
    ("open", date(2026, 12, 1), True),
    ("open", date(2026, 12, 2), False),  # due today: not yet
    ("open", None, False),
    ("closed", date(2026, 11, 1), False),
])
def test_an_open_task_is_overdue_from_the_day_after_its_due_date(status, due, expected):
    assert task_overdue(status, due, date(2026, 12, 2)) is expected

"""Rules of supervision work, stated once: when two special campaigns overlap, and when a
task of a task list is overdue. Pure policy: no Flask, no SQLAlchemy, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Scope:
    """What a campaign covers: local days ``first``..``last`` (inclusive), its categories
    (empty: every category) and the responsibility areas of its places."""

    first: date
    last: date
    categories: frozenset[int]
    areas: frozenset[int]


def overlaps(a: Scope, b: Scope) -> bool:
    """Two campaigns overlap when their periods share a day, their categories meet (no
    categories means all of them) and their places share an area."""
    if a.first > b.last or b.first > a.last:
        return False
    if a.categories and b.categories and not a.categories & b.categories:
        return False
    return bool(a.areas & b.areas)


def task_overdue(status: str, due_on: date | None, today: date) -> bool:
    """An open task is overdue from the day after its due date."""
    return status == "open" and due_on is not None and due_on < today

"""Time limits and the clock of a case: when it is due, how much time is left, what a
hold or an extension does to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from workflows.calendar import WorkingCalendar


class Unit(StrEnum):
    WORKING_HOURS = "working_hours"  # 工作时
    WORKING_DAYS = "working_days"  # 工作日
    CALENDAR_HOURS = "calendar_hours"  # 自然时

    @property
    def is_working_time(self) -> bool:
        return self is not Unit.CALENDAR_HOURS


@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError("a time limit must be positive")
        object.__setattr__(self, "unit", Unit(self.unit))

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"


def due_at(start: datetime, limit: TimeLimit, calendar: WorkingCalendar) -> datetime:
    """The local instant at which ``limit`` runs out when the clock starts at ``start``."""
    if limit.unit is Unit.CALENDAR_HOURS:
        return start + timedelta(hours=limit.amount)
    if limit.unit is Unit.WORKING_HOURS:
        return calendar.add_working_seconds(start, limit.amount * 3600)
    return calendar.add_working_days(start, limit.amount)


def time_left(now: datetime, due: datetime, unit: Unit, calendar: WorkingCalendar) -> int:
    """Seconds of the limit's own kind of time left before ``due`` (negative once late).

    A hold stores this value and :func:`resume` spends it again, so the clock stops while
    a case is on hold, whatever the unit."""
    if now >= due:
        return -int((now - due).total_seconds())
    if unit.is_working_time:
        return calendar.working_seconds_between(now, due)
    return int((due - now).total_seconds())


def resume(now: datetime, seconds_left: int, unit: Unit, calendar: WorkingCalendar) -> datetime:
    """The new deadline when a held clock restarts at ``now`` with ``seconds_left``; never
    in the past (a deadline missed before the hold is booked as missed when the hold is
    approved, and the case gets its remaining time back, or none, from now)."""
    if seconds_left <= 0:
        return now
    if unit.is_working_time:
        return calendar.add_working_seconds(now, seconds_left)
    return now + timedelta(seconds=seconds_left)


def elapsed_fraction(
    start: datetime, due: datetime, now: datetime, unit: Unit, calendar: WorkingCalendar
) -> float:
    """Share of the limit used up at ``now`` (0.0 at start, 1.0 at the deadline), counted in
    the limit's own kind of time; used for the 50 % / 80 % reminders."""
    if unit.is_working_time:
        total = calendar.working_seconds_between(start, due)
        used = calendar.working_seconds_between(start, min(now, due))
    else:
        total = (due - start).total_seconds()
        used = (min(now, due) - start).total_seconds()
    if now >= due:
        return 1.0 if total == 0 else max(1.0, used / total)
    return 0.0 if total <= 0 else used / total


@dataclass(frozen=True)
class Remaining:
    """Time left before a deadline in the limit's own kind of time, for a person to read:
    ``amount`` of ``unit`` ("working_days", "working_hours", "working_minutes",
    "calendar_hours" or "minutes"), and whether the working clock stands still now
    (outside office hours, on a weekend or holiday)."""

    seconds: int
    amount: float
    unit: str
    clock_stopped: bool


def remaining(now: datetime, due: datetime, unit: Unit, calendar: WorkingCalendar) -> Remaining:
    seconds = time_left(now, due, unit, calendar)
    stopped = unit.is_working_time and seconds > 0 and \
        calendar.working_seconds_between(now, now + timedelta(minutes=1)) == 0
    if unit is Unit.WORKING_DAYS and seconds >= calendar.day_seconds:
        return Remaining(seconds, round(seconds / calendar.day_seconds, 1), "working_days",
                         stopped)
    if seconds < 3600:
        return Remaining(seconds, max(0, seconds // 60),
                         "working_minutes" if unit.is_working_time else "minutes", stopped)
    kind = "calendar_hours" if unit is Unit.CALENDAR_HOURS else "working_hours"
    return Remaining(seconds, round(seconds / 3600, 1), kind, stopped)

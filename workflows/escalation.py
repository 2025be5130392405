"""Time limits that act: which reminders and escalations a case is due for at a moment.

Pure policy. The sweep asks :func:`due_steps` for the steps a case has reached and
records each under its ``key`` (unique per case), so a step is taken once however often
the sweep runs; :func:`next_check` tells when the case next needs looking at, so the
sweep only reads cases whose time has come.

* Reminders go to the accountable person when a share of a limit's working time has
  passed (default 50 % and 80 %): the response limit (dispatch → signed for) and the
  rectification limit; to the inspector for the verification limit.
* At the breach of the rectification deadline the case is overdue and escalates to the
  street (level 1); still open after a further delay, to the district (2), then the city
  (3): 三级指挥.
* A hold stops every clock; an approved extension moves the deadline (and so re-arms the
  reminders, whose keys carry the deadline); a reported rectification stops escalation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from workflows.calendar import WorkingCalendar
from workflows.deadlines import Unit, elapsed_fraction


class Audience(StrEnum):
    ASSIGNEE = "assignee"
    INSPECTOR = "inspector"
    STREET = "street"
    DISTRICT = "district"
    CITY = "city"


LEVEL_AUDIENCE = {1: Audience.STREET, 2: Audience.DISTRICT, 3: Audience.CITY}


@dataclass(frozen=True)
class Policy:
    thresholds: tuple[float, ...] = (0.5, 0.8)
    #: Further time after the breach before the district, then the city, takes over
    #: (hours of the limit's own kind of time: working hours for working-time limits).
    district_after_hours: float = 4
    city_after_hours: float = 16

    def __post_init__(self) -> None:
        if any(not 0 < t < 1 for t in self.thresholds):
            raise ValueError("reminder thresholds are fractions between 0 and 1")
        if not 0 <= self.district_after_hours <= self.city_after_hours:
            raise ValueError("the city is reached after the district")


@dataclass(frozen=True)
class Clocks:
    """What the policy needs to know of a case (local wall-clock times)."""

    state: str
    unit: Unit
    dispatched_at: datetime | None = None
    response_due: datetime | None = None
    signed_at: datetime | None = None
    work_started: datetime | None = None  # dispatch, or the failed check that began rework
    work_due: datetime | None = None  # the deadline the assignee works to now
    rectified_at: datetime | None = None
    verify_due: datetime | None = None
    escalation_level: int = 0


@dataclass(frozen=True)
class Step:
    key: str  # unique per case: the same step is never taken twice
    kind: str  # "remind" or "escalate"
    clock: str  # "response", "rectify" or "verify"
    audience: Audience
    threshold: float | None = None
    level: int | None = None


def _stamp(t: datetime) -> str:
    return t.strftime("%Y%m%dT%H%M")


def _reminders(clock: str, start, due, now, unit, cal, policy, audience) -> list[Step]:
    if start is None or due is None:
        return []
    used = elapsed_fraction(start, due, now, unit, cal)
    return [
        Step(f"remind:{clock}:{int(t * 100)}:{_stamp(due)}", "remind", clock, audience,
             threshold=t)
        for t in policy.thresholds
        if used >= t and now < due
    ]


def _after(due: datetime, hours: float, unit: Unit, cal: WorkingCalendar) -> datetime:
    if unit.is_working_time:
        return cal.add_working_seconds(due, round(hours * 3600))
    return due + timedelta(hours=hours)


def _levels(c: Clocks, policy: Policy, cal: WorkingCalendar) -> list[tuple[int, datetime]]:
    assert c.work_due is not None
    return [
        (1, c.work_due),
        (2, _after(c.work_due, policy.district_after_hours, c.unit, cal)),
        (3, _after(c.work_due, policy.city_after_hours, c.unit, cal)),
    ]


def _working(c: Clocks) -> bool:
    return c.state in ("dispatched", "in_progress") and c.work_due is not None


def due_steps(c: Clocks, now: datetime, cal: WorkingCalendar, policy: Policy = Policy()
              ) -> list[Step]:
    """Every step the case has reached at ``now``, in the order to take them."""
    steps: list[Step] = []
    if c.state == "dispatched" and c.signed_at is None:
        steps += _reminders("response", c.dispatched_at, c.response_due, now, c.unit, cal,
                            policy, Audience.ASSIGNEE)
    if _working(c):
        steps += _reminders("rectify", c.work_started or c.dispatched_at, c.work_due, now,
                            c.unit, cal, policy, Audience.ASSIGNEE)
        for level, at in _levels(c, policy, cal):
            if now >= at and level > c.escalation_level:
                steps.append(Step(f"escalate:{level}:{_stamp(c.work_due)}", "escalate",
                                  "rectify", LEVEL_AUDIENCE[level], level=level))
    if c.state == "rectified":
        steps += _reminders("verify", c.rectified_at, c.verify_due, now, c.unit, cal, policy,
                            Audience.INSPECTOR)
    return steps


def _threshold_times(start, due, unit, cal, policy) -> list[datetime]:
    if start is None or due is None:
        return []
    out = []
    for t in policy.thresholds:
        if unit.is_working_time:
            total = cal.working_seconds_between(start, due)
            out.append(cal.add_working_seconds(start, int(total * t)) if total else due)
        else:
            out.append(start + (due - start) * t)
    return out


def next_check(c: Clocks, after: datetime, cal: WorkingCalendar, policy: Policy = Policy()
               ) -> datetime | None:
    """The first moment after ``after`` at which :func:`due_steps` may say more; None when
    no clock runs (final, closed or on hold)."""
    moments: list[datetime] = []
    if c.state == "dispatched" and c.signed_at is None:
        moments += _threshold_times(c.dispatched_at, c.response_due, c.unit, cal, policy)
    if _working(c):
        moments += _threshold_times(c.work_started or c.dispatched_at, c.work_due, c.unit,
                                    cal, policy)
        moments += [at for level, at in _levels(c, policy, cal) if level > c.escalation_level]
    if c.state == "rectified":
        moments += _threshold_times(c.rectified_at, c.verify_due, c.unit, cal, policy)
    later = [m for m in moments if m > after]
    return min(later) if later else None

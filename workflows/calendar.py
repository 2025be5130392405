"""Working time on China's official calendar.

A :class:`WorkingCalendar` knows which dates are holidays, which weekend dates are make-up
working days (调休), and the office hours of a working day (possibly with a lunch break).
Deadline arithmetic converts a time limit into an instant:

* **calendar hours** (自然时): plain elapsed time, used for safety hazards;
* **working hours** (工作时): only time inside office hours on working days counts;
* **working days** (工作日): the limit ends at the close of office on the N-th working day
  after the day the clock starts (the start day itself is not counted, so a case reported
  at 16:00 is not due the same evening).

All arithmetic is on naive *local* datetimes (the city's wall clock); callers convert
from and to UTC at the edge.  Dates outside the calendar's data fall back to Monday to
Friday, and :meth:`WorkingCalendar.covers` says whether a date is backed by data.

Lookups are O(log n) on precomputed arrays so that tens of thousands of deadlines a
second can be computed (see ``bench/bench_core.py``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class OfficePeriod:
    """One stretch of office time in a working day, e.g. 08:30–12:00."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"office period must start before it ends: {self.start}-{self.end}")

    @property
    def seconds(self) -> int:
        return _secs(self.end) - _secs(self.start)


DEFAULT_OFFICE_HOURS = (
    OfficePeriod(time(8, 30), time(12, 0)),
    OfficePeriod(time(14, 0), time(17, 30)),
)


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


class WorkingCalendar:
    """Holidays, make-up working days and office hours, with fast working-time arithmetic."""

    def __init__(
        self,
        holidays: Iterable[date] = (),
        makeup_workdays: Iterable[date] = (),
        office_hours: Iterable[OfficePeriod] = DEFAULT_OFFICE_HOURS,
        covered_years: Iterable[int] = (),
        span: tuple[int, int] | None = None,
    ) -> None:
        self.holidays = frozenset(holidays)
        self.makeup_workdays = frozenset(makeup_workdays)
        clash = self.holidays & self.makeup_workdays
        if clash:
            raise ValueError(f"a date cannot be both holiday and make-up working day: {min(clash)}")
        periods = sorted(office_hours, key=lambda p: p.start)
        if not periods:
            raise ValueError("office hours must have at least one period")
        for a, b in zip(periods, periods[1:], strict=False):
            if b.start < a.end:
                raise ValueError(f"office periods overlap: {a.start}-{a.end} and {b.start}-{b.end}")
        self.office_hours = tuple(periods)
        self._bounds = [(_secs(p.start), _secs(p.end)) for p in periods]
        self.day_seconds = sum(e - s for s, e in self._bounds)
        self.covered_years = frozenset(covered_years)
        years = [d.year for d in self.holidays | self.makeup_workdays] + list(self.covered_years)
        lo, hi = span or ((min(years) - 1, max(years) + 5) if years else (2000, 2100))
        self._first = date(lo, 1, 1).toordinal()
        self._last = date(hi, 12, 31).toordinal()
        # _workdays: sorted ordinals of working days in the span, for bisect-based counting.
        self._workdays = [
            o for o in range(self._first, self._last + 1) if self._is_workday_uncached(o)
        ]

    # -- days ---------------------------------------------------------------------------

    def _is_workday_uncached(self, ordinal: int) -> bool:
        d = date.fromordinal(ordinal)
        if d in self.makeup_workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def is_workday(self, d: date) -> bool:
        o = d.toordinal()
        if self._first <= o <= self._last:
            i = bisect.bisect_left(self._workdays, o)
            return i < len(self._workdays) and self._workdays[i] == o
        return self._is_workday_uncached(o)

    def covers(self, d: date) -> bool:
        """True when ``d`` falls in a year whose official arrangement is in the data."""
        return d.year in self.covered_years

    def _check_span(self, o: int) -> None:
        if not self._first <= o <= self._last - 400:
            raise ValueError(f"date {date.fromordinal(o)} is outside the calendar's span")

    def _nth_workday_after(self, o: int, n: int) -> int:
        """Ordinal of the n-th working day strictly after ordinal ``o`` (n >= 1)."""
        self._check_span(o)
        i = bisect.bisect_right(self._workdays, o) + n - 1
        if i >= len(self._workdays):
            raise ValueError("deadline falls outside the calendar's span")
        return self._workdays[i]

    def _workdays_between(self, o1: int, o2: int) -> int:
        """Number of working days d with o1 < d < o2."""
        days = self._workdays
        return max(0, bisect.bisect_left(days, o2) - bisect.bisect_right(days, o1))

    # -- seconds within one day -----------------------------------------------------------

    def _office_seconds_before(self, s: int) -> int:
        """Office seconds in a working day that fall before second-of-day ``s``."""
        total = 0
        for start, end in self._bounds:
            if s <= start:
                break
            total += min(s, end) - start
        return total

    def _second_of_day_after(self, office_seconds: int) -> int:
        """Second-of-day at which ``office_seconds`` (0 < x <= day_seconds) of office time have
        passed since the day's opening."""
        remaining = office_seconds
        for start, end in self._bounds:
            span = end - start
            if remaining <= span:
                return start + remaining
            remaining -= span
        raise ValueError("more office seconds than a day holds")

    # -- arithmetic ---------------------------------------------------------------------

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Office seconds on working days between local instants a and b (0 if b <= a)."""
        if b <= a:
            return 0
        oa, ob = a.toordinal(), b.toordinal()
        sa = a.hour * 3600 + a.minute * 60 + a.second
        sb = b.hour * 3600 + b.minute * 60 + b.second
        if oa == ob:
            if not self.is_workday(a.date()):
                return 0
            return self._office_seconds_before(sb) - self._office_seconds_before(sa)
        total = 0
        if self.is_workday(a.date()):
            total += self.day_seconds - self._office_seconds_before(sa)
        total += self._workdays_between(oa, ob) * self.day_seconds
        if self.is_workday(b.date()):
            total += self._office_seconds_before(sb)
        return total

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """The instant at which ``seconds`` of office time have passed since ``start``.

        A limit that runs out exactly at a closing time ends then (not at the next opening).
        """
        if seconds < 0:
            raise ValueError("a time limit cannot be negative")
        if seconds == 0:
            return start
        o = start.toordinal()
        s = start.hour * 3600 + start.minute * 60 + start.second
        if self.is_workday(start.date()):
            left_today = self.day_seconds - self._office_seconds_before(s)
            if seconds <= left_today:
                done = self._office_seconds_before(s) + seconds
                return _at(o, self._second_of_day_after(done))
            seconds -= left_today
        # Whole working days, then the remainder inside the final day.
        full, rest = divmod(seconds, self.day_seconds)
        if rest == 0:
            day = self._nth_workday_after(o, full)
            return _at(day, self._bounds[-1][1])
        day = self._nth_workday_after(o, full + 1)
        return _at(day, self._second_of_day_after(rest))

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_working_seconds(start, round(hours * 3600))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Close of office on the ``days``-th working day after the start day."""
        if days < 0:
            raise ValueError("a time limit cannot be negative")
        if days == 0:
            return start
        return _at(self._nth_workday_after(start.toordinal(), days), self._bounds[-1][1])


def _at(ordinal: int, second_of_day: int) -> datetime:
    d = date.fromordinal(ordinal)
    return datetime(d.year, d.month, d.day) + timedelta(seconds=second_of_day)


def official_calendar(
    years: Iterable[int] | None = None,
    office_hours: Iterable[OfficePeriod] = DEFAULT_OFFICE_HOURS,
) -> WorkingCalendar:
    """China's official calendar for the years the ``chinesecalendar`` package publishes
    (used to seed the database; later years are added by an administrator as data)."""
    holidays, workdays, covered = official_days(years)
    return WorkingCalendar(holidays, workdays, office_hours, covered)


def official_names(days: Iterable[date]) -> dict[date, str]:
    """The holiday each official day off or make-up working day belongs to, by the
    package's (English) name, e.g. "Spring Festival"."""
    import chinese_calendar

    named = {**chinese_calendar.workdays, **chinese_calendar.holidays}
    return {d: str(named[d]) for d in days if named.get(d)}


def official_days(years: Iterable[int] | None = None) -> tuple[set[date], set[date], set[int]]:
    """(holidays on weekdays or weekends, make-up working days, covered years) from the
    ``chinesecalendar`` package, restricted to ``years`` when given."""
    import chinese_calendar  # a data package; imported lazily so the policy stays light

    wanted = set(years) if years is not None else None
    holidays = {d for d in chinese_calendar.holidays if wanted is None or d.year in wanted}
    workdays = {d for d in chinese_calendar.workdays if wanted is None or d.year in wanted}
    covered = {d.year for d in holidays | workdays}
    if wanted is not None:
        covered &= wanted
    return holidays, workdays, covered

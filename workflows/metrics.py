"""The SLA numbers, defined once (DOMAIN.md, "The numbers").

Pure policy: no Flask, no SQLAlchemy, no I/O. Three steps, each a plain function:

1. :func:`replay` rebuilds a case's record, as it stood at a given moment, from its
   append-only events (with its followers and ratings). It is how a published figure is
   reproduced later from the case records alone.
2. :func:`facts` reduces a case's record to what it contributes to the figures: the day
   its final deadline falls on (if it is a *due case*), whether it was *on time*, the
   day it was *closed*, its ratings ... These per-case facts are what the daily rollup
   adds up, and what the case export prints.
3. :class:`Totals` adds facts up and divides: the rates and mean times.

A period is a range of local calendar days ``[first, last]`` (a month unless chosen
otherwise); days are in the city's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

#: The plan's targets (Wuhan 2022-2024, section 三(六)1). A city may change them.
ON_TIME_TARGET = 0.95
SATISFACTION_TARGET = 0.85

#: Rating scores: 1 满意 satisfied, 2 基本满意 fairly satisfied, 3 不满意 dissatisfied.
SATISFIED_SCORES = (1, 2)

#: States whose case is not counted as due whatever its deadline: a hold stops the clock,
#: a merged or rejected case was never the assignee's to fix.
NOT_DUE_STATES = frozenset({"on_hold", "merged", "rejected"})


@dataclass
class CaseRecord:
    """The fields of a case that the numbers read, as they stood at some moment."""

    state: str
    dispatched_at: datetime | None = None
    signed_at: datetime | None = None
    due_at: datetime | None = None  # the final deadline, after extensions and holds
    rectified_at: datetime | None = None  # the latest reported rectification
    closed_at: datetime | None = None
    extension_count: int = 0
    rework_count: int = 0
    has_contact: bool = False  # at least one follower (reporter or supporter) with a phone
    scores: tuple[int, ...] = ()  # every rating received (one per follower)
    # Where the case counts: place, category and the assignee who holds it.
    district_id: int | None = None
    street_id: int | None = None
    area_id: int | None = None
    category_id: int | None = None
    assignee_user_id: int | None = None
    assignee_agency_id: int | None = None


@dataclass(frozen=True)
class CaseFacts:
    """What one case contributes to the figures. ``due_day`` is None unless the case is a
    due case; ``closed_day`` is None unless it is closed. Booleans are 0/1 so that they add."""

    district_id: int = 0
    street_id: int = 0
    area_id: int = 0
    category_id: int = 0
    assignee_user_id: int = 0  # 0: none (an agency holds the case)
    assignee_agency_id: int = 0  # 0: none (a person holds the case)
    due_day: date | None = None
    on_time: int = 0
    extended: int = 0
    response_s: int | None = None  # dispatch -> signed for, in seconds
    handling_s: int | None = None  # dispatch -> accepted rectification, in seconds
    closed_day: date | None = None
    reworked: int = 0
    with_contact: int = 0
    r1: int = 0
    r2: int = 0
    r3: int = 0

    @property
    def counts(self) -> bool:
        return self.due_day is not None or self.closed_day is not None


def _day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def facts(case: CaseRecord, zone: tzinfo) -> CaseFacts:
    """The one definition of a case's part in the numbers.

    * **due**: dispatched, with a final deadline, and not on hold, merged or rejected;
      it counts on the local day of that deadline.
    * **on time**: a due case that is closed, whose accepted rectification (the one that
      passed verification, or was accepted by a supervisor's close) was reported at or
      before the final deadline. A rectification still waiting for verification is not
      accepted yet, so it is not on time yet.
    * **extended**: a due case with at least one approved extension.
    * **response** and **handling** times are those of due cases: dispatch to signing
      for, dispatch to the accepted rectification.
    * **closed**: state closed, on the local day of closing; reworked when a verification
      ever failed; with a contact when a resident follows it; and its ratings.
    """
    closed = case.state == "closed" and case.closed_at is not None
    due = (
        case.dispatched_at is not None
        and case.due_at is not None
        and case.state not in NOT_DUE_STATES
    )
    accepted = case.rectified_at if closed else None
    values: dict[str, Any] = {}
    if due:
        values.update(
            due_day=_day(case.due_at, zone),
            on_time=int(accepted is not None and accepted <= case.due_at),
            extended=int(case.extension_count > 0),
            response_s=_seconds(case.dispatched_at, case.signed_at),
            handling_s=_seconds(case.dispatched_at, accepted),
        )
    if closed:
        scores = case.scores
        values.update(
            closed_day=_day(case.closed_at, zone),
            reworked=int(case.rework_count > 0),
            with_contact=int(case.has_contact),
            r1=scores.count(1),
            r2=scores.count(2),
            r3=scores.count(3),
        )
    return CaseFacts(
        district_id=case.district_id or 0,
        street_id=case.street_id or 0,
        area_id=case.area_id or 0,
        category_id=case.category_id or 0,
        assignee_user_id=case.assignee_user_id or 0,
        assignee_agency_id=case.assignee_agency_id or 0,
        **values,
    )


# -- adding up -------------------------------------------------------------------------------


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Totals:
    """Counters of a set of cases in a period, and the figures derived from them.

    The counter names are also the columns of the daily rollup tables."""

    due: int = 0
    on_time: int = 0
    extended: int = 0
    signed: int = 0
    response_s: int = 0
    handled: int = 0
    handling_s: int = 0
    closed: int = 0
    reworked: int = 0
    with_contact: int = 0
    r1: int = 0
    r2: int = 0
    r3: int = 0

    # -- counting
    def add_due(self, f: CaseFacts) -> None:
        self.due += 1
        self.on_time += f.on_time
        self.extended += f.extended
        if f.response_s is not None:
            self.signed += 1
            self.response_s += f.response_s
        if f.handling_s is not None:
            self.handled += 1
            self.handling_s += f.handling_s

    def add_closed(self, f: CaseFacts) -> None:
        self.closed += 1
        self.reworked += f.reworked
        self.with_contact += f.with_contact
        self.r1 += f.r1
        self.r2 += f.r2
        self.r3 += f.r3

    def add(self, other: Totals | Mapping[str, Any]) -> Totals:
        for name in COUNTERS:
            value = getattr(other, name) if isinstance(other, Totals) else other[name]
            setattr(self, name, getattr(self, name) + int(value or 0))
        return self

    @classmethod
    def of(cls, row: Mapping[str, Any] | Any) -> Totals:
        get = row.get if isinstance(row, Mapping) else (lambda k: getattr(row, k))
        return cls(**{name: int(get(name) or 0) for name in COUNTERS})

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}

    # -- the figures
    @property
    def late(self) -> int:
        return self.due - self.on_time

    @property
    def ratings(self) -> int:
        return self.r1 + self.r2 + self.r3

    @property
    def satisfied(self) -> int:
        return self.r1 + self.r2

    @property
    def on_time_rate(self) -> float | None:
        """限时整改率 = on-time ÷ due."""
        return _ratio(self.on_time, self.due)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 = (满意 + 基本满意) ÷ ratings received, for cases closed in the period."""
        return _ratio(self.satisfied, self.ratings)

    @property
    def rework_rate(self) -> float | None:
        """返工率 = closed cases with at least one failed verification ÷ closed."""
        return _ratio(self.reworked, self.closed)

    @property
    def extension_rate(self) -> float | None:
        """延期率 = due cases with an approved extension ÷ due."""
        return _ratio(self.extended, self.due)

    @property
    def rating_coverage(self) -> float | None:
        """回访率 = ratings received ÷ closed cases with a contact. Every follower may rate,
        so a case followed by several residents can bring several ratings."""
        return _ratio(self.ratings, self.with_contact)

    @property
    def response_hours(self) -> float | None:
        """Mean hours from dispatch to signing for, over due cases signed for."""
        return self.response_s / self.signed / 3600 if self.signed else None

    @property
    def handling_hours(self) -> float | None:
        """Mean hours from dispatch to the accepted rectification, over due cases closed."""
        return self.handling_s / self.handled / 3600 if self.handled else None


COUNTERS: tuple[str, ...] = tuple(f.name for f in fields(Totals))

#: The rollup's counters split by the day they are booked on.
DUE_COUNTERS = ("due", "on_time", "extended", "signed", "response_s", "handled", "handling_s")
CLOSED_COUNTERS = ("closed", "reworked", "with_contact", "r1", "r2", "r3")


def contributions(f: CaseFacts) -> dict[date, Totals]:
    """What one case adds to each day of the rollup (its due day and its closing day)."""
    out: dict[date, Totals] = {}
    if f.due_day is not None:
        out.setdefault(f.due_day, Totals()).add_due(f)
    if f.closed_day is not None:
        out.setdefault(f.closed_day, Totals()).add_closed(f)
    return out


def total(all_facts: Iterable[CaseFacts], first: date, last: date) -> Totals:
    """Add up the facts of many cases over the days ``first`` to ``last`` inclusive."""
    out = Totals()
    for f in all_facts:
        if f.due_day is not None and first <= f.due_day <= last:
            out.add_due(f)
        if f.closed_day is not None and first <= f.closed_day <= last:
            out.add_closed(f)
    return out


# -- the record rebuilt from the events ---------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One entry of a case's event record, as much of it as the numbers need."""

    at: datetime
    action: str
    data: Mapping[str, Any] = field(default_factory=dict)


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def replay(
    events: Iterable[Event],
    *,
    as_of: datetime,
    followers_since: Iterable[datetime] = (),
    ratings: Iterable[tuple[datetime, int]] = (),
    place: Mapping[str, int | None] | None = None,
) -> CaseRecord:
    """The case's record as it stood at ``as_of``, from its events (in order), the moments
    its followers began following it, and its ratings ``(at, score)``.

    ``place`` gives the case's district, street, area and category ids (set by the dispatch
    that placed it; the event names the area only). Each action's effect mirrors the one
    door, ``app.services.cases``; a test replays real histories against the case rows."""
    rec = CaseRecord(state="submitted", **(dict(place) if place else {}))
    for e in events:
        if e.at > as_of:
            break
        a, d = e.action, e.data
        if a == "dispatch":
            rec.state, rec.dispatched_at, rec.due_at = "dispatched", e.at, _when(d.get("due_at"))
            rec.signed_at = rec.rectified_at = None
            rec.assignee_user_id = d.get("assignee_user_id")
            rec.assignee_agency_id = d.get("assignee_agency_id")
        elif a == "sign_for":
            rec.state, rec.signed_at = "in_progress", e.at
        elif a == "reassign":
            rec.state, rec.signed_at = "dispatched", None
            rec.assignee_user_id = d.get("assignee_user_id")
            rec.assignee_agency_id = d.get("assignee_agency_id")
        elif a == "return":
            rec.state = "returned"
            rec.dispatched_at = rec.signed_at = rec.due_at = None
            rec.assignee_user_id = rec.assignee_agency_id = None
        elif a in ("reject", "merge"):
            rec.state = "rejected" if a == "reject" else "merged"
            rec.closed_at = e.at
        elif a == "approve_extension":
            rec.due_at = _when(d.get("due_at"))
            rec.extension_count += 1
        elif a == "approve_hold":
            rec.state = "on_hold"
        elif a == "resume":
            rec.state, rec.due_at = "in_progress", _when(d.get("due_at"))
        elif a == "rectify":
            rec.state, rec.rectified_at = "rectified", e.at
        elif a == "verify_fail":
            rec.state, rec.rectified_at = "in_progress", None
            rec.rework_count += 1
        elif a in ("verify_pass", "close"):
            rec.state, rec.closed_at = "closed", e.at
        elif a == "reopen":
            rec.state, rec.due_at = "in_progress", _when(d.get("due_at"))
            rec.closed_at = rec.rectified_at = None
    rec.has_contact = any(since <= as_of for since in followers_since)
    rec.scores = tuple(score for at, score in ratings if at <= as_of)
    return rec


def counted_until(last: date, now: datetime, zone: tzinfo) -> date:
    """The last day a period is counted to: its own last day, or yesterday while it lasts.

    Today's deadlines have not all fallen yet, so today is counted from tomorrow on."""
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    return min(last, yesterday)

"""The SLA numbers, defined once (DOMAIN.md, "The numbers").

Pure policy: no Flask, no SQLAlchemy, no I/O. Three steps, each a plain function:

1. :func:`replay` rebuilds a case's record, as it stood at a given moment, from its
   append-only events (with its followers and ratings), applying each action's effect
   as the one door applied it (``workflows.effects``). It is how a published figure is
   reproduced later from the case records alone.
2. :func:`facts` reduces a case's record to what it contributes to the figures: the day
   its current deadline falls on (if it is a *due case*), whether it was *on time*, the
   day it was *closed*, its ratings ... and :func:`breach_facts` what each deadline it
   missed earlier contributes (due and late, for good). These per-case facts are what
   the daily rollup adds up, and what the case export prints.
3. :class:`Totals` adds facts up and divides: the rates and mean times.

A period is a range of local calendar days ``[first, last]`` (a month unless chosen
otherwise); days are in the city's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from workflows import effects
from workflows.effects import NOT_DUE_STATES, CaseRecord  # noqa: F401 - the record read here

#: The plan's targets (Wuhan 2022-2024, section 三(六)1). A city may change them.
ON_TIME_TARGET = 0.95
SATISFACTION_TARGET = 0.85

#: Rating scores: 1 满意 satisfied, 2 基本满意 fairly satisfied, 3 不满意 dissatisfied.
SATISFIED_SCORES = (1, 2)

#: The dimensions every figure can be split by, and the fact that names the member.
DIMENSIONS = ("district", "street", "area", "chief", "agency", "category", "channel")
DIMENSION_FIELDS = {"district": "district_id", "street": "street_id", "area": "area_id",
                    "chief": "assignee_user_id", "agency": "assignee_agency_id",
                    "category": "category_id", "channel": "channel"}


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
    channel: str = ""  # where the report came from: web, sms, open311, patrol, hotline ...
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
      it counts on the local day of that deadline (unless that deadline was already
      booked as a breach: then :func:`breach_facts` counts it).
    * **on time**: a due case that is closed, whose accepted rectification (the one that
      passed verification, or was accepted by a supervisor's close) was reported at or
      before the final deadline. A rectification still waiting for verification is not
      accepted yet, so it is not on time yet.
    * **extended**: a due case with at least one approved extension.
    * **response** and **handling** times are those of due cases: dispatch to the first
      signing for after it, dispatch to the accepted rectification.
    * **closed**: state closed, on the local day of closing; reworked when a verification
      ever failed; with a contact when a resident follows it; and its ratings.
    """
    closed = case.state == "closed" and case.closed_at is not None
    due = case.current_deadline_counts
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
        channel=case.channel or "",
        **values,
    )


def breach_facts(case: CaseRecord, zone: tzinfo) -> list[CaseFacts]:
    """What each deadline the case missed earlier contributes: due and late on its own
    day, for the one who held the case then, with the response time of its dispatch."""
    return [CaseFacts(
        district_id=b.district_id or 0, street_id=b.street_id or 0, area_id=b.area_id or 0,
        category_id=b.category_id or 0, assignee_user_id=b.assignee_user_id or 0,
        assignee_agency_id=b.assignee_agency_id or 0, channel=b.channel or "",
        due_day=_day(b.due_at, zone), on_time=0, extended=int(b.extended),
        response_s=_seconds(b.dispatched_at, b.signed_at),
    ) for b in case.breaches]


def all_facts(case: CaseRecord, zone: tzinfo) -> list[CaseFacts]:
    """Every contribution of the case: its current one and its breaches."""
    return [f for f in (facts(case, zone), *breach_facts(case, zone)) if f.counts]


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


def replay(
    events: Iterable[Event],
    *,
    as_of: datetime,
    followers_since: Iterable[datetime] = (),
    ratings: Iterable[tuple[datetime, int]] = (),
    place: Mapping[str, Any] | None = None,
) -> CaseRecord:
    """The case's record as it stood at ``as_of``, from its events (in order), the moments
    its followers began following it, and its ratings ``(at, score)``.

    Each event is applied with the effect the one door applied (``workflows.effects``).
    ``place`` gives the case's district, street, area, category and channel as its row
    holds them, for events written before their data named them."""
    rec = CaseRecord(state="submitted", **(dict(place) if place else {}))
    for e in events:
        if e.at > as_of:
            break
        rec = effects.apply(e.action, rec, e.at, e.data)
    return replace(rec, has_contact=any(since <= as_of for since in followers_since),
                   scores=_latest_closure(rec.closed_at, ratings, as_of))


def _latest_closure(closed_at: datetime | None, ratings: Iterable[tuple[datetime, int]],
                    as_of: datetime) -> tuple[int, ...]:
    """The scores that count: those given for the case's latest closure (a rating is given
    while the case is closed, so after that closing), known by ``as_of``."""
    return tuple(score for at, score in ratings
                 if at <= as_of and (closed_at is None or at >= closed_at))


def by_dimension(all_facts: Iterable[CaseFacts], first: date, last: date
                 ) -> dict[tuple[str, Any], Totals]:
    """The totals of the days ``first`` to ``last``: for the city (``("city", 0)``) and for
    every member of every dimension (``("chief", 17)``, ``("channel", "sms")`` ...).
    Members without a value (0 or "") are left out, as the dashboard leaves them out."""
    out: dict[tuple[str, Any], Totals] = defaultdict(Totals)
    for f in all_facts:
        due = f.due_day is not None and first <= f.due_day <= last
        closed = f.closed_day is not None and first <= f.closed_day <= last
        if not (due or closed):
            continue
        keys = [("city", 0)] + [(d, getattr(f, DIMENSION_FIELDS[d])) for d in DIMENSIONS]
        for key in keys:
            if key[0] != "city" and not key[1]:
                continue
            if due:
                out[key].add_due(f)
            if closed:
                out[key].add_closed(f)
    return {k: v for k, v in out.items() if any(v.as_dict().values())}


def counted_until(last: date, now: datetime, zone: tzinfo) -> date:
    """The last day a period is counted to: its own last day, or yesterday while it lasts.

    Today's deadlines have not all fallen yet, so today is counted from tomorrow on."""
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    return min(last, yesterday)

"""The SLA figures for the supervisors' dashboard: totals, trends, breakdowns and rankings
of a slice of the city over a period, the open overdue cases, hotspots and the cases behind
a figure (for exports).

Figures are read from the daily tables that ``metrics_booking`` keeps (``metric_day``
and, for city-wide and street figures, ``metric_day_street``), up to yesterday
(``workflows.metrics.counted_until``); a published month is read from the figures frozen
when it was published (``metrics_published``)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Integer, and_, cast, func, or_, select

from app.extensions import db
from app.models import (
    Agency,
    Area,
    Case,
    CaseEvent,
    Category,
    District,
    MetricBreach,
    MetricCase,
    MetricDay,
    MetricDayStreet,
    PublishedDay,
    Street,
)
from app.services import clock
from workflows import metrics as policy
from workflows.metrics import COUNTERS, DIMENSIONS, Totals


def targets() -> tuple[float, float]:
    """(on-time, satisfaction) targets; a city may set them in the environment."""
    cfg = current_app.config
    return (float(cfg.get("METRICS_TARGET_ON_TIME", policy.ON_TIME_TARGET)),
            float(cfg.get("METRICS_TARGET_SATISFACTION", policy.SATISFACTION_TARGET)))

# -- slices, periods and the figures -------------------------------------------------------------


def day_start(day: date) -> datetime:
    """The UTC instant a local day begins."""
    return clock.from_local(datetime.combine(day, time()))


@dataclass(frozen=True)
class Period:
    """Local days ``first``..``last``; ``until`` is the last day counted (see
    :func:`workflows.metrics.counted_until`)."""

    first: date
    last: date
    until: date

    @classmethod
    def of(cls, first: date, last: date) -> Period:
        return cls(first, last, policy.counted_until(last, clock.now(), clock.zone()))

    @property
    def counted(self) -> bool:
        return self.until >= self.first

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and self.last == month_end(self.first)


def month_end(day: date) -> date:
    nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def add_months(day: date, n: int) -> date:
    m = day.year * 12 + day.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


_DIM_COLUMN = policy.DIMENSION_FIELDS
#: Slice attribute -> column of the daily tables (and of ``case``).
_FILTERS = (("district_id", "district_id"), ("street_id", "street_id"), ("area_id", "area_id"),
            ("chief_id", "assignee_user_id"), ("agency_id", "assignee_agency_id"),
            ("category_id", "category_id"), ("channel", "channel"))


@dataclass(frozen=True)
class Slice:
    """Which cases a figure is about: a place (district, street or area) and optionally
    one assignee (person or agency), one category and one channel."""

    district_id: int | None = None
    street_id: int | None = None
    area_id: int | None = None
    chief_id: int | None = None
    agency_id: int | None = None
    category_id: int | None = None
    channel: str | None = None

    def filters(self, table) -> list:
        out = []
        for name, col in _FILTERS:
            value = getattr(self, name)
            if value is not None:
                out.append(table.c[col] == value)
        return out

    @property
    def street_level(self) -> bool:
        """Whether the street table can answer (no area, assignee or category filter)."""
        return self.area_id is None and self.chief_id is None and self.agency_id is None \
            and self.category_id is None

    def table(self, published: int | None = None):
        if published is not None:
            return PublishedDay.__table__
        return MetricDayStreet.__table__ if self.street_level else MetricDay.__table__

    def source_filters(self, table, published: int | None = None) -> list:
        """The slice's filters, and the publication's when the figures are published ones."""
        out = self.filters(table)
        if published is not None:
            out.append(table.c.publication_id == published)
        return out

    def case_filters(self, few: bool = False) -> list:
        """Filters on ``case``. ``few``: the rows are already few (open overdue cases, found
        by their state and deadline), so keep the planner off the large place and category
        indexes (``col + 0`` is not indexed) rather than intersecting with millions."""
        out = []
        for name, col in _FILTERS:
            value = getattr(self, name)
            if value is not None:
                column = getattr(Case, col)
                out.append((column + 0 if few and name != "channel" else column) == value)
        return out


def _sums(table):
    return [func.coalesce(func.sum(table.c[c]), 0).label(c) for c in COUNTERS]


def totals(where: Slice, period: Period, published: int | None = None) -> Totals:
    """The slice's figures over the period: as they stand now, or as published
    (``published``: the publication's id)."""
    if not period.counted:
        return Totals()
    t = where.table(published)
    row = db.session.execute(
        select(*_sums(t)).where(t.c.day.between(period.first, period.until),
                                *where.source_filters(t, published))).one()
    return Totals.of(row._mapping)


@dataclass
class Month:
    first: date
    totals: Totals
    counted: bool


def trend(where: Slice, last_month: date, months: int = 12) -> list[Month]:
    """Month by month up to the month of ``last_month``, oldest first."""
    first = add_months(last_month.replace(day=1), -(months - 1))
    end = month_end(last_month)
    until = policy.counted_until(end, clock.now(), clock.zone())
    t = where.table()
    by_day = db.session.execute(
        select(t.c.day, *_sums(t)).where(t.c.day.between(first, until), *where.filters(t))
        .group_by(t.c.day))
    out = {add_months(first, i): Month(add_months(first, i), Totals(),
                                        add_months(first, i) <= until)
           for i in range(months)}
    for row in by_day:
        out[row.day.replace(day=1)].totals.add(row._mapping)
    return list(out.values())


@dataclass
class Row:
    """One line of a breakdown or ranking: a dimension's member and its counters."""

    key: int
    name: str
    totals: Totals
    rank: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def breakdown(where: Slice, period: Period, by: str, published: int | None = None
              ) -> list[Row]:
    """The slice's figures split by ``by`` (one of :data:`DIMENSIONS`), in no order; as
    published when ``published`` names a publication."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    if not period.counted:
        return []
    column = _DIM_COLUMN[by]
    if published is not None:
        t = PublishedDay.__table__
    else:
        t = (MetricDayStreet.__table__
             if where.street_level and by in ("district", "street", "channel")
             else MetricDay.__table__)
    rows = db.session.execute(
        select(t.c[column].label("key"), *_sums(t))
        .where(t.c.day.between(period.first, period.until),
               *where.source_filters(t, published))
        .group_by(t.c[column]))
    found = [(r.key, Totals.of(r._mapping)) for r in rows]
    names = member_names(by, [k for k, _ in found])
    # A member whose cases all moved away (reassigned, reopened) nets to zero: not shown.
    return [Row(k, names.get(k, "—"), tot) for k, tot in found
            if k and any(tot.as_dict().values())]


def member_names(by: str, ids: Iterable[Any]) -> dict[Any, str]:
    from flask_babel import get_locale

    ids = [i for i in ids if i]
    if not ids:
        return {}
    if by == "channel":
        from app.labels import CHANNEL

        return {i: str(CHANNEL.get(i, i)) for i in ids}
    english = str(get_locale() or "").startswith("en")
    if by == "chief":
        from app.services.staff_names import staff_names

        return staff_names(ids)
    model = {"district": District, "street": Street, "area": Area, "agency": Agency,
             "category": Category}[by]
    name = model.name_en if english else model.name_zh
    if by == "category":
        return {i: f"{c} {n}" for i, c, n in db.session.execute(
            select(model.id, model.code, name).where(model.id.in_(ids)))}
    return dict(db.session.execute(select(model.id, name).where(model.id.in_(ids))).all())


SORTS = {
    "on_time": lambda t: t.on_time_rate,
    "satisfaction": lambda t: t.satisfaction_rate,
}


def ranked(rows: list[Row], by: str = "on_time") -> list[Row]:
    """Best to worst by the rate ``by``; equal rates share a rank (1, 2, 2, 4); members
    without a denominator come last, unranked. Larger denominators first among equals."""
    rate = SORTS[by]
    with_rate = [r for r in rows if rate(r.totals) is not None]
    without = [r for r in rows if rate(r.totals) is None]
    denominator = (lambda t: t.due) if by == "on_time" else (lambda t: t.ratings)
    with_rate.sort(key=lambda r: (-rate(r.totals), -denominator(r.totals), r.name))
    previous, rank = None, 0
    for i, r in enumerate(with_rate, start=1):
        value = rate(r.totals)
        if value != previous:
            rank, previous = i, value
        r.rank = rank
    without.sort(key=lambda r: r.name)
    for r in without:
        r.rank = None
    return with_rate + without


# -- open overdue cases ------------------------------------------------------------------------


OVERDUE_STATES = ("dispatched", "in_progress")


def overdue_query(where: Slice):
    now = clock.now()
    return (select(Case).where(Case.state.in_(OVERDUE_STATES), Case.due_at < now,
                               *where.case_filters(few=True))
            .order_by(Case.due_at, Case.id))


def overdue_count(where: Slice) -> int:
    now = clock.now()
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.state.in_(OVERDUE_STATES), Case.due_at < now, *where.case_filters(few=True))) or 0


# -- hotspots --------------------------------------------------------------------------------------

METRES_PER_DEGREE = 111_320.0


@dataclass
class Hotspot:
    category_id: int
    lat: float
    lng: float
    count: int
    name: str = ""
    rank: int = 0
    category_code: str = ""
    first_at: datetime | None = None
    last_at: datetime | None = None


def hotspots(where: Slice, first: date, last: date, radius_m: float, min_count: int,
             limit: int = 100) -> list[Hotspot]:
    """Problem points: places where reports of the same category recur within
    ``radius_m`` metres in the period (reported in it; rejected and merged reports left
    out, a merged one being the same occurrence as its case), at least ``min_count``
    times, most first.

    Reports are first counted per category on a grid of ``radius_m`` squares (in the
    database); then, per category, the busiest square takes in every square whose reports'
    centre lies within ``radius_m`` of its own, and so on."""
    start, end = day_start(first), day_start(last + timedelta(days=1))
    lat0 = _mid_latitude()
    dy = radius_m / METRES_PER_DEGREE
    dx = radius_m / (METRES_PER_DEGREE * max(0.2, math.cos(math.radians(lat0))))
    gx, gy = cast(Case.lng / dx, Integer), cast(Case.lat / dy, Integer)
    stmt = (select(Case.category_id, gx.label("gx"), gy.label("gy"), func.count().label("n"),
                   func.sum(Case.lng).label("sx"), func.sum(Case.lat).label("sy"),
                   func.min(Case.created_at).label("t0"), func.max(Case.created_at).label("t1"))
            .where(Case.created_at >= start, Case.created_at < end, Case.lat.is_not(None),
                   Case.state.not_in(["rejected", "merged"]),
                   *[f for f in where.case_filters()])
            .group_by(Case.category_id, gx, gy))
    cells: dict[int, dict[tuple[int, int], list]] = defaultdict(dict)
    for r in db.session.execute(stmt):
        cells[r.category_id][(r.gx, r.gy)] = [r.n, r.sx / r.n, r.sy / r.n, r.t0, r.t1, False]
    spots: list[Hotspot] = []
    for category_id, grid in cells.items():
        for (cx, cy), cell in sorted(grid.items(), key=lambda kv: -kv[1][0]):
            if cell[5]:
                continue
            n, sx, sy, t0, t1 = 0, 0.0, 0.0, cell[3], cell[4]
            for ox in (-1, 0, 1):
                for oy in (-1, 0, 1):
                    other = grid.get((cx + ox, cy + oy))
                    if other is None or other[5]:
                        continue
                    if _metres(cell[1], cell[2], other[1], other[2], lat0) > radius_m:
                        continue
                    other[5] = True
                    n += other[0]
                    sx += other[1] * other[0]
                    sy += other[2] * other[0]
                    t0, t1 = min(t0, other[3]), max(t1, other[4])
            if n >= min_count:
                spots.append(Hotspot(category_id, sy / n, sx / n, n, first_at=t0, last_at=t1))
    spots.sort(key=lambda s: (-s.count, s.category_id, s.lat, s.lng))
    spots = spots[:limit]
    categories = {c.id: c for c in db.session.scalars(
        select(Category).where(Category.id.in_({s.category_id for s in spots})))}
    names = member_names("category", categories)
    for i, s in enumerate(spots, start=1):
        s.rank, s.name = i, names.get(s.category_id, "")
        s.category_code = categories[s.category_id].code if s.category_id in categories else ""
    return spots


def _metres(lng1: float, lat1: float, lng2: float, lat2: float, lat0: float) -> float:
    dx = (lng2 - lng1) * METRES_PER_DEGREE * math.cos(math.radians(lat0))
    dy = (lat2 - lat1) * METRES_PER_DEGREE
    return math.hypot(dx, dy)


def _mid_latitude() -> float:
    """The latitude that sets the grid's east-west scale (a city spans far less than a
    degree, so one value serves it all)."""
    return float(current_app.config.get("CITY_LATITUDE", 30.6))


# -- the underlying cases ------------------------------------------------------------------------

#: Events whose dates explain a case's figures, in the export's "events" column.
EXPLAINING_ACTIONS = ("dispatch", "sign_for", "return", "reassign", "approve_extension",
                      "approve_hold", "resume", "rectify", "verify_fail", "verify_pass",
                      "close", "reopen", "reject", "merge", "rate")

WHICH = ("all", "due", "on_time", "late", "extended", "closed", "reworked", "rated",
         "dissatisfied")


CASE_COLUMNS = (Case.id, Case.code, Case.state, Case.urgency, Case.channel, Case.category_id,
                Case.district_id, Case.street_id, Case.area_id, Case.assignee_user_id,
                Case.assignee_agency_id, Case.created_at, Case.dispatched_at, Case.signed_at,
                Case.due_at, Case.rectified_at, Case.closed_at, Case.extension_count,
                Case.rework_count)
FACT_SELECT = (MetricCase.due_day, MetricCase.on_time, MetricCase.extended,
               MetricCase.response_s, MetricCase.handling_s, MetricCase.closed_day,
               MetricCase.reworked, MetricCase.with_contact, MetricCase.r1, MetricCase.r2,
               MetricCase.r3)


def cases_query(where: Slice, period: Period, which: str = "all"):
    """The cases behind a slice's figures in the period (due in it, closed in it, or with a
    deadline missed in it and booked for good), as rows of the case's fields, its booked
    facts (None when only a missed deadline counts) and ``missed``: how many of its
    missed deadlines fall in the period."""
    m, b = MetricCase, MetricBreach
    first, until = period.first, period.until
    due = m.due_day.between(first, until)
    closed = m.closed_day.between(first, until)
    missed_here = and_(b.due_day.between(first, until),
                       *where.filters(MetricBreach.__table__))
    missed = (select(func.count()).select_from(b).where(b.case_id == Case.id, missed_here)
              .correlate(Case).scalar_subquery())
    has_missed = Case.id.in_(select(b.case_id).where(missed_here))
    filters = where.filters(MetricCase.__table__)
    current = {
        "all": or_(due, closed), "due": due, "on_time": and_(due, m.on_time == 1),
        "late": and_(due, m.on_time == 0), "extended": and_(due, m.extended == 1),
        "closed": closed, "reworked": and_(closed, m.reworked == 1),
        "rated": and_(closed, m.r1 + m.r2 + m.r3 > 0),
        "dissatisfied": and_(closed, m.r3 > 0),
    }[which]
    condition = and_(current, *filters)
    if which in ("all", "due", "late"):
        condition = or_(condition, has_missed)
    return (select(*CASE_COLUMNS, *FACT_SELECT, missed.label("missed"))
            .outerjoin(MetricCase, MetricCase.case_id == Case.id)
            .where(condition))


def events_of(case_ids: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    out: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    if not case_ids:
        return out
    for case_id, action, at in db.session.execute(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.action.in_(EXPLAINING_ACTIONS))
        .order_by(CaseEvent.case_id, CaseEvent.id)
    ):
        out[case_id].append((action, at))
    return out


def iter_cases(where: Slice, period: Period, which: str = "all", batch: int = 2000
               ) -> Iterator[tuple[Any, list[tuple[str, datetime]]]]:
    """Stream the cases behind the figures with their explaining events, a batch at a
    time, never all at once (a server-side cursor on PostgreSQL)."""
    if not period.counted:
        return
    result = db.session.execute(
        cases_query(where, period, which).execution_options(yield_per=batch))
    for part in result.partitions():
        events = events_of([r.id for r in part])
        for row in part:
            yield row, events.get(row.id, [])


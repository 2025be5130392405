"""The SLA figures from the database: booking each case's facts into the daily tables (in
the one door's transaction), rebuilding and checking them, and the queries behind the
supervisors' dashboard, rankings, overdue list, hotspots and exports.

The definitions live in ``workflows.metrics`` (pure); this module only reads the case
records into them and adds up what they give. Figures are counted per local day, up to
yesterday (``counted_until``), from ``metric_day`` and ``metric_day_street``."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Integer, and_, cast, delete, exists, func, insert, or_, select

from app.extensions import db, upsert
from app.models import (
    Agency,
    Area,
    Case,
    CaseEvent,
    CaseFollower,
    Category,
    District,
    MetricCase,
    MetricDay,
    MetricDayStreet,
    Rating,
    Street,
)
from app.services import clock
from workflows import metrics as policy
from workflows.metrics import COUNTERS, CaseFacts, CaseRecord, Totals

FACT_COLUMNS = tuple(c.name for c in MetricCase.__table__.columns if c.name != "case_id")
DAY_KEYS = ("day", "district_id", "street_id", "area_id", "category_id", "assignee_user_id",
            "assignee_agency_id")
STREET_KEYS = ("day", "district_id", "street_id")


def targets() -> tuple[float, float]:
    """(on-time, satisfaction) targets; a city may set them in the environment."""
    cfg = current_app.config
    return (float(cfg.get("METRICS_TARGET_ON_TIME", policy.ON_TIME_TARGET)),
            float(cfg.get("METRICS_TARGET_SATISFACTION", policy.SATISFACTION_TARGET)))


# -- booking: the hook in the one door ---------------------------------------------------------


def record_of(case: Case) -> CaseRecord:
    """The case's record from its row; ratings and followers are read only once it is
    closed, the only time they count."""
    closed = case.state == "closed"
    scores: tuple[int, ...] = ()
    has_contact = False
    if closed:
        scores = tuple(db.session.scalars(select(Rating.score).where(Rating.case_id == case.id)))
        has_contact = bool(db.session.scalar(
            select(exists().where(CaseFollower.case_id == case.id))))
    return CaseRecord(
        state=case.state, dispatched_at=case.dispatched_at, signed_at=case.signed_at,
        due_at=case.due_at, rectified_at=case.rectified_at, closed_at=case.closed_at,
        extension_count=case.extension_count, rework_count=case.rework_count,
        has_contact=has_contact, scores=scores, district_id=case.district_id,
        street_id=case.street_id, area_id=case.area_id, category_id=case.category_id,
        assignee_user_id=case.assignee_user_id, assignee_agency_id=case.assignee_agency_id,
    )


def _facts_of_row(row: MetricCase | None) -> CaseFacts | None:
    if row is None:
        return None
    return CaseFacts(**{c: getattr(row, c) for c in FACT_COLUMNS})


def book(case: Case, *, first: bool = False) -> None:
    """Bring the daily tables in step with the case, in the caller's transaction: take
    back what the case contributed when last booked, add what it contributes now.
    ``first``: the case is being made in this transaction, so it was never booked."""
    row = None if first else db.session.get(MetricCase, case.id)
    new = policy.facts(record_of(case), clock.zone())
    old = _facts_of_row(row)
    if old == new or (old is None and not new.counts):
        return
    deltas: dict[tuple, Totals] = defaultdict(Totals)
    for sign, f in ((-1, old), (1, new)):
        if f is None:
            continue
        for day, totals in policy.contributions(f).items():
            key = (day, f.district_id, f.street_id, f.area_id, f.category_id,
                   f.assignee_user_id, f.assignee_agency_id)
            deltas[key].add(Totals(**{k: sign * v for k, v in totals.as_dict().items()}))
    if new.counts:
        values = {c: getattr(new, c) for c in FACT_COLUMNS}
        if row is None:
            db.session.add(MetricCase(case_id=case.id, **values))
        else:
            for c, v in values.items():
                setattr(row, c, v)
    elif row is not None:
        db.session.delete(row)
    streets: dict[tuple, Totals] = defaultdict(Totals)
    for key, totals in deltas.items():
        streets[key[:3]].add(totals)
    # Sorted keys: two transactions touching the same rows lock them in the same order.
    _add(MetricDay.__table__, DAY_KEYS, sorted(deltas.items()))
    _add(MetricDayStreet.__table__, STREET_KEYS, sorted(streets.items()))
    db.session.flush()


def _add(table, keys: tuple[str, ...], items: list[tuple[tuple, Totals]]) -> None:
    items = [(k, t) for k, t in items if any(t.as_dict().values())]
    if not items:
        return
    rows = [dict(zip(keys, key, strict=True)) | totals.as_dict() for key, totals in items]
    stmt = upsert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: table.c[c] + stmt.excluded[c] for c in COUNTERS},
    )
    db.session.execute(stmt, rows)


# -- rebuilding and checking --------------------------------------------------------------------


def _records_query(where=None):
    """Case rows with their ratings and whether anyone follows them, for :func:`facts`."""
    ratings = (select(Rating.case_id, func.sum(cast(Rating.score == 1, Integer)).label("r1"),
                      func.sum(cast(Rating.score == 2, Integer)).label("r2"),
                      func.sum(cast(Rating.score == 3, Integer)).label("r3"))
               .group_by(Rating.case_id).subquery())
    followed = exists().where(CaseFollower.case_id == Case.id)
    stmt = (select(Case.id, Case.state, Case.dispatched_at, Case.signed_at, Case.due_at,
                   Case.rectified_at, Case.closed_at, Case.extension_count, Case.rework_count,
                   Case.district_id, Case.street_id, Case.area_id, Case.category_id,
                   Case.assignee_user_id, Case.assignee_agency_id, followed.label("followed"),
                   ratings.c.r1, ratings.c.r2, ratings.c.r3)
            .outerjoin(ratings, ratings.c.case_id == Case.id)
            .where(or_(Case.dispatched_at.is_not(None), Case.state == "closed")))
    return stmt.where(where) if where is not None else stmt


def _record(row) -> CaseRecord:
    closed = row.state == "closed"
    scores = (1,) * (row.r1 or 0) + (2,) * (row.r2 or 0) + (3,) * (row.r3 or 0)
    return CaseRecord(
        state=row.state, dispatched_at=row.dispatched_at, signed_at=row.signed_at,
        due_at=row.due_at, rectified_at=row.rectified_at, closed_at=row.closed_at,
        extension_count=row.extension_count, rework_count=row.rework_count,
        has_contact=bool(row.followed) if closed else False, scores=scores if closed else (),
        district_id=row.district_id, street_id=row.street_id, area_id=row.area_id,
        category_id=row.category_id, assignee_user_id=row.assignee_user_id,
        assignee_agency_id=row.assignee_agency_id,
    )


def rebuild(batch: int = 20000, echo=None) -> int:
    """Recompute every case's facts from the case records and the daily tables from the
    facts, replacing what was there. Returns the number of cases that count."""
    zone = clock.zone()
    db.session.execute(delete(MetricDay))
    db.session.execute(delete(MetricDayStreet))
    db.session.execute(delete(MetricCase))
    counted = 0
    pending: list[tuple] = []
    result = db.session.execute(_records_query().execution_options(yield_per=batch))
    for row in result:
        f = policy.facts(_record(row), zone)
        if not f.counts:
            continue
        pending.append((row.id, *(getattr(f, c) for c in FACT_COLUMNS)))
        counted += 1
        if len(pending) >= batch:
            _write_facts(pending)
            pending.clear()
            if echo:
                echo(f"  {counted} cases booked")
    _write_facts(pending)
    _roll_up()
    db.session.commit()
    return counted


def _write_facts(rows: list[tuple]) -> None:
    """Insert ``metric_case`` rows: by COPY on PostgreSQL (a rebuild writes millions)."""
    if not rows:
        return
    columns = ("case_id", *FACT_COLUMNS)
    if db.engine.dialect.name == "postgresql":
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cur, cur.copy(
            f"COPY metric_case ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        return
    db.session.execute(insert(MetricCase), [dict(zip(columns, r, strict=True)) for r in rows])


def _roll_up() -> None:
    """Fill the daily tables from ``metric_case`` (a plain sum of the per-case facts)."""
    m = MetricCase
    due_side = [func.count().label("due"), func.sum(m.on_time).label("on_time"),
                func.sum(m.extended).label("extended"), func.count(m.response_s).label("signed"),
                func.coalesce(func.sum(m.response_s), 0).label("response_s"),
                func.count(m.handling_s).label("handled"),
                func.coalesce(func.sum(m.handling_s), 0).label("handling_s")]
    closed_side = [func.count().label("closed"), func.sum(m.reworked).label("reworked"),
                   func.sum(m.with_contact).label("with_contact"), func.sum(m.r1).label("r1"),
                   func.sum(m.r2).label("r2"), func.sum(m.r3).label("r3")]
    dims = [m.district_id, m.street_id, m.area_id, m.category_id, m.assignee_user_id,
            m.assignee_agency_id]
    for day, side, names in ((m.due_day, due_side, policy.DUE_COUNTERS),
                             (m.closed_day, closed_side, policy.CLOSED_COUNTERS)):
        sel = select(day, *dims, *side).where(day.is_not(None)).group_by(day, *dims)
        _add_select(MetricDay.__table__, DAY_KEYS, names, sel)
    street_sel = select(
        MetricDay.day, MetricDay.district_id, MetricDay.street_id,
        *[func.sum(getattr(MetricDay, c)).label(c) for c in COUNTERS],
    ).group_by(MetricDay.day, MetricDay.district_id, MetricDay.street_id)
    db.session.execute(insert(MetricDayStreet).from_select([*STREET_KEYS, *COUNTERS],
                                                           street_sel))


def _add_select(table, keys, names, sel) -> None:
    stmt = upsert(table).from_select([*keys, *names], sel)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: stmt.excluded[c] for c in names})
    db.session.execute(stmt)


def replayed_facts(case_ids: Iterable[int], as_of: datetime) -> dict[int, CaseFacts]:
    """Each case's facts rebuilt from its raw events, followers and ratings as they stood
    at ``as_of`` — independent of the case row's clock fields and of the daily tables."""
    ids = list(case_ids)
    zone = clock.zone()
    out: dict[int, CaseFacts] = {}
    for start in range(0, len(ids), 2000):
        chunk = ids[start:start + 2000]
        events: dict[int, list[policy.Event]] = defaultdict(list)
        for case_id, at, action, data in db.session.execute(
            select(CaseEvent.case_id, CaseEvent.at, CaseEvent.action, CaseEvent.data)
            .where(CaseEvent.case_id.in_(chunk)).order_by(CaseEvent.case_id, CaseEvent.id)
        ):
            events[case_id].append(policy.Event(at, action, data or {}))
        followers: dict[int, list[datetime]] = defaultdict(list)
        for case_id, since in db.session.execute(
            select(CaseFollower.case_id, CaseFollower.since)
            .where(CaseFollower.case_id.in_(chunk))
        ):
            followers[case_id].append(since)
        ratings: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
        for case_id, at, score in db.session.execute(
            select(Rating.case_id, Rating.at, Rating.score).where(Rating.case_id.in_(chunk))
        ):
            ratings[case_id].append((at, score))
        places = {r.id: r for r in db.session.execute(
            select(Case.id, Case.district_id, Case.street_id, Case.area_id, Case.category_id)
            .where(Case.id.in_(chunk)))}
        for case_id in chunk:
            p = places[case_id]
            record = policy.replay(
                events[case_id], as_of=as_of, followers_since=followers[case_id],
                ratings=ratings[case_id],
                place={"district_id": p.district_id, "street_id": p.street_id,
                       "area_id": p.area_id, "category_id": p.category_id})
            out[case_id] = policy.facts(record, zone)
    return out


def candidate_cases(first: date, last: date, as_of: datetime | None = None) -> list[int]:
    """Cases that may count for the days ``first``..``last`` as they stood at ``as_of``:
    those whose row has its deadline or its closing in them, those the daily tables booked
    there, and every case with an event after ``as_of`` (its record may have stood
    otherwise then). The replay decides from the events alone."""
    start, end = day_start(first), day_start(last + timedelta(days=1))
    from_rows = select(Case.id).where(or_(and_(Case.due_at >= start, Case.due_at < end),
                                          and_(Case.closed_at >= start, Case.closed_at < end)))
    booked = select(MetricCase.case_id).where(or_(MetricCase.due_day.between(first, last),
                                                  MetricCase.closed_day.between(first, last)))
    found = set(db.session.scalars(from_rows)) | set(db.session.scalars(booked))
    if as_of is not None:
        found |= set(db.session.scalars(
            select(CaseEvent.case_id).where(CaseEvent.at > as_of).distinct()))
    return sorted(found)


def check(first: date, last: date, as_of: datetime | None = None) -> tuple[Totals, Totals]:
    """(from the daily tables, from a replay of the raw events) for the whole city over
    ``first``..``last``. Equal unless something wrote a case outside the one door."""
    now = clock.now()
    as_of = as_of or now
    replayed = replayed_facts(candidate_cases(first, last, as_of if as_of < now else None),
                              as_of)
    from_events = policy.total(replayed.values(), first, last)
    return totals(Slice(), Period(first, last, last)), from_events


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


DIMENSIONS = ("district", "street", "area", "chief", "agency", "category")
_DIM_COLUMN = {"district": "district_id", "street": "street_id", "area": "area_id",
               "chief": "assignee_user_id", "agency": "assignee_agency_id",
               "category": "category_id"}


@dataclass(frozen=True)
class Slice:
    """Which cases a figure is about: a place (district, street or area) and optionally
    one assignee (person or agency) and one category."""

    district_id: int | None = None
    street_id: int | None = None
    area_id: int | None = None
    chief_id: int | None = None
    agency_id: int | None = None
    category_id: int | None = None

    def filters(self, table) -> list:
        out = []
        for name, col in (("district_id", "district_id"), ("street_id", "street_id"),
                          ("area_id", "area_id"), ("chief_id", "assignee_user_id"),
                          ("agency_id", "assignee_agency_id"), ("category_id", "category_id")):
            value = getattr(self, name)
            if value is not None:
                out.append(table.c[col] == value)
        return out

    @property
    def street_level(self) -> bool:
        """Whether the street table can answer (no area, assignee or category filter)."""
        return self.area_id is None and self.chief_id is None and self.agency_id is None \
            and self.category_id is None

    def table(self):
        return MetricDayStreet.__table__ if self.street_level else MetricDay.__table__

    def case_filters(self, few: bool = False) -> list:
        """Filters on ``case``. ``few``: the rows are already few (open overdue cases, found
        by their state and deadline), so keep the planner off the large place and category
        indexes (``col + 0`` is not indexed) rather than intersecting with millions."""
        out = []
        for name, col in (("district_id", Case.district_id), ("street_id", Case.street_id),
                          ("area_id", Case.area_id), ("chief_id", Case.assignee_user_id),
                          ("agency_id", Case.assignee_agency_id),
                          ("category_id", Case.category_id)):
            value = getattr(self, name)
            if value is not None:
                out.append((col + 0 if few else col) == value)
        return out


def _sums(table):
    return [func.coalesce(func.sum(table.c[c]), 0).label(c) for c in COUNTERS]


def totals(where: Slice, period: Period) -> Totals:
    if not period.counted:
        return Totals()
    t = where.table()
    row = db.session.execute(
        select(*_sums(t)).where(t.c.day.between(period.first, period.until),
                                *where.filters(t))).one()
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


def breakdown(where: Slice, period: Period, by: str) -> list[Row]:
    """The slice's figures split by ``by`` (one of :data:`DIMENSIONS`), in no order."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    if not period.counted:
        return []
    column = _DIM_COLUMN[by]
    t = (MetricDayStreet.__table__ if where.street_level and by in ("district", "street")
         else MetricDay.__table__)
    rows = db.session.execute(
        select(t.c[column].label("key"), *_sums(t))
        .where(t.c.day.between(period.first, period.until), *where.filters(t))
        .group_by(t.c[column]))
    found = [(r.key, Totals.of(r._mapping)) for r in rows]
    names = member_names(by, [k for k, _ in found])
    # A member whose cases all moved away (reassigned, reopened) nets to zero: not shown.
    return [Row(k, names.get(k, "—"), tot) for k, tot in found
            if k and any(tot.as_dict().values())]


def member_names(by: str, ids: Iterable[int]) -> dict[int, str]:
    from flask_babel import get_locale

    ids = [i for i in ids if i]
    if not ids:
        return {}
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


CASE_COLUMNS = (Case.id, Case.code, Case.state, Case.urgency, Case.category_id,
                Case.district_id, Case.street_id, Case.area_id, Case.assignee_user_id,
                Case.assignee_agency_id, Case.created_at, Case.dispatched_at, Case.signed_at,
                Case.due_at, Case.rectified_at, Case.closed_at, Case.extension_count,
                Case.rework_count)
FACT_SELECT = (MetricCase.due_day, MetricCase.on_time, MetricCase.extended,
               MetricCase.response_s, MetricCase.handling_s, MetricCase.closed_day,
               MetricCase.reworked, MetricCase.with_contact, MetricCase.r1, MetricCase.r2,
               MetricCase.r3)


def cases_query(where: Slice, period: Period, which: str = "all"):
    """The cases behind a slice's figures in the period (due in it or closed in it), as
    rows of the case's fields and its booked facts."""
    m = MetricCase
    first, until = period.first, period.until
    due = m.due_day.between(first, until)
    closed = m.closed_day.between(first, until)
    condition = {
        "all": or_(due, closed), "due": due, "on_time": and_(due, m.on_time == 1),
        "late": and_(due, m.on_time == 0), "extended": and_(due, m.extended == 1),
        "closed": closed, "reworked": and_(closed, m.reworked == 1),
        "rated": and_(closed, m.r1 + m.r2 + m.r3 > 0),
        "dissatisfied": and_(closed, m.r3 > 0),
    }[which]
    filters = []
    for name, col in (("district_id", m.district_id), ("street_id", m.street_id),
                      ("area_id", m.area_id), ("chief_id", m.assignee_user_id),
                      ("agency_id", m.assignee_agency_id), ("category_id", m.category_id)):
        value = getattr(where, name)
        if value is not None:
            filters.append(col == value)
    return (select(*CASE_COLUMNS, *FACT_SELECT).join(MetricCase, MetricCase.case_id == Case.id)
            .where(condition, *filters))


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

"""Rebuilding the daily SLA tables from the case records, and checking them against a
replay of the raw events by every dimension the dashboard shows.

A rebuild recomputes each case's current facts from its row and the deadlines it missed
from its events; a check replays every event with the effect the one door applied
(``workflows.effects``) and compares the result with the daily tables (or, for a moment
in the past, with what was published then), for the city and for every district, street,
area, road chief, agency, category and channel."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, cast, delete, exists, func, insert, or_, select

from app.database import upsert
from app.extensions import db
from app.models import (
    Case,
    CaseEvent,
    CaseFollower,
    MetricBreach,
    MetricCase,
    MetricDay,
    MetricDayAgency,
    MetricDayStreet,
    MetricDayStreetCategory,
    PublishedDay,
    PublishedMonth,
    Rating,
)
from app.services import clock
from app.services.metrics_booking import (
    AGENCY_KEYS,
    DAY_KEYS,
    FACT_COLUMNS,
    STREET_CATEGORY_KEYS,
    STREET_KEYS,
    breach_row,
)
from app.services.metrics_dashboard import day_start
from workflows import metrics as policy
from workflows.effects import CaseRecord
from workflows.metrics import COUNTERS, DIMENSION_FIELDS, DIMENSIONS, CaseFacts, Totals

#: Actions that may book a missed deadline (``workflows.effects.book_breach``).
MOVING_ACTIONS = ("return", "reassign", "approve_extension", "approve_hold", "reopen",
                  "hand_over")


# -- rebuilding ---------------------------------------------------------------------------------


def _records_query(where=None):
    """Case rows with their ratings and whether anyone follows them, for :func:`facts`."""
    ratings = (select(Rating.case_id, func.sum(cast(Rating.score == 1, Integer)).label("r1"),
                      func.sum(cast(Rating.score == 2, Integer)).label("r2"),
                      func.sum(cast(Rating.score == 3, Integer)).label("r3"))
               .join(Case, Case.id == Rating.case_id)
               # the ratings of the latest closure count (DOMAIN.md)
               .where(or_(Case.closed_at.is_(None), Rating.at >= Case.closed_at))
               .group_by(Rating.case_id).subquery())
    followed = exists().where(CaseFollower.case_id == Case.id)
    stmt = (select(Case.id, Case.state, Case.channel, Case.dispatched_at, Case.signed_at,
                   Case.due_at, Case.rectified_at, Case.closed_at, Case.extension_count,
                   Case.rework_count, Case.district_id, Case.street_id, Case.area_id,
                   Case.category_id, Case.assignee_user_id, Case.assignee_agency_id,
                   followed.label("followed"), ratings.c.r1, ratings.c.r2, ratings.c.r3)
            .outerjoin(ratings, ratings.c.case_id == Case.id)
            .where(or_(Case.dispatched_at.is_not(None), Case.state == "closed")))
    return stmt.where(where) if where is not None else stmt


def _record(row) -> CaseRecord:
    closed = row.state == "closed"
    scores = (1,) * (row.r1 or 0) + (2,) * (row.r2 or 0) + (3,) * (row.r3 or 0)
    return CaseRecord(
        state=row.state, channel=row.channel or "", dispatched_at=row.dispatched_at,
        signed_at=row.signed_at, due_at=row.due_at, rectified_at=row.rectified_at,
        closed_at=row.closed_at, extension_count=row.extension_count,
        rework_count=row.rework_count,
        has_contact=bool(row.followed) if closed else False, scores=scores if closed else (),
        district_id=row.district_id, street_id=row.street_id, area_id=row.area_id,
        category_id=row.category_id, assignee_user_id=row.assignee_user_id,
        assignee_agency_id=row.assignee_agency_id,
    )


def rebuild(batch: int = 20000, echo=None) -> int:
    """Recompute every case's facts from the case records (the deadlines it missed from
    its events) and the daily tables from the facts, replacing what was there. Returns the
    number of cases that count."""
    zone = clock.zone()
    for model in (MetricDay, MetricDayStreet, MetricDayAgency, MetricDayStreetCategory,
                  MetricCase, MetricBreach):
        db.session.execute(delete(model))
    missed = _missed_deadlines()
    breach_rows = []
    for case_id, record in missed.items():
        for b, f in zip(record.breaches, policy.breach_facts(record, zone), strict=True):
            breach_rows.append(breach_row(case_id, b, f))
    for start in range(0, len(breach_rows), batch):
        db.session.execute(insert(MetricBreach), breach_rows[start:start + batch])
    counted = 0
    pending: list[tuple] = []
    result = db.session.execute(_records_query().execution_options(yield_per=batch))
    for row in result:
        record = _record(row)
        if row.id in missed:
            record = replace(record, breaches=missed[row.id].breaches)
        f = policy.facts(record, zone)
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


def _missed_deadlines() -> dict[int, CaseRecord]:
    """The records (replayed from their events) of the cases that have missed a deadline
    for good: only an action that moves a deadline or its holder can book one."""
    ids = db.session.scalars(select(CaseEvent.case_id).where(
        CaseEvent.action.in_(MOVING_ACTIONS)).distinct())
    records = replayed_records(list(ids), clock.now())
    return {i: r for i, r in records.items() if r.breaches}


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
    """Fill the daily tables from ``metric_case`` and ``metric_breach`` (plain sums of the
    per-case facts)."""
    m, b = MetricCase, MetricBreach
    due_side = [func.count().label("due"), func.sum(m.on_time).label("on_time"),
                func.sum(m.extended).label("extended"), func.count(m.response_s).label("signed"),
                func.coalesce(func.sum(m.response_s), 0).label("response_s"),
                func.count(m.handling_s).label("handled"),
                func.coalesce(func.sum(m.handling_s), 0).label("handling_s")]
    closed_side = [func.count().label("closed"), func.sum(m.reworked).label("reworked"),
                   func.sum(m.with_contact).label("with_contact"), func.sum(m.r1).label("r1"),
                   func.sum(m.r2).label("r2"), func.sum(m.r3).label("r3")]
    missed_side = [func.count().label("due"), func.sum(b.extended).label("extended"),
                   func.count(b.response_s).label("signed"),
                   func.coalesce(func.sum(b.response_s), 0).label("response_s")]

    def dims(t):
        return [t.district_id, t.street_id, t.area_id, t.category_id, t.assignee_user_id,
                t.assignee_agency_id, t.channel]

    for day, side, names, t in (
        (m.due_day, due_side, policy.DUE_COUNTERS, m),
        (m.closed_day, closed_side, policy.CLOSED_COUNTERS, m),
        (b.due_day, missed_side, ("due", "extended", "signed", "response_s"), b),
    ):
        sel = select(day, *dims(t), *side).where(day.is_not(None)).group_by(day, *dims(t))
        _add_select(MetricDay.__table__, DAY_KEYS, names, sel)
    street_sel = select(
        MetricDay.day, MetricDay.district_id, MetricDay.street_id, MetricDay.channel,
        *[func.sum(getattr(MetricDay, c)).label(c) for c in COUNTERS],
    ).group_by(MetricDay.day, MetricDay.district_id, MetricDay.street_id, MetricDay.channel)
    db.session.execute(insert(MetricDayStreet).from_select([*STREET_KEYS, *COUNTERS],
                                                           street_sel))
    agency_sel = select(
        MetricDay.day, MetricDay.assignee_agency_id,
        *[func.sum(getattr(MetricDay, c)).label(c) for c in COUNTERS],
    ).group_by(MetricDay.day, MetricDay.assignee_agency_id)
    db.session.execute(insert(MetricDayAgency).from_select([*AGENCY_KEYS, *COUNTERS],
                                                           agency_sel))
    street_category_sel = select(
        MetricDay.day, MetricDay.district_id, MetricDay.street_id, MetricDay.category_id,
        *[func.sum(getattr(MetricDay, c)).label(c) for c in COUNTERS],
    ).group_by(MetricDay.day, MetricDay.district_id, MetricDay.street_id, MetricDay.category_id)
    db.session.execute(insert(MetricDayStreetCategory).from_select(
        [*STREET_CATEGORY_KEYS, *COUNTERS], street_category_sel))


def _add_select(table, keys, names, sel) -> None:
    stmt = upsert(table).from_select([*keys, *names], sel)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: table.c[c] + stmt.excluded[c] for c in names})
    db.session.execute(stmt)


# -- the replay ---------------------------------------------------------------------------------


def replayed_records(case_ids: Iterable[int], as_of: datetime) -> dict[int, CaseRecord]:
    """Each case's record rebuilt from its raw events, followers and ratings as they stood
    at ``as_of`` — independent of the case row's clock fields and of the daily tables."""
    ids = list(case_ids)
    out: dict[int, CaseRecord] = {}
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
            select(Case.id, Case.district_id, Case.street_id, Case.area_id, Case.category_id,
                   Case.channel).where(Case.id.in_(chunk)))}
        for case_id in chunk:
            p = places[case_id]
            out[case_id] = policy.replay(
                events[case_id], as_of=as_of, followers_since=followers[case_id],
                ratings=ratings[case_id],
                place={"district_id": p.district_id, "street_id": p.street_id,
                       "area_id": p.area_id, "category_id": p.category_id,
                       "channel": p.channel or ""})
    return out


def replayed_facts(case_ids: Iterable[int], as_of: datetime) -> dict[int, list[CaseFacts]]:
    """Every contribution of each case (its current one and its missed deadlines), from a
    replay of its events as they stood at ``as_of``."""
    zone = clock.zone()
    return {i: policy.all_facts(r, zone) for i, r in replayed_records(case_ids, as_of).items()}


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
    missed = select(MetricBreach.case_id).where(MetricBreach.due_day.between(first, last))
    found = set(db.session.scalars(from_rows)) | set(db.session.scalars(booked)) \
        | set(db.session.scalars(missed))
    if as_of is not None:
        found |= set(db.session.scalars(
            select(CaseEvent.case_id).where(CaseEvent.at > as_of).distinct()))
    return sorted(found)


# -- checking -----------------------------------------------------------------------------------

Figures = dict[tuple[str, Any], Totals]


def tables_by_dimension(first: date, until: date, published: int | None = None) -> Figures:
    """The figures of the days ``first``..``until`` from the daily tables (or from a
    publication's frozen copy), for the city and for every member of every dimension."""
    out: Figures = {}
    if until < first:
        return out
    t = PublishedDay.__table__ if published is not None else MetricDay.__table__
    where = [t.c.day.between(first, until)]
    if published is not None:
        where.append(t.c.publication_id == published)
    sums = [func.coalesce(func.sum(t.c[c]), 0).label(c) for c in COUNTERS]
    city = Totals.of(db.session.execute(select(*sums).where(*where)).one()._mapping)
    if any(city.as_dict().values()):
        out[("city", 0)] = city
    for dim in DIMENSIONS:
        col = t.c[DIMENSION_FIELDS[dim]]
        for row in db.session.execute(select(col.label("key"), *sums).where(*where)
                                      .group_by(col)):
            totals = Totals.of(row._mapping)
            if row.key and any(totals.as_dict().values()):
                out[(dim, row.key)] = totals
    return out


@dataclass
class Comparison:
    """The figures of a period from two sources, by every dimension."""

    first: date
    until: date  # the last day compared: unfinished days are left out
    booked: Figures  # the daily tables, or what was published
    replayed: Figures  # a replay of the raw events
    published_at: datetime | None = None

    @property
    def differences(self) -> list[tuple[str, Any, Totals, Totals]]:
        keys = sorted(set(self.booked) | set(self.replayed), key=lambda k: (k[0], str(k[1])))
        return [(dim, key, self.booked.get((dim, key), Totals()),
                 self.replayed.get((dim, key), Totals()))
                for dim, key in keys
                if self.booked.get((dim, key), Totals()) != self.replayed.get((dim, key),
                                                                              Totals())]

    @property
    def city(self) -> tuple[Totals, Totals]:
        return (self.booked.get(("city", 0), Totals()),
                self.replayed.get(("city", 0), Totals()))


def check(first: date, last: date) -> Comparison:
    """The daily tables against a replay of the raw events now, over the days of
    ``first``..``last`` that are over. Equal unless something wrote a case outside the one
    door."""
    now = clock.now()
    until = policy.counted_until(last, now, clock.zone())
    replayed = replayed_facts(candidate_cases(first, last), now)
    facts = [f for contributions in replayed.values() for f in contributions]
    return Comparison(first, until, tables_by_dimension(first, until),
                      policy.by_dimension(facts, first, until))


class NothingPublished(LookupError):
    """No figures of that period were published by that moment."""


def publication_at(first: date, last: date, as_of: datetime) -> PublishedMonth | None:
    """The latest publication of the period ``first``..``last`` made at or before
    ``as_of``."""
    return db.session.scalar(
        select(PublishedMonth).where(PublishedMonth.first == first, PublishedMonth.last == last,
                                     PublishedMonth.published_at <= as_of)
        .order_by(PublishedMonth.published_at.desc(), PublishedMonth.id.desc()).limit(1))


def check_published(first: date, last: date, as_of: datetime) -> Comparison:
    """What was published for the period at or before ``as_of`` against a replay of the
    raw events as they stood at ``as_of``, over the days that were over then."""
    publication = publication_at(first, last, as_of)
    if publication is None:
        raise NothingPublished(first, last, as_of)
    until = policy.counted_until(last, as_of, clock.zone())
    now = clock.now()
    replayed = replayed_facts(candidate_cases(first, last, as_of if as_of < now else None),
                              as_of)
    facts = [f for contributions in replayed.values() for f in contributions]
    return Comparison(first, until, tables_by_dimension(first, until, publication.id),
                      policy.by_dimension(facts, first, until),
                      published_at=publication.published_at)

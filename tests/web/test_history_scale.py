"""Years of history stay cheap (issue 23, item 8): ``case_event`` is one table that only
grows, and the pages a city uses all day reach it only through the keys that keep them
flat at tens of millions of events (``bench/bench_scale.py`` measures it; README "Years of
history"). These tests hold the pages to that: the month dashboard never reads the
events (it reads the daily tables the door keeps), the road chief's queue never reads
them either, and a case page reads only its own case's events, by case id, which
``ix_case_event_case`` answers; on PostgreSQL the plan is checked too."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from app.extensions import db
from app.services import clock, staff_sessions
from tests.metrics_helpers import at, closed, dispatched, rate

NOW = "2026-12-02 09:00"


@contextmanager
def statements():
    """The SQL statements the application runs inside the block, with their parameters."""
    seen: list[tuple[str, object]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def touching_events(seen) -> list[str]:
    return [s for s, _ in seen if re.search(r"\bcase_event\b", s)]


def login(client, user):
    with client.session_transaction() as s:
        s["_user_id"] = staff_sessions.start(user)
        s["_fresh"] = True
    return client


def get(client, path):
    with clock.travel(at(NOW)):
        response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.text[:500]
    return response


@pytest.fixture()
def november(city):
    """A little history of November: closed cases (one late, one rated) and open work."""
    good = closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00",
                  verified="2026-11-26 11:00")
    rate(good, "2026-11-26 12:00", 1)
    closed(city, "2026-11-23 09:00", rectified="2026-11-27 10:00", verified="2026-11-27 11:00",
           phone="13900005678")
    open_case = dispatched(city, "2026-11-30 09:00", phone=None)
    return city, open_case


@pytest.mark.parametrize("path", ["/supervise/?month=2026-11",
                                  "/supervise/?district={district}&month=2026-11",
                                  "/supervise/?street={street}&month=2026-11"])
def test_the_month_dashboard_reads_the_daily_tables_not_the_events(client, november, path):
    city, _ = november
    client = login(client, city.city_supervisor)
    with statements() as seen:
        page = get(client, path.format(district=city.district.id, street=city.street.id)).text
    assert "1 on time of 2 due" in page  # the figures are there...
    assert any("metric_day" in s for s, _ in seen)  # ...from the daily tables
    assert touching_events(seen) == []  # and no statement reads the events


def test_the_road_chiefs_queue_reads_no_events(client, november):
    city, open_case = november
    client = login(client, city.chief)
    with statements() as seen:
        page = get(client, "/work/queue").text
    assert open_case.code in page
    assert touching_events(seen) == []


def test_a_case_page_reads_only_its_own_events_by_case_id(client, november):
    city, open_case = november
    client = login(client, city.chief)
    with statements() as seen:
        page = get(client, f"/work/cases/{open_case.id}").text
    assert "Dispatch" in page  # the history is shown
    reads = touching_events(seen)
    assert reads, "the case page shows the case's history"
    for statement in reads:
        where = re.split(r"\bWHERE\b", statement, maxsplit=1)
        assert len(where) == 2 and re.match(r"\s*case_event\.case_id = ", where[1]), statement


def test_on_postgresql_a_case_page_reads_its_events_through_the_case_index(november):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    _, open_case = november
    db.session.execute(text("ANALYZE case_event"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: as if large
    plan = "\n".join(db.session.execute(text(
        "EXPLAIN SELECT * FROM case_event WHERE case_id = :c ORDER BY id"),
        {"c": open_case.id}).scalars())
    db.session.rollback()
    assert "ix_case_event_case" in plan, plan

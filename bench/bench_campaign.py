"""Benchmark of a special campaign's page (专项整治) on a large PostgreSQL database: wall
time, the process's CPU, the SQL statements and their time per request, and the plan of
the slowest statement.

    createdb -h 127.0.0.1 -U postgres rc_i24a_bench
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rc_i24a_bench \\
        .venv/bin/python bench/bench_campaign.py --make 1000000 [--saturate]
    dropdb -h 127.0.0.1 -U postgres --force rc_i24a_bench

``--make N`` fills the database with the demo city and N cases by ``bench/make_million.py``
(two years, every area, category and state, with their events) and builds the daily
figures with the application's own ``metrics_rebuild.rebuild``; without it the database
is used as it is.

A campaign's page reads only the daily counters (``metric_day``: one row per day, area,
category, assignee and channel that had anything due or closed; ``metric_day_street`` by
street), so its cost follows the number of those rows in the campaign's days and places,
not the number of cases. ``--saturate`` then replaces the counters with their upper bound:
a row for *every* day of the two years, area, category and channel (and every day, street
and channel) — what a city reaches once every area has cases of every category through
every channel every day, far beyond 10,000,000 cases in two years. The same campaigns are
measured again on it.

Each page is requested through Flask's test client as the demo city supervisor (routing,
queries, template); each figure is the median of several warm runs, the cold first run
shown too."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RUNS = 7
CHANNELS = ("web", "sms", "patrol", "hotline")


def make(n: int) -> None:
    import make_million

    make_million.main(n)
    from app import create_app
    from app.services import metrics_rebuild

    app = create_app({"SCHEDULER_IN_PROCESS": "off"})
    with app.app_context():
        started = time.perf_counter()
        counted = metrics_rebuild.rebuild(batch=50_000)
        print(f"metrics rebuild: {counted} cases counted in {time.perf_counter() - started:.0f}s",
              flush=True)
        _analyze()


def _analyze() -> None:
    from app.extensions import db

    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("VACUUM (ANALYZE) metric_day")
        conn.exec_driver_sql("VACUUM (ANALYZE) metric_day_street")
        conn.exec_driver_sql("VACUUM (ANALYZE) metric_day_street_category")


def saturate() -> None:
    """Every day of the last two years × area × category × channel in ``metric_day``, and
    every day × street × channel in ``metric_day_street``, with small counts; their sums by
    day, street and category in ``metric_day_street_category``."""
    from app.extensions import db
    from workflows.metrics import COUNTERS

    started = time.perf_counter()
    channels = "ARRAY[" + ", ".join(f"'{c}'" for c in CHANNELS) + "]"
    with db.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE metric_day, metric_day_street, "
                             "metric_day_street_category")
        conn.exec_driver_sql(f"""
            INSERT INTO metric_day (day, district_id, street_id, area_id, category_id,
              assignee_user_id, assignee_agency_id, channel, due, on_time, extended, signed,
              response_s, handled, handling_s, closed, reworked, with_contact, r1, r2, r3)
            SELECT d::date, s.district_id, a.street_id, a.id, c.id,
              coalesce(a.road_chief_id, 0), 0, ch,
              3, 3 - (a.id + c.id) %% 2, 0, 3, 3600, 3, 36000, 3, 0, 2, 1, 1, 0
            FROM generate_series(current_date - 730, current_date - 1, interval '1 day') d
            CROSS JOIN area a JOIN street s ON s.id = a.street_id
            CROSS JOIN category c CROSS JOIN unnest({channels}) ch""")
        conn.exec_driver_sql(f"""
            INSERT INTO metric_day_street (day, district_id, street_id, channel, due, on_time,
              extended, signed, response_s, handled, handling_s, closed, reworked, with_contact,
              r1, r2, r3)
            SELECT d::date, s.district_id, s.id, ch, 300, 290, 3, 300, 360000, 300, 3600000,
              300, 10, 200, 150, 30, 20
            FROM generate_series(current_date - 730, current_date - 1, interval '1 day') d
            CROSS JOIN street s CROSS JOIN unnest({channels}) ch""")
        sums = ", ".join(f"sum({c})" for c in COUNTERS)
        conn.exec_driver_sql(f"""
            INSERT INTO metric_day_street_category (day, district_id, street_id, category_id,
              {", ".join(COUNTERS)})
            SELECT day, district_id, street_id, category_id, {sums} FROM metric_day
            GROUP BY day, district_id, street_id, category_id""")
    _analyze()
    print(f"saturated daily counters in {time.perf_counter() - started:.0f}s", flush=True)


def campaigns_to_measure():
    """Three campaigns: a month of the whole city in every category (read from the street
    table), two months of a district in three categories, a year of the whole city in
    three categories (the largest read of ``metric_day``)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Category, District, User
    from app.models.supervision_tasks import Campaign
    from app.services import clock

    today = clock.to_local(clock.now()).date()
    owner = db.session.scalar(select(User).where(User.username == "city_supervisor"))
    district = db.session.scalar(select(District).order_by(District.code))
    three = list(db.session.scalars(select(Category.id).where(
        Category.code.in_(("LD03", "LD04", "HF02")))))
    wanted = [
        ("city, every category, 1 month", None, [], today - timedelta(days=30), today),
        ("district, 3 categories, 2 months", district.id, three, today - timedelta(days=60),
         today),
        ("city, 3 categories, 1 year", None, three, today - timedelta(days=365), today),
    ]
    out = []
    for label, district_id, cats, first, last in wanted:
        name = f"bench: {label}"
        found = db.session.scalar(select(Campaign).where(Campaign.name == name))
        if found is None:
            found = Campaign(name=name, district_id=district_id, district_ids=[],
                             street_ids=[], area_ids=[], category_ids=cats, first=first,
                             last=last, target_on_time=0.98, owner_id=owner.id,
                             created_by_id=owner.id, created_at=clock.now())
            db.session.add(found)
            db.session.commit()
        out.append((label, found.id))
    return out


class Statements:
    """The SQL statements a request runs and the time each took on the client side."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.seen: list[tuple[float, str, object]] = []
        self._start: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        self._start[id(cursor)] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - self._start.pop(id(cursor), time.perf_counter())
        self.seen.append((took, statement, parameters))


def measure(client, statements: Statements, path: str) -> dict:
    walls, cpus, sqls, counts = [], [], [], []
    for _ in range(RUNS):
        statements.seen.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        response = client.get(path, headers={"Accept-Language": "zh-CN"})
        body = response.get_data()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        sqls.append(sum(s[0] for s in statements.seen))
        counts.append(len(statements.seen))
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {body[:300]!r}")
    slowest = max(statements.seen, key=lambda s: s[0])
    return {"cold": walls[0], "wall": statistics.median(walls[1:]),
            "cpu": statistics.median(cpus[1:]), "sql": statistics.median(sqls[1:]),
            "statements": counts[-1], "slowest": slowest}


def explain(slowest) -> str:
    from app.extensions import db

    _took, statement, parameters = slowest
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
        return "\n".join(r[0] for r in rows)


def run(title: str) -> None:
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Case, MetricDay, MetricDayStreet, MetricDayStreetCategory, User
    from app.services import staff_sessions

    app = create_app({"RATELIMIT_ENABLED": False, "SCHEDULER_IN_PROCESS": "off"})
    with app.app_context():
        cases = db.session.scalar(select(func.count()).select_from(Case))
        day_rows = db.session.scalar(select(func.count()).select_from(MetricDay))
        street_rows = db.session.scalar(select(func.count()).select_from(MetricDayStreet))
        category_rows = db.session.scalar(select(func.count())
                                          .select_from(MetricDayStreetCategory))
        print(f"\n== {title}: {cases:,} cases; metric_day {day_rows:,} rows, "
              f"metric_day_street {street_rows:,} rows, metric_day_street_category "
              f"{category_rows:,} rows", flush=True)
        user = db.session.scalar(select(User).where(User.username == "city_supervisor"))
        client = app.test_client()
        with client.session_transaction() as s:
            s["_user_id"] = staff_sessions.start(user)
            s["_fresh"] = True
        statements = Statements(db.engine)
        worst = None
        for label, campaign_id in campaigns_to_measure():
            for page in ("", "/report"):
                path = f"/supervise/campaigns/{campaign_id}{page}"
                m = measure(client, statements, path)
                print(f"{label:36s} {page or '/':8s} wall {m['wall'] * 1000:7.1f} ms "
                      f"(cold {m['cold'] * 1000:7.1f}) · CPU {m['cpu'] * 1000:6.1f} ms · "
                      f"SQL {m['sql'] * 1000:7.1f} ms in {m['statements']} statements",
                      flush=True)
                if worst is None or m["slowest"][0] > worst[0]:
                    worst = m["slowest"]
        print("\nslowest statement's plan:")
        print(explain(worst))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--make", type=int, metavar="N", help="fill the database first")
    parser.add_argument("--saturate", action="store_true",
                        help="then measure again on saturated daily counters")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database of your own")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if args.make:
        make(args.make)
    run("daily counters rebuilt from the cases" if args.make else "daily counters as found")
    if args.saturate:
        from app import create_app

        with create_app({"SCHEDULER_IN_PROCESS": "off"}).app_context():
            saturate()
        run("daily counters saturated (every day × area × category × channel)")


if __name__ == "__main__":
    main()

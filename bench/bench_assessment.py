"""Benchmark of the monthly assessment (issue 24) on a large database filled by
``bench/make_cases.py`` (with the migrations of this branch applied).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rc_i24b_bench \\
        .venv/bin/python bench/bench_assessment.py [--month YYYY-MM] [--publish] [--check]

Target (issue 24): a month's assessment for every unit under 1 s on 10,000,000 cases. It
times, each the median of several warm runs with the first (cold) shown:

* the counters of every district, street and agency for the month, from the daily tables
  (the SQL), split into time spent in the database and in Python;
* scoring every unit by the scheme (pure Python);
* the whole draft (``assessment.draft``) and the assessment page through Flask as the city
  supervisor (the full request: routing, queries, template);
* with ``--publish``: publishing the month once (freezing the SLA figures and every score,
  one transaction), then the published page and the bulletin with its ranking;
* with ``--check``: the reproducibility check (a replay of the month's case records as
  they stood at publication; an audit, not a page: no target).

Also printed: the sizes the cost follows (daily-table rows of the month) next to the case
count, to reason about 10,000,000 cases."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RUNS = 7


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


class SqlClock:
    """Time spent inside the database driver (statement execution and fetching)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.seconds, self.statements = 0.0, 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, many):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, many):
        self.seconds += time.perf_counter() - conn.info.pop("bench_started")
        self.statements += 1

    def reset(self):
        self.seconds, self.statements = 0.0, 0


def measure(label: str, run, sql: SqlClock, target_ms: float | None = None):
    times, sql_times, statements, result = [], [], 0, None
    for _ in range(RUNS):
        sql.reset()
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
        sql_times.append(sql.seconds)
        statements = sql.statements
    warm, warm_sql = times[1:], sql_times[1:]
    median = statistics.median(warm) * 1000
    median_sql = statistics.median(warm_sql) * 1000
    verdict = ""
    if target_ms is not None:
        verdict = f"  target < {target_ms:.0f} ms: {'OK' if median < target_ms else 'MISSED'}"
    print(f"  {label:<46} median {median:8.1f} ms (SQL {median_sql:7.1f}, Python "
          f"{median - median_sql:7.1f}; {statements} statements; cold {times[0] * 1000:.1f}, "
          f"max {max(warm) * 1000:.1f}){verdict}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--month", help="YYYY-MM (default: the last full month)")
    parser.add_argument("--publish", action="store_true",
                        help="publish the month (once per database) and time the pages")
    parser.add_argument("--check", action="store_true",
                        help="also run the reproducibility check (replay of the records)")
    parser.add_argument("--points", type=int, default=0,
                        help="make this many problem points (once) at the busiest hotspots "
                             "and time the city list of points")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to the PostgreSQL database filled by bench/make_cases.py")

    from app import create_app
    from app.extensions import db
    from app.services import staff_sessions

    app = create_app({"RATELIMIT_ENABLED": False})
    ctx = app.app_context()
    ctx.push()
    from sqlalchemy import func, select

    from app.models import (
        Agency,
        Case,
        District,
        MetricDay,
        MetricDayStreet,
        PublishedDay,
        Street,
        User,
    )
    from app.services import assessment, clock, metrics_dashboard
    from workflows import assessment as policy

    user = db.session.scalar(select(User).where(User.username == "city_supervisor"))
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = staff_sessions.start(user)
        s["_fresh"] = True

    today = clock.to_local(clock.now()).date()
    month = args.month or (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    first = date.fromisoformat(month + "-01")
    last = metrics_dashboard.month_end(first)
    n_cases = db.session.scalar(select(func.count()).select_from(Case))
    in_month = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.created_at >= metrics_dashboard.day_start(first),
        Case.created_at < metrics_dashboard.day_start(last + timedelta(days=1))))
    md = db.session.scalar(select(func.count()).select_from(MetricDay)
                           .where(MetricDay.day.between(first, last)))
    mds = db.session.scalar(select(func.count()).select_from(MetricDayStreet)
                            .where(MetricDayStreet.day.between(first, last)))
    units = (db.session.scalar(select(func.count()).select_from(District)),
             db.session.scalar(select(func.count()).select_from(Street)),
             db.session.scalar(select(func.count()).select_from(Agency)))
    print(f"machine: {machine()}")
    print(f"data: {n_cases:,} cases; {in_month:,} reported in {month}; the month's daily "
          f"rows: metric_day {md:,}, metric_day_street {mds:,}")
    print(f"units: {units[0]} districts, {units[1]} streets, {units[2]} agencies")
    sql = SqlClock(db.engine)
    rules = policy.DEFAULT_RULES
    print("a month's assessment for every unit (warm runs):")
    totals = measure("counters per unit (daily tables)",
                     lambda: assessment.unit_totals(first, last), sql)
    every = assessment.units()
    measure("scoring every unit by the scheme", lambda: assessment.score_units(totals, rules,
                                                                              every), sql)
    measure("the whole draft (assessment.draft)", lambda: assessment.draft(first), sql, 1000)

    def page(path):
        def run():
            response = client.get(path, headers={"Accept-Language": "zh-CN"})
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
            return response
        return run

    measure("assessment page (draft, full request)", page(f"/supervise/assessment?month={month}"),
            sql, 1000)
    if args.publish:
        published = assessment.published(first)
        if published is None:
            sql.reset()
            started = time.perf_counter()
            published = assessment.publish(user, first)
            took = time.perf_counter() - started
            frozen = db.session.scalar(select(func.count()).select_from(PublishedDay).where(
                PublishedDay.publication_id == published.publication_id))
            print(f"  publishing the month once (SLA freeze of {frozen:,} daily rows + every "
                  f"score, one transaction): {took * 1000:.0f} ms (SQL {sql.seconds * 1000:.0f})")
        measure("counters per unit (frozen copy)",
                lambda: assessment.unit_totals(first, last, published.publication_id), sql)
        measure("assessment page (published, full request)",
                page(f"/supervise/assessment?month={month}"), sql, 1000)
        measure("bulletin with ranking and coverage (full request)",
                page(f"/supervise/bulletin?month={month}"), sql)
        if args.check:
            sql.reset()
            started = time.perf_counter()
            differences = assessment.check(published)
            print(f"  reproducibility check (frozen figures and a replay of the records): "
                  f"{len(differences)} differences, {time.perf_counter() - started:.1f} s "
                  f"(SQL {sql.seconds:.1f} s)")

    if args.points:
        bench_points(args.points, user, first, last, page, sql)


def bench_points(count: int, user, first, last, page, sql) -> None:
    """Problem points at the busiest hotspots of the three months up to ``last``, made
    eight weeks before the month's end (so each list reads two months of cases)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import ProblemPoint
    from app.services import clock, metrics_dashboard, problem_points

    have = db.session.scalar(select(func.count()).select_from(ProblemPoint))
    if have < count:
        spots = metrics_dashboard.hotspots(metrics_dashboard.Slice(),
                                           metrics_dashboard.add_months(first, -2), last, 50,
                                           3, limit=count - have)
        made = metrics_dashboard.day_start(last) - timedelta(weeks=8)
        with clock.travel(made):
            for s in spots:
                try:
                    problem_points.create(user, problem_points.Draft(
                        name=f"{s.category_code} {s.rank}", lat=s.lat, lng=s.lng, radius_m=50,
                        categories=(s.category_code,), source="hotspot"))
                except Exception as exc:  # a spot on an area's edge: skip it
                    db.session.rollback()
                    print(f"  (skipped a hotspot: {exc})")
    n = db.session.scalar(select(func.count()).select_from(ProblemPoint))
    print(f"problem points ({n}, each reading the cases since it was made):")
    rows = measure("city list of points (statuses)",
                   lambda: problem_points.listing(user), sql)
    print(f"    statuses: {problem_points.counts(rows)}; cases read "
          f"{sum(r.cases for r in rows):,}")
    measure("points page (full request)", page("/supervise/points"), sql)


if __name__ == "__main__":
    main()

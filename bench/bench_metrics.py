"""Benchmarks for the supervision figures on a large database (``bench/make_cases.py``).

    DATABASE_URL='postgresql://postgres@127.0.0.1:5432/rc_metrics?options=-csearch_path%3Dbench' \\
        .venv/bin/python bench/bench_metrics.py [--month YYYY-MM] [--check]

Targets (issue 7): the city-wide monthly dashboard renders in under 1 s; a drill-down in
under 300 ms; the CSV export of a month's cases streams with the process's peak memory
under 300 MB. Pages are rendered in-process through Flask's test client as the demo city
supervisor (the full request: routing, queries, template, charts); each figure is the
median of several warm runs, with the first (cold) run shown too. The export runs in a
child process so that its peak memory is its own. ``--check`` also replays the month's raw
events and compares them with the daily tables (exactness at scale)."""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
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


def app_and_client():
    from app import create_app
    from app.extensions import db
    from app.models import User
    from app.services import staff_sessions

    app = create_app({"RATELIMIT_ENABLED": False})
    ctx = app.app_context()
    ctx.push()
    user = db.session.query(User).filter_by(username="city_supervisor").one()
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = staff_sessions.start(user)
        s["_fresh"] = True
    return app, client


def timed(client, path: str) -> tuple[float, list[float], int]:
    times = []
    size = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path, headers={"Accept-Language": "zh-CN"})
        body = response.get_data()
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {body[:300]!r}")
        size = len(body)
    return times[0], times[1:], size


def report(label: str, path: str, client, target_ms: float | None = None) -> float:
    cold, warm, size = timed(client, path)
    median = statistics.median(warm) * 1000
    verdict = ""
    if target_ms is not None:
        verdict = f"  target < {target_ms:.0f} ms: {'OK' if median < target_ms else 'MISSED'}"
    print(f"  {label:<44} median {median:7.1f} ms  (cold {cold * 1000:7.1f}, max "
          f"{max(warm) * 1000:7.1f}; {size / 1024:.0f} KiB){verdict}", flush=True)
    return median


def export_child(path: str) -> None:
    """In a child process: stream the export, count it, report the peak memory."""
    app, client = app_and_client()
    started = time.perf_counter()
    response = client.get(path, buffered=False)
    assert response.status_code == 200, response.status_code
    size = rows = 0
    for chunk in response.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        size += len(data)
        rows += data.count(b"\n")
    response.close()
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"EXPORT rows={rows - 1} bytes={size} seconds={elapsed:.1f} peak_mb={peak:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--month", help="YYYY-MM (default: the last full month)")
    parser.add_argument("--check", action="store_true", help="replay the month's raw events")
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.export_child)
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to the PostgreSQL database filled by bench/make_cases.py")

    app, client = app_and_client()
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Agency, Area, Case, CaseEvent, Category, District, Street, User
    from app.services import clock, metrics_dashboard, metrics_rebuild

    today = clock.to_local(clock.now()).date()
    month = args.month or (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    first = date.fromisoformat(month + "-01")
    last = metrics_dashboard.month_end(first)
    n_cases = db.session.scalar(select(func.count()).select_from(Case))
    n_events = db.session.scalar(select(func.count()).select_from(CaseEvent))
    print(f"machine: {machine()}")
    print(f"data: {n_cases:,} cases, {n_events:,} events; month {month}")

    t = metrics_dashboard.totals(metrics_dashboard.Slice(),
                                metrics_dashboard.Period.of(first, last))
    print(f"  city {month}: due {t.due:,}, on time {t.on_time:,} ({t.on_time_rate:.2%}); "
          f"closed {t.closed:,}; ratings {t.ratings:,}, satisfied {t.satisfaction_rate:.2%}; "
          f"rework {t.rework_rate:.2%}; extension {t.extension_rate:.2%}; coverage "
          f"{t.rating_coverage:.2%}")

    busiest = db.session.execute(
        select(Case.district_id, Case.street_id, Case.area_id, Case.assignee_user_id,
               func.count()).where(Case.assignee_user_id.is_not(None))
        .group_by(Case.district_id, Case.street_id, Case.area_id, Case.assignee_user_id)
        .order_by(func.count().desc()).limit(1)).one()
    district, street, area, chief = busiest[:4]
    agency = db.session.scalar(select(Agency.id).where(Agency.district_id == district)
                               .order_by(Agency.id).limit(1))
    category = db.session.scalar(select(Category.id).where(Category.code == "LD07"))
    assert all(db.session.get(m, i) for m, i in ((District, district), (Street, street),
                                                 (Area, area), (User, chief)))

    print("pages (the full request through Flask, warm runs):")
    report("city-wide monthly dashboard", f"/supervise/?month={month}", client, 1000)
    print(" drill-downs:")
    for label, query in (
        ("district", f"district={district}"),
        ("street", f"street={street}"),
        ("area", f"area={area}"),
        ("road chief", f"chief={chief}"),
        ("agency", f"agency={agency}"),
        ("category (city-wide)", f"category={category}"),
        ("city by category", "by=category"),
        ("city by road chief (all people)", "by=chief"),
        ("city by agency", "by=agency"),
        ("district by area", f"district={district}&by=area"),
    ):
        report(label, f"/supervise/?{query}&month={month}", client, 300)
    print(" other pages (no target):")
    report("rankings (city)", f"/supervise/rankings?month={month}", client)
    report("open overdue cases (city)", "/supervise/overdue", client)
    report("hotspots (city, 100 m)", f"/supervise/hotspots?month={month}", client)
    report("hotspots (district, 100 m)", f"/supervise/hotspots?district={district}"
           f"&month={month}", client)
    report("monthly bulletin (city)", f"/supervise/bulletin?month={month}", client)
    report("a year, any range (city)", f"/supervise/?from={first - timedelta(days=364)}"
           f"&to={last}", client)

    print("export of the month's cases with their events (CSV, streamed, child process):")
    out = subprocess.run(
        [sys.executable, __file__, "--export-child", f"/supervise/export/cases.csv?month={month}"],
        capture_output=True, text=True, env=os.environ.copy(), check=True)
    line = [x for x in out.stdout.splitlines() if x.startswith("EXPORT")][-1]
    fields = dict(kv.split("=") for kv in line.split()[1:])
    peak = float(fields["peak_mb"])
    print(f"  {int(fields['rows']):,} cases, {int(fields['bytes']) / 2**20:.0f} MiB in "
          f"{fields['seconds']} s; peak memory of the process {peak:.0f} MB  "
          f"target < 300 MB: {'OK' if peak < 300 else 'MISSED'}")

    if args.check:
        started = time.perf_counter()
        compared = metrics_rebuild.check(first, last)
        replayed = compared.city[1]
        print(f"exactness: the daily tables and a replay of the raw events for {month}, by "
              f"every dimension, {'DIFFER' if compared.differences else 'agree'} "
              f"({time.perf_counter() - started:.0f} s; due {replayed.due:,}, closed "
              f"{replayed.closed:,})")


if __name__ == "__main__":
    main()

"""Bench at tens of millions of case events (issue 23): the road chief's queue, the case
page, the month dashboard and a new case's events, on a PostgreSQL database filled by
``bench/make_events.py``.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rc_bench30m \\
        .venv/bin/python bench/bench_scale.py [--requests 200] [--inserts 100]

Targets, unchanged from the benches that set them: the road chief's queue and the case
page p95 < 100 ms (``bench/bench_work.py``, issue 5); the city-wide month dashboard
< 1 s and a drill-down < 300 ms, median of warm runs (``bench/bench_metrics.py``,
issue 7). A new case's events have no earlier target; the bench shows whether they stay
flat as the history grows (run it on the same city with a short and a long history).

Each page is a whole request through Flask's test client in this process (sign-in
cookie of a server-side staff session, role and place checks, every query, the
template). Per request it prints the wall time and the CPU spent: this process's (Python)
and the PostgreSQL backend's serving it (read from ``/proc``), so that a run on a shared
machine shows what was the app's own work. The new case goes through the one door
(``cases.submit``, ``dispatch``, ``sign_for``, ``add_note``: case row, events, outbox,
daily figures, one transaction each), then the same events' bare ``INSERT`` into
``case_event`` is timed alone (rolled back)."""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGETS_MS = {"road chief queue": ("p95", 100), "case page (road chief)": ("p95", 100),
              "month dashboard (city)": ("median", 1000),
              "month dashboard (district)": ("median", 300)}
TICK = os.sysconf("SC_CLK_TCK")


def machine() -> str:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0]
    return f"{cpu}, {os.cpu_count()} cores, load {load:.1f}, Python {platform.python_version()}"


class Backends:
    """CPU seconds of the PostgreSQL backends this process's connections talk to."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.pids: set[int] = set()

        @event.listens_for(engine, "connect")
        def _remember(dbapi_connection, _record):
            with dbapi_connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                self.pids.add(cur.fetchone()[0])

    def cpu(self) -> float:
        total = 0
        for pid in list(self.pids):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # on another host, or gone: counted as nothing
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / TICK


class Timer:
    def __init__(self, backends: Backends):
        self.backends = backends
        self.rows: list[tuple[float, float, float]] = []

    def __enter__(self):
        self.wall, self.cpu, self.db = (time.perf_counter(), time.process_time(),
                                        self.backends.cpu())
        return self

    def __exit__(self, *exc):
        self.rows.append(((time.perf_counter() - self.wall) * 1000,
                          (time.process_time() - self.cpu) * 1000,
                          (self.backends.cpu() - self.db) * 1000))

    def report(self, label: str, warm: int = 0) -> dict:
        rows = self.rows[warm:]
        walls = sorted(r[0] for r in rows)
        q = statistics.quantiles(walls, n=100) if len(walls) > 1 else walls * 99
        out = {"n": len(rows), "median": statistics.median(walls), "p95": q[94],
               "max": walls[-1], "cpu": statistics.mean(r[1] for r in rows),
               "db_cpu": statistics.mean(r[2] for r in rows)}
        verdict = ""
        if label in TARGETS_MS:
            which, target = TARGETS_MS[label]
            verdict = (f"  target {which} < {target} ms: "
                       f"{'MET' if out[which] < target else 'MISSED'}")
        print(f"  {label:<30} n={out['n']:<4} median {out['median']:7.1f}  p95 {out['p95']:7.1f}"
              f"  max {out['max']:7.1f} ms; CPU app {out['cpu']:6.1f} + db {out['db_cpu']:5.1f}"
              f" ms{verdict}", flush=True)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="per page")
    parser.add_argument("--inserts", type=int, default=100, help="new cases")
    parser.add_argument("--month", help="YYYY-MM of the dashboard (default: last full month)")
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database filled by bench/make_events.py")

    from datetime import timedelta

    from sqlalchemy import insert, select, text

    from app import create_app
    from app.extensions import db
    from app.models import Area, CaseEvent, User
    from app.services import cases, clock, staff_sessions
    from app.services.actors import Actor

    app = create_app({"RATELIMIT_ENABLED": False, "OUTBOX_DELIVERY": False,
                      "SCHEDULER_IN_PROCESS": "off"})  # no sweep thread timed with the pages
    import logging

    logging.getLogger("roadchief").setLevel(logging.WARNING)  # no line per case action
    rng = random.Random(args.seed)
    with app.app_context():
        backends = Backends(db.engine)
        db.engine.dispose()  # new connections, seen by the listener

        def scalars(sql: str, **params) -> list:
            return list(db.session.execute(text(sql), params).scalars())

        def one(sql: str, **params):
            return db.session.execute(text(sql), params).scalar()

        n_events = one("SELECT count(*) FROM case_event")
        n_cases = one('SELECT count(*) FROM "case"')
        span = db.session.execute(text("SELECT min(at), max(at) FROM case_event")).one()
        sizes = {t.strip('"'): one(f"SELECT pg_total_relation_size('{t}')") / 2**30
                 for t in ("case_event", '"case"', "metric_day")}
        print(f"machine: {machine()}")
        print(f"database: PostgreSQL {one('SHOW server_version')}, "
              f"{one('SELECT pg_database_size(current_database())') / 2**30:.1f} GiB; "
              f"{n_cases:,} cases, {n_events:,} events from {span[0]:%Y-%m-%d} to "
              f"{span[1]:%Y-%m-%d}; case_event {sizes['case_event']:.2f} GiB, case "
              f"{sizes['case']:.2f} GiB, metric_day {sizes['metric_day']:.3f} GiB "
              f"(tables with their indexes)", flush=True)
        partitions = one("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                         "'case_event'::regclass")
        print("case_event: " + (f"partitioned, {partitions} partitions" if partitions
                                else "one table"))

        def client_for(user_id: int):
            user = db.session.get(User, user_id)
            client = app.test_client()
            with client.session_transaction() as s:
                s["_user_id"] = staff_sessions.start(user)
                s["_fresh"] = True
                s["lang"] = "zh_Hans_CN"
            return client

        chiefs = scalars("SELECT DISTINCT road_chief_id FROM area WHERE road_chief_id IS NOT NULL "
                         "ORDER BY 1")
        jobs_queue, jobs_case = [], []
        for _ in range(args.requests):
            chief = rng.choice(chiefs)
            jobs_queue.append((chief, "/work/queue"))
            area = rng.choice(scalars("SELECT id FROM area WHERE road_chief_id = :u", u=chief))
            lo, hi = db.session.execute(text('SELECT min(id), max(id) FROM "case" '
                                             "WHERE area_id = :a"), {"a": area}).one()
            case_id = one('SELECT id FROM "case" WHERE area_id = :a AND id >= :x ORDER BY id '
                          "LIMIT 1", a=area, x=rng.randint(lo, hi))
            jobs_case.append((chief, f"/work/cases/{case_id}"))
        supervisor = one("SELECT id FROM \"user\" WHERE username = 'city_supervisor'")
        district = one("SELECT district_id FROM \"case\" GROUP BY 1 ORDER BY count(*) DESC "
                       "LIMIT 1")
        today = clock.to_local(clock.now()).date()
        month = args.month or (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        db.session.rollback()
        clients: dict[int, object] = {}

        def get(user_id: int, url: str, timer: Timer) -> None:
            client = clients.get(user_id) or clients.setdefault(user_id, client_for(user_id))
            with timer:
                response = client.get(url, headers={"Accept-Language": "zh-CN"})
                response.get_data()
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        print(f"pages (whole requests in process; the first fifth warm the caches; month "
              f"{month}):", flush=True)
        results = {}
        for label, jobs in (("road chief queue", jobs_queue),
                            ("case page (road chief)", jobs_case)):
            timer = Timer(backends)
            for user_id, url in jobs:
                get(user_id, url, timer)
            results[label] = timer.report(label, warm=len(jobs) // 5)
        for label, url in (("month dashboard (city)", f"/supervise/?month={month}"),
                           ("month dashboard (district)",
                            f"/supervise/?district={district}&month={month}")):
            timer = Timer(backends)
            for _ in range(8):
                get(supervisor, url, timer)
            results[label] = timer.report(label, warm=1)

        print("a new case's events (one door; each action its own transaction):", flush=True)
        areas = db.session.execute(select(Area.id, Area.street_id, Area.road_chief_id)
                                   .where(Area.road_chief_id.is_not(None))
                                   .order_by(Area.id)).all()
        dispatchers = dict(db.session.execute(text(
            "SELECT district_id, min(id) FROM \"user\" WHERE role = 'dispatcher' "
            "GROUP BY district_id")).all())
        street_district = dict(db.session.execute(text("SELECT id, district_id FROM street"))
                               .all())
        timers = {k: Timer(backends) for k in ("submit", "dispatch", "sign_for", "add_note")}
        raw_timer = Timer(backends)
        for k in range(args.inserts):
            area_id, street_id, chief_id = rng.choice(areas)
            district_id = street_district[street_id]
            dispatcher = db.session.get(User, dispatchers.get(district_id)
                                        or min(dispatchers.values()))
            chief = db.session.get(User, chief_id)
            with timers["submit"]:
                case = cases.submit(Actor.resident(), category_code="LD09", area_id=area_id,
                                    description=f"规模基准：新案件 {k}", phone=f"1391{k:07d}")
            with timers["dispatch"]:
                cases.dispatch(case, Actor.staff(dispatcher))
            with timers["sign_for"]:
                cases.sign_for(case, Actor.staff(chief))
            with timers["add_note"]:
                cases.add_note(case, Actor.staff(chief), note="现场已查看，今日处理")
            # The table alone: the same four events as bare INSERTs, rolled back.
            rows = [{"case_id": case.id, "at": clock.now(), "action": a, "from_state": None,
                     "to_state": "in_progress", "actor_role": "road_chief", "data": {},
                     "version": 10 + j}
                    for j, a in enumerate(("submit", "dispatch", "sign_for", "add_note"))]
            with raw_timer:
                db.session.execute(insert(CaseEvent), rows)
                db.session.flush()
            db.session.rollback()
        warm = max(1, args.inserts // 10)
        for label, timer in timers.items():
            results[label] = timer.report(label, warm=warm)
        results["bare insert"] = raw_timer.report("4 bare event INSERTs", warm=warm)
        missed = [k for k, (which, target) in TARGETS_MS.items()
                  if results[k][which] >= target]
        print(f"targets: {'all met' if not missed else 'MISSED: ' + ', '.join(missed)}")


if __name__ == "__main__":
    main()

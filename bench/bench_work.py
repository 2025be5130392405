"""Benchmarks for the staff screens (issue 5), on PostgreSQL with at least a million cases.

Targets, p95 of server time: a road chief's queue page < 100 ms, a case page < 100 ms,
the dispatcher's triage list < 150 ms.

    DATABASE_URL=postgresql://... .venv/bin/python bench/make_million.py 1000000   # once
    DATABASE_URL=postgresql://... .venv/bin/python bench/bench_work.py [--requests 300]

Each figure is a whole request served in-process through Flask's test client: the
sign-in cookie, the role check, every query, the template; no network. The people are
the demo city's own (every area's road chief, dispatchers ``sl-*`` ...), signed in by
session so that argon2 is not timed.

The script runs twice: first with the schema as migrated, then after creating the
indexes the staff screens want (``INDEXES`` below), which it creates by hand and leaves
in place; ``--drop`` removes them first so a run starts from the migrated schema. The
indexes are not in a migration: the lead decides.
"""

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

#: (name, SQL) of the indexes proposed for the staff screens.
INDEXES = [
    # Triage lists: new and returned reports of a district (or unrouted: NULL), oldest
    # first. A few percent of all cases; without it the list walks the district's
    # whole history.
    ("ix_case_triage",
     'CREATE INDEX IF NOT EXISTS ix_case_triage ON "case" (district_id, state, created_at) '
     "WHERE state IN ('submitted', 'returned')"),
    # Nearby live cases (possible duplicates) on the dispatcher's case page.
    ("ix_case_live_point",
     'CREATE INDEX IF NOT EXISTS ix_case_live_point ON "case" (lat, lng) '
     "WHERE state IN ('submitted', 'dispatched', 'in_progress', 'returned', 'on_hold', "
     "'rectified')"),
    # Supervisor: overdue work in a district or street, by the deadline worked to.
    ("ix_case_running_due",
     'CREATE INDEX IF NOT EXISTS ix_case_running_due ON "case" '
     "(district_id, (coalesce(rework_due_at, due_at))) "
     "WHERE state IN ('dispatched', 'in_progress')"),
    # Supervisor: escalated live cases.
    ("ix_case_escalated",
     'CREATE INDEX IF NOT EXISTS ix_case_escalated ON "case" (district_id, escalation_level) '
     "WHERE escalation_level > 0"),
    # Supervisor: ratings still to follow up.
    ("ix_rating_follow_up",
     "CREATE INDEX IF NOT EXISTS ix_rating_follow_up ON rating (at, id) "
     "WHERE needs_follow_up"),
    # Inspector: rectified cases of a street, by check deadline.
    ("ix_case_rectified",
     'CREATE INDEX IF NOT EXISTS ix_case_rectified ON "case" (street_id, verify_due_at) '
     "WHERE state = 'rectified'"),
]

TARGETS_MS = {"road chief queue": 100, "case page (road chief)": 100, "triage list": 150}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


class Bench:
    def __init__(self, app, requests: int, seed: int = 5):
        from app.extensions import db

        self.app, self.db, self.n = app, db, requests
        self.rng = random.Random(seed)
        self.clients: dict[int, object] = {}

    def client(self, user_id: int):
        client = self.clients.get(user_id)
        if client is None:
            client = self.app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = str(user_id)
                session["_fresh"] = True
                session["lang"] = "zh_Hans_CN"
            self.clients[user_id] = client
        return client

    def scalars(self, sql: str, **params) -> list:
        from sqlalchemy import text

        return list(self.db.session.execute(text(sql), params).scalars())

    def run(self, label: str, jobs: list[tuple[int, str]]) -> dict:
        """Time GET requests (user id, url); the first fifth warm the caches."""
        warm = max(5, len(jobs) // 5)
        times = []
        for i, (user_id, url) in enumerate(jobs):
            client = self.client(user_id)
            start = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{label}: {url} answered {response.status_code}")
            if i >= warm:
                times.append(elapsed)
        times.sort()
        q = statistics.quantiles(times, n=100)
        result = {"label": label, "n": len(times), "p50": q[49], "p95": q[94], "p99": q[98],
                  "max": times[-1]}
        target = TARGETS_MS.get(label)
        verdict = "" if target is None else (
            f"  target p95 < {target} ms: {'MET' if result['p95'] < target else 'MISSED'}")
        print(f"  {label:<32} n={result['n']:<4} p50 {result['p50']:6.1f}  "
              f"p95 {result['p95']:6.1f}  p99 {result['p99']:6.1f}  max {result['max']:6.1f} ms"
              f"{verdict}")
        return result

    def jobs(self) -> dict[str, list[tuple[int, str]]]:
        rng, n = self.rng, self.n
        chiefs = self.scalars("SELECT road_chief_id FROM area WHERE road_chief_id IS NOT NULL "
                              "ORDER BY id")
        dispatchers = self.scalars("SELECT id FROM \"user\" WHERE role = 'dispatcher' "
                                   "AND username LIKE 'sl-%' ORDER BY id")
        agencies = self.scalars("SELECT id FROM \"user\" WHERE role = 'agency_staff' "
                                "ORDER BY id")
        inspectors = self.scalars("SELECT id FROM \"user\" WHERE role = 'inspector' ORDER BY id")
        supervisors = self.scalars("SELECT id FROM \"user\" WHERE role = 'supervisor' "
                                   "AND street_id IS NULL AND district_id IS NOT NULL")
        queue, case_page, triage, agency, dispatch_case = [], [], [], [], []
        for _ in range(n):
            chief = rng.choice(chiefs)
            queue.append((chief, "/work/queue"))
            area = rng.choice(self.scalars("SELECT id FROM area WHERE road_chief_id = :u",
                                           u=chief))
            # A case of the chief's area, in any state (most are closed, with history).
            lo, hi = self.scalars("SELECT min(id) FROM \"case\" WHERE area_id = :a "
                                  "UNION ALL SELECT max(id) FROM \"case\" WHERE area_id = :a",
                                  a=area)
            case_id = self.scalars("SELECT id FROM \"case\" WHERE area_id = :a AND id >= :x "
                                   "ORDER BY id LIMIT 1", a=area, x=rng.randint(lo, hi))[0]
            case_page.append((chief, f"/work/cases/{case_id}"))
        for _ in range(n):
            triage.append((rng.choice(dispatchers), "/work/triage"))
        for _ in range(max(50, n // 3)):
            agency.append((rng.choice(agencies), "/work/queue"))
            dispatcher = rng.choice(dispatchers)
            district = self.scalars("SELECT district_id FROM \"user\" WHERE id = :u",
                                    u=dispatcher)[0]
            waiting = self.scalars("SELECT id FROM \"case\" WHERE district_id = :d AND "
                                   "state = 'submitted' ORDER BY created_at DESC LIMIT 40",
                                   d=district)
            dispatch_case.append((dispatcher, f"/work/cases/{rng.choice(waiting)}"))
        light = max(30, n // 10)
        return {
            "road chief queue": queue,
            "case page (road chief)": case_page,
            "triage list": triage,
            "triage: returned list": [(u, "/work/triage?list=returned") for u, _ in triage[:light]],
            "agency queue": agency,
            "case page (dispatcher triage)": dispatch_case,
            "inspector list": [(rng.choice(inspectors), "/work/verify") for _ in range(light)],
            "district supervisor page": [(rng.choice(supervisors), "/work/supervise")
                                         for _ in range(light)],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per main page")
    parser.add_argument("--drop", action="store_true",
                        help="drop the proposed indexes first (measure the migrated schema)")
    parser.add_argument("--only-indexed", action="store_true",
                        help="skip the run without the proposed indexes")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database filled by bench/make_million.py")

    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app({"TESTING": False})
    # Requests run outside any application context, each in its own, as in production
    # (a shared context would share Flask-Login's cached user between requests).
    with app.app_context():
        total = db.session.scalar(text('SELECT count(*) FROM "case"'))
        states = dict(db.session.execute(text(
            'SELECT state, count(*) FROM "case" GROUP BY state')).all())
        print(f"machine: {machine()}")
        print(f"database: PostgreSQL {db.session.scalar(text('SHOW server_version'))}, "
              f"{total:,} cases ({', '.join(f'{k} {v:,}' for k, v in sorted(states.items()))})")
        if total < 1_000_000:
            print("warning: fewer than a million cases")
        if args.drop:
            for name, _sql in INDEXES:
                db.session.execute(text(f"DROP INDEX IF EXISTS {name}"))
            db.session.commit()
        bench = Bench(app, args.requests)
        jobs = bench.jobs()
        existing = set(db.session.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('case', 'rating')")).scalars())
        have = [name for name, _ in INDEXES if name in existing]
        db.session.rollback()
    if not args.only_indexed and not have:
        print("\n1. schema as migrated (no extra index)")
        for label, job in jobs.items():
            bench.run(label, job)
    print("\n2. with the proposed indexes, created by hand for this run:")
    with app.app_context():
        for _name, sql in INDEXES:
            start = time.perf_counter()
            db.session.execute(text(sql))
            db.session.commit()
            print(f"  {sql}  [{time.perf_counter() - start:.1f}s]")
        db.session.execute(text('ANALYZE "case"'))
        db.session.execute(text("ANALYZE rating"))
        db.session.commit()
    for label, job in jobs.items():
        bench.run(label, job)


if __name__ == "__main__":
    main()

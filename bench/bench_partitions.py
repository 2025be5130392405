"""What monthly partitions would change for ``case_event`` (issue 23), measured on the same
rows: a copy of the table, partitioned by month on ``at`` with the same indexes on every
partition, beside the plain table, on a database filled by ``bench/make_events.py``.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rc_bench30m \\
        .venv/bin/python bench/bench_partitions.py [--cases 2000] [--keep]

Compared, each as the server runs it (planning and execution, from ``EXPLAIN ANALYZE``,
repeated on the same random cases for both layouts):

* a case's events, as the case page and the tracking page read them
  (``WHERE case_id = … ORDER BY id``); with partitions, also with the bound the
  application could add (``AND at >= <the case's created_at>``) to skip older months;
* a month of events (``count(*)`` of one month, the kind of scan a partition makes cheap);
* four new events of a new case (``INSERT``, rolled back).

The copy (``case_event_by_month``) is dropped at the end unless ``--keep``."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

COLUMNS = ("id, case_id, at, action, from_state, to_state, actor_role, actor_user_id, "
           "actor_contact_id, reason, note, data, version")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database filled by bench/make_events.py")
    import psycopg

    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    cur = conn.cursor()

    def one(sql: str, params=None):
        cur.execute(sql, params)
        return cur.fetchone()[0]

    n = one("SELECT count(*) FROM case_event")
    exists = one("SELECT to_regclass('case_event_by_month') IS NOT NULL")
    if not exists:
        first, last = cur.execute("SELECT date_trunc('month', min(at)), "
                                  "date_trunc('month', max(at)) FROM case_event").fetchone()
        t = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("CREATE TABLE case_event_by_month (LIKE case_event INCLUDING DEFAULTS "
                    "INCLUDING CONSTRAINTS) PARTITION BY RANGE (at)")
        months = 0
        month = first
        while month <= last:
            cur.execute(f"""CREATE TABLE case_event_by_month_{month:%Y%m}
                PARTITION OF case_event_by_month FOR VALUES FROM ('{month.isoformat()}')
                TO ('{month.isoformat()}'::timestamptz + interval '1 month')""")
            month = one("SELECT %s::timestamptz + interval '1 month'", (month,))
            months += 1
        cur.execute("CREATE TABLE case_event_by_month_default PARTITION OF case_event_by_month "
                    "DEFAULT")
        cur.execute(f"INSERT INTO case_event_by_month ({COLUMNS}) SELECT {COLUMNS} "
                    "FROM case_event ORDER BY id")
        for sql in ("ALTER TABLE case_event_by_month ADD PRIMARY KEY (id, at)",
                    "CREATE INDEX ON case_event_by_month (case_id, id)",
                    "CREATE INDEX ON case_event_by_month (at, id)",
                    "CREATE INDEX ON case_event_by_month (actor_user_id, at) WHERE "
                    "actor_user_id IS NOT NULL AND action = 'submit'"):
            cur.execute(sql)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM (ANALYZE) case_event_by_month")
        conn.autocommit = False
        print(f"copied {n:,} events into {months} monthly partitions (+ default) in "
              f"{time.perf_counter() - t:.0f}s", flush=True)
    parts = one("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                "'case_event_by_month'::regclass")
    size = one("SELECT pg_total_relation_size('case_event')") / 2**30
    print(f"{n:,} events; plain table {size:.2f} GiB, partitioned copy {parts} partitions")

    rng = random.Random(23)
    lo, hi = cur.execute('SELECT min(id), max(id) FROM "case"').fetchone()
    picks = []
    while len(picks) < args.cases:
        row = cur.execute('SELECT id, created_at FROM "case" WHERE id >= %s ORDER BY id '
                          "LIMIT 1", (rng.randint(lo, hi),)).fetchone()
        if row:
            picks.append(row)

    def explain(sql: str, params) -> tuple[float, float]:
        plan = cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params).fetchone()[0][0]
        return plan["Planning Time"], plan["Execution Time"]

    def measure(label: str, sql: str, params_of) -> None:
        # Twice: the first pass warms the caches, the second is reported.
        for _ in range(2):
            rows = [explain(sql, params_of(case)) for case in picks]
        plan = [r[0] for r in rows]
        run = [r[1] for r in rows]
        q = statistics.quantiles(run, n=100)
        print(f"  {label:<58} planning median {statistics.median(plan):5.2f} ms, "
              f"execution median {statistics.median(run):5.2f} p95 {q[94]:5.2f} ms", flush=True)

    case_sql = f"SELECT {COLUMNS} FROM {{t}} WHERE case_id = %s ORDER BY id"
    print(f"a case's events ({len(picks)} random cases, warm):")
    measure("plain table", case_sql.format(t="case_event"), lambda c: (c[0],))
    measure("monthly partitions", case_sql.format(t="case_event_by_month"), lambda c: (c[0],))
    measure("monthly partitions, AND at >= created_at",
            f"SELECT {COLUMNS} FROM case_event_by_month WHERE case_id = %s AND at >= %s "
            "ORDER BY id", lambda c: (c[0], c[1]))

    month_sql = ("SELECT count(*) FROM {t} WHERE at >= date_trunc('month', now()) - "
                 "interval '1 month' AND at < date_trunc('month', now())")
    print("last month's events (count):")
    for label, table in (("plain table", "case_event"), ("monthly partitions",
                                                         "case_event_by_month")):
        timings = [explain(month_sql.format(t=table), None) for _ in range(3)]
        print(f"  {label:<58} planning {timings[-1][0]:5.2f} ms, execution "
              f"{timings[-1][1]:7.1f} ms", flush=True)

    print("four events of a new case (INSERT, rolled back; 200 times):")
    new_case = one('SELECT max(id) FROM "case"')
    for label, table in (("plain table", "case_event"), ("monthly partitions",
                                                         "case_event_by_month")):
        times = []
        for k in range(200):
            start = time.perf_counter()
            cur.executemany(
                f"INSERT INTO {table} (id, case_id, at, action, from_state, to_state, "
                "actor_role, data, version) VALUES (%s, %s, now(), %s, NULL, 'submitted', "
                "'resident', '{}', %s)",
                [(2_000_000_000 + 4 * k + j, new_case, a, j + 1)
                 for j, a in enumerate(("submit", "dispatch", "sign_for", "add_note"))])
            times.append((time.perf_counter() - start) * 1000)
            conn.rollback()
        times = times[20:]
        print(f"  {label:<58} median {statistics.median(times):5.2f} ms, p95 "
              f"{statistics.quantiles(times, n=100)[94]:5.2f} ms (client round trips "
              "included)", flush=True)
    if not args.keep:
        cur.execute("DROP TABLE case_event_by_month")
        conn.commit()
        print("dropped the partitioned copy")


if __name__ == "__main__":
    main()

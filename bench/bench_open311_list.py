"""CPU per record of the Open311 lists, measured in-process on a filled database: the
Python (and driver) CPU of this process per answer and per record, and the number of SQL
statements each answer takes (constant, whatever the number of records).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/bench_open311_list.py [--repeat 5]

The database must hold the bulk cases first (``bench/make_million.py N``). Each answer is
asked for once to warm the caches, then ``--repeat`` times; the figures are the medians.
PostgreSQL's own CPU is not in the CPU column; the wall column (one answer at a time)
holds it and every wait, so on a shared machine it says less (see bench_resident.py for
a whole-server run). SQL: the most statements any measured answer took (the reference
data each process keeps is loaded by the warming answer)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCENARIOS = [
    ("default list (90 days, up to 1000)", "/open311/v2/requests.json"),
    ("default list as XML", "/open311/v2/requests.xml"),
    ("page_size=100", "/open311/v2/requests.json?page_size=100"),
    ("page 3 of 100", "/open311/v2/requests.json?page_size=100&page=3"),
    ("change feed, last 30 days", "/open311/v2/requests.json?updated_after={month_ago}"),
    ("one record", "/open311/v2/requests/{code}.json"),
    ("updates, last 7 days", "/open311/v2/servicerequestupdates.json?start_date={week_ago}"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database filled by make_million.py")
    from datetime import timedelta

    from sqlalchemy import event, func, select

    from app import create_app
    from app.extensions import db
    from app.models import Case
    from app.services import clock

    app = create_app({"RATELIMIT_ENABLED": False})
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a, **k: statements.__setitem__(0, statements[0] + 1))
        total = db.session.scalar(select(func.count()).select_from(Case))
        code = db.session.scalar(select(Case.code).order_by(Case.id.desc()).limit(1))
        db.session.remove()
    now = clock.now()
    values = {"code": code,
              "month_ago": (now - timedelta(days=30)).isoformat().replace("+", "%2B"),
              "week_ago": (now - timedelta(days=7)).isoformat().replace("+", "%2B")}
    client = app.test_client()
    print(f"{total:,} cases in the database; median of {args.repeat} answers each")
    print(f"{'answer':38} {'records':>8} {'SQL':>5} {'CPU ms':>8} {'ms/record':>10} "
          f"{'wall ms':>8}")
    for name, url in SCENARIOS:
        url = url.format(**values)
        response = client.get(url)  # warm: caches, prepared statements
        assert response.status_code == 200, (url, response.data[:300])
        cpu, sql, wall = [], [], []
        for _ in range(args.repeat):
            statements[0] = 0
            started, clock_started = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append((time.process_time() - started) * 1000)
            wall.append((time.perf_counter() - clock_started) * 1000)
            sql.append(statements[0])
        records = len(response.get_json()) if url.split("?")[0].endswith(".json") \
            else response.data.count(b"<request>")
        median = statistics.median(cpu)
        per = median / records if records else float("nan")
        print(f"{name:38} {records:8} {max(sql):5} {median:8.1f} {per:10.3f} "
              f"{statistics.median(wall):8.1f}")


if __name__ == "__main__":
    main()

"""Benchmark of the sweep (issue 6): over a million open cases, one pass when nothing is
due (target < 1 s) and one pass that takes 10,000 due reminders (target < 10 s).

    createdb -h 127.0.0.1 -U postgres sweepbench
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/sweepbench \\
        .venv/bin/python bench/make_million.py 1000000
    DATABASE_URL=... REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/bench_sweep.py

It turns every bulk case into an open, signed-for case whose next check lies in the
coming weeks (so nothing is due), times a sweep, then makes 10,000 of them due for their
50 % reminder (calendar-hour limits, half passed) and times the sweep that sends them.
With REDIS_URL the messages are handed to RQ (as in production) instead of being sent
inside the timed pass."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DUE = 10_000


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database filled by bench/make_million.py")
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services import sweep

    app = create_app({"SCHEDULER_IN_PROCESS": "off"})
    with app.app_context():
        upgrade()
        raw = db.engine.raw_connection()
        cur = raw.cursor()
        t = time.perf_counter()
        cur.execute("""UPDATE "case" SET state = 'in_progress', signed_at = dispatched_at,
            rectified_at = NULL, closed_at = NULL, limit_unit = 'calendar_hours',
            next_check_at = now() + (1 + id % 30) * interval '1 day'
            WHERE dispatched_at IS NOT NULL AND due_at IS NOT NULL""")
        cur.execute("""UPDATE "case" SET next_check_at = NULL
            WHERE state NOT IN ('dispatched', 'in_progress', 'rectified')""")
        raw.commit()
        cur.execute("""SELECT count(*) FROM "case"
            WHERE state IN ('dispatched', 'in_progress', 'rectified')""")
        open_cases = cur.fetchone()[0]
        print(f"prepared {open_cases} open cases in {time.perf_counter() - t:.0f}s")
        cur.execute("DELETE FROM case_step")
        cur.execute("DELETE FROM outbox_message WHERE dedupe_key LIKE 'step:%'")
        raw.commit()

        t = time.perf_counter()
        result = sweep.sweep()
        idle = time.perf_counter() - t
        print(f"sweep, nothing due, over {open_cases} open cases: {idle * 1000:.0f} ms "
              f"(looked at {result['cases']}; target < 1000 ms)")

        cur.execute(f"""UPDATE "case" SET dispatched_at = now() - interval '3 hours',
            signed_at = now() - interval '3 hours', due_at = now() + interval '2 hours',
            response_due_at = now() - interval '2 hours', rework_due_at = NULL,
            escalation_level = 0, next_check_at = now() - interval '1 minute'
            WHERE id IN (SELECT id FROM "case" WHERE state = 'in_progress'
                         AND assignee_user_id IS NOT NULL ORDER BY id LIMIT {DUE})""")
        raw.commit()
        raw.close()
        t = time.perf_counter()
        result = sweep.sweep()
        busy = time.perf_counter() - t
        print(f"sweep with {DUE} due reminders: {busy:.1f} s, {result['reminders']} reminders,"
              f" {result['messages']} messages handed to delivery (target < 10 s)")
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores;"
              f" REDIS_URL={'set' if os.environ.get('REDIS_URL') else 'unset'}")


if __name__ == "__main__":
    main()

"""CPU of this process per stored report, for the resident form (POST /report) and the
Open311 POST, measured in-process through Flask's test client: the figure that says what
the report path's Python costs, whatever else this shared machine is doing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> [REDIS_URL=redis://...] \\
        .venv/bin/python bench/bench_report_cost.py [--n 100] [--rounds 5] [--limits on|off]
        [--profile out.prof]

The database must hold the bulk cases first (``bench/make_million.py N``). Both kinds of
report are sent alternately, ``--n`` of each per round; the figures are the median and the
range over the rounds of CPU ms per report (``time.process_time``: user + system time of
this process: Python, the driver, and the Redis client when the limits are counted) and
the SQL statements per report. ``--limits on`` counts every report against the report
limits as in production (raised so that they never refuse here; in Redis when REDIS_URL
is set, else in memory); ``--limits off`` leaves Flask-Limiter out. ``--profile`` writes
a cProfile of one more round of each kind (``<out>.resident`` and ``<out>.open311``).

Written so that the same file runs on older trees too (copy it over) to compare a commit
with another in one sitting: only the public routes and services are used."""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100, help="reports of each kind per round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--limits", choices=["on", "off"], default="on")
    ap.add_argument("--profile", default=None)
    ap.add_argument("--only", choices=["resident", "open311"], default=None)
    ap.add_argument("--callgrind", action="store_true",
                    help="run under valgrind --tool=callgrind --instr-atstart=no: counts "
                         "the instructions of the measured reports only (repeatable under "
                         "load), printed per report")
    args = ap.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database filled by make_million.py")
    os.environ.setdefault("REPORT_LIMIT_PER_ADDRESS", "100000000 per hour")
    os.environ.setdefault("REPORT_LIMIT_PER_PHONE", "100000000 per hour")
    os.environ.setdefault("RQ_QUEUE", "roadchief-bench")

    from sqlalchemy import event, func, select, text

    from app import create_app
    from app.extensions import db
    from app.models import Area, Case, User
    from app.services.admin import api_keys

    app = create_app({"OUTBOX_DELIVERY": False, "RATELIMIT_ENABLED": args.limits == "on",
                      "WTF_CSRF_ENABLED": True})
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a, **k: statements.__setitem__(0, statements[0] + 1))
        total = db.session.scalar(select(func.count()).select_from(Case))
        area = db.session.scalar(select(Area.id).order_by(Area.id).limit(1))
        admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
        key, token = api_keys.create(admin, "bench report cost", 10000)
        db.session.commit()
        key_id = key.id
        db.session.remove()
    # Older trees wrote a report on the driver's cursor directly: count those statements.
    try:
        from app.services import direct  # type: ignore[attr-defined]

        _fetch_one = direct.fetch_one
        direct.fetch_one = lambda *a: (statements.__setitem__(0, statements[0] + 1),
                                       _fetch_one(*a))[1]
    except ImportError:
        pass

    resident = app.test_client()
    page = resident.get("/report").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "category": "LD03", "area_id": area, "action": "submit",
            "description": "bench: 人行道上停了一辆白色小车，行人只能走机动车道",
            "nearby_seen": f"LD03|a{area}"}
    partner = app.test_client()
    body = {"service_code": "LD03", "lat": "30.5928", "long": "114.3055",
            "description": "bench: open311 人行道上停了一辆白色小车",
            "attribute[urgency]": "normal", "api_key": token}
    stamp = int(time.time()) % 10000
    sent = [0]

    def report():
        sent[0] += 1
        r = resident.post("/report", data=dict(form, phone=f"136{stamp:04d}{sent[0]:04d}"))
        assert r.status_code in (302, 303), r.get_data(as_text=True)[:300]

    def open311_post():
        r = partner.post("/open311/v2/requests.json", data=body)
        assert r.status_code == 200, r.get_data(as_text=True)[:300]

    def measure(fn, n):
        statements[0] = 0
        started = time.process_time()
        for _ in range(n):
            fn()
        return (time.process_time() - started) / n * 1000, statements[0] / n

    kinds = {"resident report (POST /report)": report,
             "Open311 POST requests.json": open311_post}
    if args.only:
        kinds = {k: v for k, v in kinds.items() if args.only in ("resident" if v is report
                                                                  else "open311")}
    for fn in kinds.values():  # warm: caches, prepared statements, connections
        for _ in range(5):
            fn()
    if args.callgrind:
        for name, fn in kinds.items():
            print(f"{name:34} {instructions(fn, args.n):,.0f} instructions per report "
                  f"(callgrind)")
        return
    figures = {name: [] for name in kinds}
    for _ in range(args.rounds):
        for name, fn in kinds.items():
            figures[name].append(measure(fn, args.n))
    storage = ("Redis" if os.environ.get("REDIS_URL") else "memory") \
        if args.limits == "on" else "not counted"
    print(f"{total:,} cases in PostgreSQL · report limits: {storage} · {args.rounds} rounds "
          f"of {args.n} reports of each kind")
    for name, rows in figures.items():
        cpu = sorted(r[0] for r in rows)
        print(f"{name:34} CPU {statistics.median(cpu):5.2f} ms per report (range "
              f"{cpu[0]:.2f}-{cpu[-1]:.2f}), {max(r[1] for r in rows):.1f} SQL statements")
    if args.profile:
        for fn, suffix in ((report, "resident"), (open311_post, "open311")):
            profiler = cProfile.Profile(time.process_time)  # CPU, not waits
            profiler.enable()
            for _ in range(args.n):
                fn()
            profiler.disable()
            profiler.dump_stats(f"{args.profile}.{suffix}")
    with app.app_context():
        db.session.execute(text("UPDATE api_key SET revoked_at = now() WHERE id = :id"),
                           {"id": key_id})
        db.session.commit()


def instructions(fn, n: int) -> float:
    """Instructions per call of ``fn``, counted by callgrind (this process must run under
    ``valgrind --tool=callgrind --instr-atstart=no``): switched on around the calls only."""
    import glob
    import subprocess

    subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True,
                   capture_output=True)
    for _ in range(n):
        fn()
    subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True,
                   capture_output=True)
    subprocess.run(["callgrind_control", "--dump", str(os.getpid())], check=True,
                   capture_output=True)
    total = 0
    for path in glob.glob(f"callgrind.out.{os.getpid()}*"):
        with open(path) as fh:
            for line in fh:
                if line.startswith(("summary:", "totals:")):
                    total = max(total, int(line.split()[1]))
        os.unlink(path)
    return total / n


if __name__ == "__main__":
    main()

"""Benchmarks for the resident channel, served by gunicorn against PostgreSQL.

Targets (issue 3), with at least 1 million existing cases on this 2-core machine:
  1. report submission (POST /report, no photos): >= 300 per second, p95 < 150 ms;
  2. tracking page (GET /track/<code>): >= 600 per second.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/bench_resident.py [--workers 3] [--threads 1] [--seconds 20]

The database must hold the bulk cases first (``bench/make_million.py``). The script starts
gunicorn on a free local port, takes a CSRF token and session like a browser, then drives
each endpoint with ``wrk`` (apt-get install wrk), bounded in time and connections, from
127.0.0.1 only. Reports stay in the database afterwards (they are marked "bench").

Everything is as in production except: the per-address report limit is raised (all the
load comes from one address) but still counted, in Redis when REDIS_URL is set; outbox
messages are queued on a throw-away RQ queue that nobody works, deleted afterwards."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBMIT_LUA = r"""
local body = os.getenv("RC_BODY")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("RC_COOKIE")
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
request = function()
  -- a new resident each time (a fresh phone number: a new contact row and an SMS), never
  -- the same number on two threads at once
  n = n + 1
  local phone = string.format("13%d%02d%06d", 9 - tid, os.time() % 100, n % 1000000)
  return wrk.format(nil, "/report", nil, body .. "&phone=" .. phone)
end
""" + r"""
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status, summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

TRACK_LUA = r"""
local codes = {}
for line in io.lines(os.getenv("RC_CODES")) do codes[#codes + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/track/" .. codes[math.random(#codes)])
end
""" + SUBMIT_LUA[SUBMIT_LUA.index("done = function"):]


COST_PY = r"""
import json, os, re, sys, time
from sqlalchemy import event, text
from app import create_app
from app.extensions import db

app = create_app({"OUTBOX_DELIVERY": False, "RATELIMIT_ENABLED": False})
client = app.test_client()
queries = [0]
with app.app_context():
    event.listen(db.engine, "before_cursor_execute",
                 lambda *a, **k: queries.__setitem__(0, queries[0] + 1))
    area = db.session.execute(text("SELECT min(id) FROM area")).scalar()
    codes = db.session.scalars(text(
        'SELECT code FROM "case" TABLESAMPLE SYSTEM (2) LIMIT 600')).all()
page = client.get("/report").get_data(as_text=True)
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
form = {"csrf_token": token, "category": "LD03", "area_id": area, "action": "submit",
        "description": "bench: cost", "nearby_seen": f"LD03|a{area}"}
stamp = int(time.time()) % 10000


def cost(fn, n):
    fn(0)
    queries[0] = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(1, n + 1):
        assert fn(i).status_code in (200, 303)
    return {"cpu_ms": (time.process_time() - cpu) / n * 1000,
            "wall_ms": (time.perf_counter() - wall) / n * 1000, "queries": queries[0] / n}


out = {
    "submit": cost(lambda i: client.post("/report", data=dict(
        form, phone=f"137{stamp:04d}{i:04d}")), 150),
    "track_first": cost(lambda i: client.get("/track/" + codes[i]), 300),
    "track_repeat": cost(lambda i: client.get("/track/" + codes[i % 300]), 600),
}
print("COST " + json.dumps(out))
"""


def in_process_cost(env: dict) -> dict:
    """CPU time and queries per request, one at a time through Flask's test client: what
    a request costs this process, whatever else the machine is doing."""
    out = subprocess.run([sys.executable, "-c", COST_PY], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(next(x for x in out.splitlines() if x.startswith("COST "))[5:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not answer /healthz")


def db_facts(env: dict, n_codes: int = 50000) -> dict:
    percent = min(100, max(5, n_codes * 100 // 900_000))
    code = (
        "import json\n"
        "from sqlalchemy import select, func, text\n"
        "from app import create_app\n"
        "from app.extensions import db\n"
        "from app.models import Area, Case\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    n = db.session.execute(text('SELECT count(*) FROM \"case\"')).scalar()\n"
        "    area = db.session.scalar(select(Area.id).order_by(Area.id).limit(1))\n"
        f"    codes = db.session.scalars(text('SELECT code FROM \"case\" "
        f"TABLESAMPLE SYSTEM ({percent}) LIMIT {n_codes}')).all()\n"
        "    print(json.dumps({'cases': n, 'area_id': area, 'codes': codes}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


PREWARM_SQL = """
SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c
WHERE c.oid IN ('case'::regclass, 'case_event'::regclass, 'attachment'::regclass)
   OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN
                ('case'::regclass, 'case_event'::regclass, 'attachment'::regclass))
"""


def speed_probe() -> float:
    """Seconds one core takes for a fixed piece of pure Python: this VM's speed varies
    with its host's load, and the figures with it; printed beside them to compare runs."""
    start = time.perf_counter()
    sum(i * i for i in range(10**7))
    return time.perf_counter() - start


def cpu_ticks() -> dict | None:
    """Clock ticks of CPU used so far by the server's processes and the machine's cores
    (Linux /proc), to say where a run's CPU went: None elsewhere."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return None
    out = {"busy": sum(fields) - fields[3] - fields[4], "all": sum(fields),
           "steal": fields[7] if len(fields) > 7 else 0, "gunicorn": 0, "PostgreSQL": 0,
           "Redis": 0, "wrk": 0}  # wrk's: from run_wrk, which waited for it
    groups = {"gunicorn": "gunicorn", "postgres": "PostgreSQL", "redis-server": "Redis"}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                stat = fh.read()
        except OSError:  # ended meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        # gunicorn's processes are named after their Python; wsgi:app is in their command
        group = groups.get(name) or ("gunicorn" if name.startswith("python") and
                                     _is_gunicorn(pid) else None)
        if group:
            rest = stat[stat.rindex(")") + 2:].split()
            out[group] += int(rest[11]) + int(rest[12])  # utime + stime
    return out


def _is_gunicorn(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"gunicorn" in fh.read()
    except OSError:
        return False


SERVED = ("gunicorn", "PostgreSQL", "Redis", "wrk")


def cpu_words(before: dict | None, after: dict | None, requests: int) -> str:
    """Where the run's CPU went, per request; how busy the machine's cores were, and how
    much of that was neither the server nor the load (the kernel's own work for them
    included, other processes: a run that another process shared is not this code's
    figure) or was taken by the host."""
    if not before or not after or not requests:
        return ""
    tick = os.sysconf("SC_CLK_TCK")
    used = {k: after[k] - before[k] for k in SERVED}
    total = max(1, after["all"] - before["all"])
    busy = after["busy"] - before["busy"]
    return ("   CPU per request: " + ", ".join(
        f"{k} {v / tick / requests * 1000:.2f} ms" for k, v in used.items())
        + f" · cores busy {100 * busy / total:.0f} %, of which anything else "
        f"{100 * max(0, busy - sum(used.values())) / total:.0f} %; stolen by the host "
        f"{100 * (after['steal'] - before['steal']) / total:.1f} %")


def prewarm(env: dict) -> str:
    """Read the tables and indexes the tracking page uses (about 1.3 GB at a million cases)
    into the operating system's cache, as on a server that holds its working set in
    memory: otherwise the first minutes after loading the data measure the disk."""
    code = (
        "import sys\n"
        "from sqlalchemy import text\n"
        "from app import create_app\n"
        "from app.extensions import db\n"
        "with create_app().app_context():\n"
        "    db.session.execute(text('CREATE EXTENSION IF NOT EXISTS pg_prewarm'))\n"
        "    print(db.session.execute(text(sys.argv[1])).scalar())\n"
        "    db.session.commit()\n"
    )
    done = subprocess.run([sys.executable, "-c", code, PREWARM_SQL], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        return "not read in advance (pg_prewarm unavailable: the first views may wait for disk)"
    blocks = int(done.stdout.strip().splitlines()[-1])
    return f"{blocks * 8 / 1024:,.0f} MB of tables and indexes read into memory first"


def browser_session(base: str) -> tuple[str, str]:
    """A session cookie and its CSRF token, as a browser gets them from the form."""
    with urllib.request.urlopen(base + "/report") as r:
        page = r.read().decode()
        cookie = r.headers["Set-Cookie"].split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return cookie, token


def run_wrk(base: str, lua: str, env: dict, seconds: int, connections: int) -> dict:
    before, children = cpu_ticks(), resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s",
           "-s", fh.name, base]
    out = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True,
                         check=True).stdout
    os.unlink(fh.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, duration_us, p50, p95, p99, bad_status, socket_errors = map(int, line.split()[1:])
    after, done = cpu_ticks(), resource.getrusage(resource.RUSAGE_CHILDREN)
    if after is not None:
        after["wrk"] = round((done.ru_utime + done.ru_stime - children.ru_utime
                              - children.ru_stime) * os.sysconf("SC_CLK_TCK"))
    return {"cpu": cpu_words(before, after, n), "requests": n,
            "per_second": n / (duration_us / 1e6), "p50_ms": p50 / 1000,
            "p95_ms": p95 / 1000, "p99_ms": p99 / 1000, "bad_status": bad_status,
            "socket_errors": socket_errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--only", choices=["submit", "track"], default=None)
    ap.add_argument("--hot", type=int, default=300, help="cases in the repeat-view run")
    ap.add_argument("--repeat", type=int, default=1,
                    help="measure each endpoint this many times, alternately (this VM's "
                         "speed varies from minute to minute: every run is printed)")
    args = ap.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to the PostgreSQL database filled by bench/make_million.py")
    if not shutil.which("wrk"):
        sys.exit("needs wrk: apt-get install -y wrk")
    instance = Path(tempfile.mkdtemp(prefix="rc-bench-"))
    redis = os.environ.get("REDIS_URL")
    env = {**os.environ, "ROADCHIEF_INSTANCE": str(instance), "SECRET_KEY": os.urandom(24).hex(),
           "REPORT_LIMIT_PER_ADDRESS": "100000000 per hour", "RQ_QUEUE": "roadchief-bench",
           "SMS_OUTBOX_LOG": str(instance / "sms.log"), "UPLOAD_DIR": str(instance / "up")}
    # 50,000 codes for each run of first views and the warm-up, none shared, so that a
    # page a worker kept in an earlier run is not counted as a first view.
    facts = db_facts(env, 50000 * (args.repeat + 1))
    if facts["cases"] < 1_000_000:
        print(f"warning: only {facts['cases']:,} cases; the target is about >= 1,000,000")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", "-c",
         str(ROOT / "gunicorn.conf.py")],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(args.workers),
             "GUNICORN_THREADS": str(args.threads)},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(base)
        cookie, token = browser_session(base)
        area = facts["area_id"]
        body = urllib.parse.urlencode({
            "csrf_token": token, "category": "LD03", "area_id": area,
            "description": "bench: 人行道上停了一辆白色小车，行人只能走机动车道",
            "nearby_seen": f"LD03|a{area}", "action": "submit"})
        # First views: so many codes that nearly every request misses the page cache.
        # Repeat views: a few hundred cases that residents keep looking at.
        sets = []
        for k in range(args.repeat + 1):
            sets.append(instance / f"codes-{k}.txt")
            chunk = facts["codes"][k * 50000:(k + 1) * 50000] or facts["codes"]  # a small db
            sets[-1].write_text("\n".join(chunk) + "\n")
        codes = sets[0]  # the warm-up's
        hot = instance / "hot.txt"
        hot.write_text("\n".join(facts["codes"][:args.hot]) + "\n")
        print(f"machine: {platform.node()} · {os.cpu_count()} cores · "
              f"{platform.python_implementation()} {platform.python_version()}")
        print(f"data: {facts['cases']:,} cases in PostgreSQL · rate limits counted in "
              f"{'Redis' if redis else 'memory'} · {prewarm(env)}")
        print("load average before: {:.1f} {:.1f} {:.1f} (other processes on this machine "
              "share its cores) · speed probe {:.2f} s (a fixed Python loop on one core; "
              "lower is faster)".format(*os.getloadavg(), speed_probe()))
        print(f"server: gunicorn, {args.workers} worker(s) x {args.threads} thread(s) · "
              f"load: wrk, {args.connections} connections, {args.seconds}s each, 127.0.0.1")
        # Warm-up: every worker opens its connections and caches the area index.
        run_wrk(base, TRACK_LUA, {"RC_CODES": str(codes), "RC_BODY": "", "RC_COOKIE": ""},
                3, args.connections)
        for run in range(1, args.repeat + 1):
            if args.repeat > 1:
                print(f"-- run {run} of {args.repeat} · speed probe {speed_probe():.2f} s")
            if args.only in (None, "submit"):
                r = run_wrk(base, SUBMIT_LUA, {"RC_BODY": body, "RC_COOKIE": cookie},
                            args.seconds, args.connections)
                verdict = "MET" if r["per_second"] >= 300 and r["p95_ms"] < 150 else "NOT MET"
                print(f"report submission: {r['per_second']:.0f}/s, p50 {r['p50_ms']:.1f} ms, "
                      f"p95 {r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {r['requests']} "
                      f"requests, {r['bad_status']} non-2xx/3xx, {r['socket_errors']} socket "
                      f"errors -> target >= 300/s with p95 < 150 ms: {verdict}")
                print(r["cpu"])
            if args.only in (None, "track"):
                for label, path, warm in (("first views", sets[run], 0),
                                          ("repeat views", hot, 10)):
                    env_ = {"RC_CODES": str(path), "RC_BODY": "", "RC_COOKIE": ""}
                    if warm:
                        run_wrk(base, TRACK_LUA, env_, warm, args.connections)
                    r = run_wrk(base, TRACK_LUA, env_, args.seconds, args.connections)
                    verdict = "MET" if r["per_second"] >= 600 else "NOT MET"
                    print(f"tracking page, {label}: {r['per_second']:.0f}/s, p50 "
                          f"{r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} "
                          f"ms, {r['requests']} requests, {r['bad_status']} non-2xx/3xx -> target "
                          f">= 600/s: {verdict}")
                    print(r["cpu"])
        print("load average after: {:.1f} {:.1f} {:.1f} · speed probe {:.2f} s".format(
            *os.getloadavg(), speed_probe()))
        cost = in_process_cost(env)
        for name, label in (("submit", "report submission"), ("track_first",
                            "tracking, first view"), ("track_repeat", "tracking, repeat view")):
            c = cost[name]
            print(f"cost per request, {label}: {c['cpu_ms']:.1f} ms of Python CPU, "
                  f"{c['queries']:.1f} SQL statements, {c['wall_ms']:.1f} ms wall (one at "
                  f"a time, in process)")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        if redis:
            try:
                import redis as redis_lib

                conn = redis_lib.Redis.from_url(redis)
                queue = "rq:queue:roadchief-bench"
                for job_id in conn.lrange(queue, 0, -1):
                    conn.delete(b"rq:job:" + job_id)
                conn.delete(queue)
            except Exception as exc:  # the figures matter more than the tidy-up
                print(f"(could not clear the bench queue: {exc})")
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()

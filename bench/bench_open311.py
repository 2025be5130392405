"""Benchmarks for the Open311 GeoReport v2 API, served by gunicorn against PostgreSQL.

Targets (issue 8), with at least 1 million existing cases on this machine:
  1. POST /open311/v2/requests.json: >= 300 per second with p95 < 100 ms;
  2. GET /open311/v2/requests.json with the default window and limit (the last 90 days,
     at most 1000 requests): p95 < 250 ms.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/bench_open311.py [--workers 3] [--threads 1] [--seconds 20]

The database must hold the bulk cases first (``bench/make_million.py``). The script
creates API keys (as the first administrator; each key is limited to 10,000 a minute, so
the load is spread over several keys and every request is still counted against its
key's limit), starts gunicorn on a free local port and drives each endpoint with ``wrk``
from 127.0.0.1. Requests posted stay in the database (description "bench: open311");
the keys are revoked afterwards. Reading without a key has its own per-address limit,
raised here because all the load comes from one address."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_resident import free_port, run_wrk, wait_ready  # noqa: E402

DONE_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status, summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

POST_LUA = r"""
local keys = {}
for k in string.gmatch(os.getenv("RC_KEYS"), "[^,]+") do keys[#keys + 1] = k end
local body = os.getenv("RC_BODY")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/open311/v2/requests.json", nil,
                    body .. "&api_key=" .. keys[(n % #keys) + 1])
end
""" + DONE_LUA

GET_LUA = r"""
request = function()
  return wrk.format("GET", "/open311/v2/requests.json")
end
""" + DONE_LUA

SETUP_PY = r"""
import json, sys
from datetime import timedelta
from sqlalchemy import func, select, text
from app import create_app
from app.extensions import db
from app.models import Case, User
from app.services import clock
from app.services.admin import api_keys

app = create_app()
with app.app_context():
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    tokens = [api_keys.create(admin, f"bench {i}", 10000)[1] for i in range(int(sys.argv[1]))]
    db.session.commit()
    n = db.session.execute(text('SELECT count(*) FROM "case"')).scalar()
    recent = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.created_at >= clock.now() - timedelta(days=90)))
    print(json.dumps({"tokens": tokens, "cases": n, "recent": recent}))
"""

REVOKE_PY = r"""
import sys
from sqlalchemy import select
from app import create_app
from app.extensions import db
from app.models import ApiKey, User
from app.services.admin import api_keys

app = create_app()
with app.app_context():
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    for prefix in sys.argv[1:]:
        key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if key is not None and key.revoked_at is None:
            api_keys.revoke(admin, key)
    db.session.commit()
"""

COST_PY = r"""
import json, sys, time
from sqlalchemy import event
from app import create_app
from app.extensions import db

app = create_app({"RATELIMIT_ENABLED": False})
client = app.test_client()
queries = [0]
token = sys.argv[1]
with app.app_context():
    event.listen(db.engine, "before_cursor_execute",
                 lambda *a, **k: queries.__setitem__(0, queries[0] + 1))
body = json.loads(sys.argv[2])


def cost(fn, n):
    fn()
    queries[0] = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        response = fn()
        assert response.status_code == 200, response.data[:300]
    return {"cpu_ms": (time.process_time() - cpu) / n * 1000,
            "wall_ms": (time.perf_counter() - wall) / n * 1000, "queries": queries[0] / n}


out = {"post": cost(lambda: client.post("/open311/v2/requests.json",
                                        data=dict(body, api_key=token)), 100),
       "get": cost(lambda: client.get("/open311/v2/requests.json"), 10)}
records = len(client.get("/open311/v2/requests.json").get_json())
out["records"] = records
print("COST " + json.dumps(out))
"""


def python(code: str, env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--get-connections", type=int, default=4)
    ap.add_argument("--keys", type=int, default=4)
    ap.add_argument("--only", choices=["post", "get"], default=None)
    args = ap.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to the PostgreSQL database filled by bench/make_million.py")
    if not shutil.which("wrk"):
        sys.exit("needs wrk: apt-get install -y wrk")
    instance = Path(tempfile.mkdtemp(prefix="rc-bench-311-"))
    redis = os.environ.get("REDIS_URL")
    env = {**os.environ, "ROADCHIEF_INSTANCE": str(instance), "SECRET_KEY": os.urandom(24).hex(),
           "OPEN311_PUBLIC_LIMIT": "100000000 per minute", "RQ_QUEUE": "roadchief-bench",
           "SMS_OUTBOX_LOG": str(instance / "sms.log"), "UPLOAD_DIR": str(instance / "up")}
    facts = json.loads(python(SETUP_PY, env, str(args.keys)).strip().splitlines()[-1])
    tokens = facts["tokens"]
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
    fields = {"service_code": "LD03", "lat": "30.5928", "long": "114.3055",
              "description": "bench: open311 人行道上停了一辆白色小车",
              "attribute[urgency]": "normal"}
    body = "&".join(f"{k}={v}" for k, v in {
        "service_code": "LD03", "lat": "30.5928", "long": "114.3055",
        "description": "bench%3A+open311+%E4%BA%BA%E8%A1%8C%E9%81%93",
        "attribute%5Burgency%5D": "normal"}.items())
    try:
        wait_ready(base)
        print(f"machine: {platform.node()} · {os.cpu_count()} cores · "
              f"{platform.python_implementation()} {platform.python_version()}")
        print(f"data: {facts['cases']:,} cases in PostgreSQL, {facts['recent']:,} in the last "
              f"90 days · rate limits counted in {'Redis' if redis else 'memory'}")
        print("load average before: {:.1f} {:.1f} {:.1f} (other processes on this machine "
              "share its cores)".format(*os.getloadavg()))
        print(f"server: gunicorn, {args.workers} worker(s) x {args.threads} thread(s) · "
              f"load: wrk, {args.seconds}s each, 127.0.0.1")
        run_wrk(base, GET_LUA, {}, 3, 2)  # warm-up: connections, area index, memo
        if args.only in (None, "post"):
            r = run_wrk(base, POST_LUA, {"RC_KEYS": ",".join(tokens), "RC_BODY": body},
                        args.seconds, args.connections)
            verdict = "MET" if r["per_second"] >= 300 and r["p95_ms"] < 100 else "NOT MET"
            print(f"POST requests.json ({args.connections} connections): "
                  f"{r['per_second']:.0f}/s, p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} "
                  f"ms, p99 {r['p99_ms']:.1f} ms, {r['requests']} requests, "
                  f"{r['bad_status']} non-2xx, {r['socket_errors']} socket errors -> target "
                  f">= 300/s with p95 < 100 ms: {verdict}")
        if args.only in (None, "get"):
            r = run_wrk(base, GET_LUA, {}, args.seconds, args.get_connections)
            verdict = "MET" if r["p95_ms"] < 250 else "NOT MET"
            print(f"GET requests.json, default window and limit ({args.get_connections} "
                  f"connections): {r['per_second']:.1f}/s, p50 {r['p50_ms']:.1f} ms, p95 "
                  f"{r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {r['requests']} requests, "
                  f"{r['bad_status']} non-2xx -> target p95 < 250 ms: {verdict}")
        print("load average after: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        out = python(COST_PY, {**env, "OPEN311_PUBLIC_LIMIT": "100000000 per minute"},
                     tokens[0], json.dumps(fields))
        cost = json.loads(next(x for x in out.splitlines() if x.startswith("COST "))[5:])
        for name, label in (("post", "POST requests.json"),
                            ("get", f"GET requests.json ({cost['records']} records)")):
            c = cost[name]
            print(f"cost per request, {label}: {c['cpu_ms']:.1f} ms of Python CPU, "
                  f"{c['queries']:.1f} SQL statements, {c['wall_ms']:.1f} ms wall (one at "
                  f"a time, in process)")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        python(REVOKE_PY, env, *[t.split("_")[1] for t in tokens])
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()

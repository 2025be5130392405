"""Throughput of the Open311 list beside a Django peer: both apps under gunicorn with the
same number of sync workers, on the same PostgreSQL database, loaded by ``wrk``.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/bench_open311_peer.py [--workers 2] [--seconds 15] [--rounds 2]

The database must hold the bulk cases first (``bench/make_million.py N``); the peer is
``bench/peer_django`` (``pip install -e .[bench]``; its README says what its answer leaves
out beside roadchief's). Both servers run at once but only one is loaded at a time, the
two taking turns per scenario and round; the figures are each app's best round (the
machine is shared: a slower round is a neighbour's work, not ours).

roadchief runs as deployed (``wsgi:app``, gunicorn.conf.py, its JSON request log to a
file, the rate limiter counting every answer in Redis when REDIS_URL is set) with only
the public Open311 limit raised so that it never refuses during the run
(``OPEN311_PUBLIC_LIMIT=1000000000 per minute``); any answer other than 200 is counted
and printed. CPU per request is the gunicorn workers' user+system CPU (psutil) over the
run divided by the requests wrk completed; ``pg ms`` is the same for the PostgreSQL
backends serving this database (their own CPU, not in the app's). ``kB`` is one
answer's body."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON_BIN = Path(sys.executable).parent

SCENARIOS = [
    ("page_size=100", "/open311/v2/requests.json?page_size=100"),
    ("default list (up to 1000)", "/open311/v2/requests.json"),
    ("one record", "/open311/v2/requests/{code}.json"),
]


def start(name: str, port: int, workers: int, env: dict, args: list[str], cwd: Path,
          log: Path) -> subprocess.Popen:
    cmd = [str(PYTHON_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--worker-class", "sync", *args]
    if int(version("gunicorn").split(".")[0]) >= 27:  # no shared ~/.gunicorn control socket
        cmd.append("--no-control-socket")
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/nothing-here", timeout=2)
        except urllib.error.HTTPError:
            return proc
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"{name} did not start: see {log}")
            time.sleep(0.2)
        else:
            return proc
    sys.exit(f"{name} did not answer on :{port}: see {log}")


def workers_of(proc: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(proc.pid).children()


def cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def pg_backends(database: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        line = " ".join(p.info["cmdline"] or [])
        if line.startswith("postgres: ") and f" {database} " in line:
            found.append(p)
    return found


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", url],
                         capture_output=True, text=True, check=True).stdout
    done = int(re.search(r"(\d+) requests in", out).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"requests": done, "rate": rate, "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", choices=("ours", "peer"), default=None)
    args = ap.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database filled by make_million.py")
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    database = plain.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(plain) as conn:
        total = conn.execute('SELECT count(*) FROM "case"').fetchone()[0]
        code = conn.execute('SELECT code FROM "case" ORDER BY id DESC LIMIT 1').fetchone()[0]
    logs = Path(tempfile.mkdtemp(prefix="bench-open311-peer-"))
    base_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    apps = {}
    if args.only in (None, "ours"):
        ours_env = {**base_env, "OPEN311_PUBLIC_LIMIT": "1000000000 per minute",
                    "GUNICORN_WORKERS": str(args.workers),
                    "TMPDIR": str(logs)}  # its own Prometheus directory
        apps["roadchief"] = (8101, start("roadchief", 8101, args.workers, ours_env,
                                         ["wsgi:app"], ROOT, logs / "roadchief.log"))
    if args.only in (None, "peer"):
        apps["django"] = (8102, start("django", 8102, args.workers, base_env,
                                      ["peer_django.wsgi:application"], ROOT / "bench",
                                      logs / "django.log"))
    try:
        print(f"{total:,} cases · {args.workers} sync workers each · wrk -t2 "
              f"-c{args.connections} -d{args.seconds}s · best of {args.rounds} rounds · "
              f"{psutil.cpu_count()} cores (shared) · logs in {logs}")
        best: dict[tuple[str, str], dict] = {}
        sizes: dict[tuple[str, str], tuple[int, int]] = {}
        for name, path in SCENARIOS:
            path = path.format(code=code)
            for app, (port, _proc) in apps.items():
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as answer:
                    body = answer.read()
                    assert answer.status == 200, (app, path, answer.status)
                for _ in range(5):  # warm every worker's caches and prepared statements
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").read()


                sizes[name, app] = (len(json.loads(body)), len(body))
        for _round in range(args.rounds):
            for name, path in SCENARIOS:
                path = path.format(code=code)
                for app, (port, proc) in apps.items():
                    workers, pg = workers_of(proc), pg_backends(database)
                    before, pg_before = cpu(workers), cpu(pg)
                    result = wrk(f"http://127.0.0.1:{port}{path}", args.seconds,
                                 args.connections)
                    pg_after = cpu(pg + [p for p in pg_backends(database) if p not in pg])
                    result["cpu_ms"] = (cpu(workers) - before) * 1000 / max(1, result["requests"])
                    result["pg_ms"] = (pg_after - pg_before) * 1000 / max(1, result["requests"])
                    if (name, app) not in best or result["rate"] > best[name, app]["rate"]:
                        best[name, app] = result
        print(f"{'answer':27} {'app':10} {'records':>7} {'kB':>7} {'req/s':>8} "
              f"{'app CPU ms':>10} {'ms/record':>9} {'pg ms':>6} {'non-200':>7}")
        for name, _path in SCENARIOS:
            for app in apps:
                r, (records, size) = best[name, app], sizes[name, app]
                print(f"{name:27} {app:10} {records:7} {size / 1024:7.1f} {r['rate']:8.1f} "
                      f"{r['cpu_ms']:10.2f} {r['cpu_ms'] / max(1, records):9.4f} "
                      f"{r['pg_ms']:6.2f} {r['non2xx']:7}"
                      + (f"  socket errors: {r['socket_errors']}" if r["socket_errors"]
                         else ""))
            if len(apps) == 2:
                ours, peer = best[name, "roadchief"], best[name, "django"]
                print(f"{'':27} roadchief/django: {ours['rate'] / peer['rate']:.2f}x "
                      f"throughput, {ours['cpu_ms'] / peer['cpu_ms']:.2f}x app CPU per "
                      f"request")
    finally:
        for _app, (_port, proc) in apps.items():
            os.killpg(proc.pid, signal.SIGTERM)
        for _app, (_port, proc) in apps.items():
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()

"""The production processes, as the README runs them, against PostgreSQL and Redis:
gunicorn serving the app, the RQ scheduler (`rq cron app/cron.py`) putting the sweep on
the queue, and `rq worker` running it, until an overdue case is escalated by itself."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Case
from app.services import cases, clock
from app.services.actors import Actor
from tests.conftest import IS_POSTGRES, need
from tests.integration.test_delivery_redis import REDIS_URL, _redis_up

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_scheduler_and_worker_escalate_an_overdue_case(city):
    need("PostgreSQL", IS_POSTGRES)
    need("Redis", _redis_up())
    with clock.travel(datetime.now(UTC) - timedelta(days=10)):
        case = cases.submit(Actor.resident(), category_code="LD03", description="违停",
                            lat=city.POINT[1], lng=city.POINT[0])
        cases.dispatch(case, city.actor(city.dispatcher))
    case_id = case.id
    db.session.commit()
    queue = f"roadchief-proc-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = dict(os.environ, REDIS_URL=REDIS_URL, RQ_QUEUE=queue, SWEEP_INTERVAL_SECONDS="1",
               PYTHONPATH=ROOT)
    procs = [
        subprocess.Popen([f"{BIN}/gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                         env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
        subprocess.Popen([f"{BIN}/rq", "cron", "app/cron.py", "--url", REDIS_URL],
                         env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
        subprocess.Popen([f"{BIN}/rq", "worker", "--url", REDIS_URL, "--worker-class",
                          "rq.worker.SimpleWorker", queue],
                         env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
    ]
    try:
        level = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and level < 3:
            time.sleep(0.5)
            level = db.session.scalar(select(Case.escalation_level).where(Case.id == case_id))
            db.session.rollback()
        assert level == 3, "the scheduled sweep should have escalated the case to the city"
        health = None
        for _ in range(40):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    health = __import__("json").loads(r.read())
                break
            except OSError:
                time.sleep(0.25)
        assert health is not None and health["status"] == "ok"
        assert health["redis"]["status"] == "ok"
        assert health["last_sweep"]["finished_at"] is not None
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()

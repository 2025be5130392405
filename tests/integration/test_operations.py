"""Operations with real processes and a real Redis: the scheduler's job on an RQ worker,
a worker killed in the middle of a sweep, Redis down while cases are dispatched, a job
that fails every retry, and what /ops and /healthz show of it all."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseEvent, CaseStep, OutboxMessage
from app.services import cases, clock, staff_sessions, sweep
from app.services.actors import Actor
from tests.conftest import IS_POSTGRES, need
from tests.integration.test_delivery_redis import REDIS_URL, _redis_up

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def login(client, user):
    with client.session_transaction() as s:
        s["_user_id"] = staff_sessions.start(user)
        s["_fresh"] = True


def due_cases(city, t0, n):
    ids = []
    with clock.travel(t0):
        for _ in range(n):
            case = cases.submit(Actor.resident(), category_code="LD03", description="违停",
                                lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")
            cases.dispatch(case, city.actor(city.dispatcher))
            ids.append(case.id)
    return ids


@pytest.fixture()
def redis_app(ctx):
    need("Redis", _redis_up())
    name = f"roadchief-ops-{uuid.uuid4().hex[:8]}"
    ctx.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=name)
    from app import jobs

    queue = jobs.queue()
    yield queue
    queue.delete(delete_jobs=True)
    from rq.registry import FailedJobRegistry

    for job_id in FailedJobRegistry(queue=queue).get_job_ids():
        FailedJobRegistry(queue=queue).remove(job_id, delete_job=True)
    ctx.config.update(REDIS_URL=None, RQ_QUEUE="roadchief")


def worker_env(queue_name, frozen_at=None):
    env = dict(os.environ, REDIS_URL=REDIS_URL, RQ_QUEUE=queue_name,
               SCHEDULER_IN_PROCESS="off", PYTHONPATH=ROOT)
    if frozen_at is not None:
        env["ROADCHIEF_FROZEN_NOW"] = frozen_at.isoformat()
    return env


def test_the_scheduled_sweep_runs_on_a_real_worker_process(city, t0, redis_app):
    need("PostgreSQL", IS_POSTGRES)  # a worker process needs a database it can share
    ids = due_cases(city, t0, 3)
    redis_app.empty()  # the dispatch messages' delivery jobs are another test's business
    at = t0 + timedelta(days=5)
    redis_app.enqueue("app.jobs.sweep")
    done = subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", REDIS_URL,
         "--worker-class", "rq.worker.SimpleWorker", redis_app.name],
        env=worker_env(redis_app.name, at), cwd=ROOT, capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    db.session.expire_all()
    levels = db.session.scalars(select(Case.escalation_level).where(Case.id.in_(ids))).all()
    assert levels == [3, 3, 3]


def test_a_worker_killed_mid_sweep_leaves_nothing_done_twice(city, t0, redis_app):
    need("PostgreSQL", IS_POSTGRES)
    ids = due_cases(city, t0, 120)
    redis_app.empty()
    at = t0 + timedelta(days=5)
    redis_app.enqueue("app.jobs.sweep", job_timeout=300)
    worker = subprocess.Popen(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", REDIS_URL,
         "--worker-class", "rq.worker.SimpleWorker", redis_app.name],
        env=worker_env(redis_app.name, at), cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        n = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.action == "escalate"))
        db.session.rollback()
        if n >= 20:
            break
        time.sleep(0.05)
    os.killpg(worker.pid, signal.SIGKILL)  # dies in the middle of the job
    worker.wait(10)
    partial = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.action == "escalate"))
    db.session.rollback()
    assert 0 < partial < 360, "the kill should land in the middle of the sweep"
    # The next runs do what is left (a row the dead worker still held is skipped, not
    # waited for, until the database has rolled its transaction back).
    for _ in range(5):
        with clock.travel(at):
            sweep.sweep()
        done = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.action == "escalate"))
        db.session.rollback()
        if done == 360:
            break
        time.sleep(0.5)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.action == "escalate")) == 360
    levels = set(db.session.scalars(select(Case.escalation_level).where(Case.id.in_(ids))))
    assert levels == {3}
    dupes = db.session.execute(select(OutboxMessage.dedupe_key).group_by(
        OutboxMessage.dedupe_key).having(func.count() > 1)).all()
    assert dupes == []
    assert db.session.scalar(select(func.count()).select_from(CaseStep)) == db.session.scalar(
        select(func.count(func.distinct(CaseStep.case_id.concat(CaseStep.key)))))


def test_redis_down_while_dispatching_keeps_the_messages_until_it_is_back(city, t0, redis_app):
    from rq import SimpleWorker

    from app import jobs

    city_app = redis_app  # noqa: F841 - the queue fixture set REDIS_URL for this app
    from flask import current_app

    current_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # down
    ids = due_cases(city, t0, 2)
    assert db.session.get(Case, ids[0]).state == "dispatched"  # the dispatch succeeded
    pending = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == "pending"))
    assert pending > 0
    current_app.config["REDIS_URL"] = REDIS_URL  # back
    with clock.travel(t0 + timedelta(minutes=1)):
        sweep.sweep()  # the sweep hands the backlog to the queue
    assert redis_app.count >= 1
    original = jobs._context
    jobs._context = lambda: current_app.app_context()
    try:
        SimpleWorker([redis_app], connection=redis_app.connection).work(burst=True)
    finally:
        jobs._context = original
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == "pending")) == 0


def test_a_job_that_fails_every_retry_lands_in_the_failed_registry_and_on_ops(
        city, t0, redis_app, client):
    from rq import Retry, SimpleWorker
    from rq.registry import FailedJobRegistry

    redis_app.enqueue("json.loads", "not json", retry=Retry(max=2))
    for _ in range(3):  # the first try and both retries
        SimpleWorker([redis_app], connection=redis_app.connection).work(burst=True)
    registry = FailedJobRegistry(queue=redis_app)
    assert registry.count == 1
    login(client, city.city_supervisor)
    page = client.get("/ops?lang=en").get_data(as_text=True)
    assert "json.loads" in page and "JSONDecodeError" in page
    health = client.get("/healthz").get_json()
    assert health["redis"]["failed_count"] == 1 and health["redis"]["status"] == "ok"


def test_ops_is_for_supervisors_and_administrators_only(city, client):
    assert client.get("/ops").status_code in (302, 401)
    login(client, city.chief)
    assert client.get("/ops").status_code == 403
    login(client, city.admin)
    page = client.get("/ops?lang=en")
    assert page.status_code == 200 and "Messages waiting to be sent" in page.get_data(
        as_text=True)


def test_healthz_is_unhealthy_when_the_sweep_stopped(city, t0, client):
    with clock.travel(t0):
        sweep.sweep()
    with clock.travel(t0 + timedelta(minutes=30)):
        response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "unhealthy"

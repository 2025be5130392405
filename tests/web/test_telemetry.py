"""What an operator reads: JSON log lines that carry the request id (and one line per case
action), and Prometheus metrics at /metrics that the public cannot read."""

from __future__ import annotations

import io
import json
import logging
import uuid
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import OutboxMessage
from app.services import clock
from tests.conftest import REDIS_URL, need
from tests.work_helpers import client_for, dispatched, report

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture()
def log_lines():
    """Whatever the app logs in the test, as the JSON objects it writes on stderr."""
    from app.telemetry import logs

    buffer = io.StringIO()
    handler = logs.handler(buffer)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()
                   if line.startswith("{")]
    root.removeHandler(handler)
    root.setLevel(level)


def test_every_answer_carries_a_request_id_and_keeps_the_one_nginx_gave(client, ctx):
    made = client.get("/healthz")
    assert len(made.headers["X-Request-ID"]) == 32
    given = uuid.uuid4().hex
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers[
        "X-Request-ID"] == given
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert len(forged.headers["X-Request-ID"]) == 32


def test_log_lines_are_json_with_the_request_id_and_one_line_per_case_action(
        city, app, t0, log_lines):
    case = report(city, t0)
    dispatcher = client_for(app, city.dispatcher)
    rid = uuid.uuid4().hex
    response = dispatcher.post(f"/work/cases/{case.id}/dispatch", headers={"X-Request-ID": rid},
                               data={"csrf_token": dispatcher.csrf, "version": case.version})
    assert response.status_code in (302, 303)
    lines = [line for line in log_lines() if line.get("request_id") == rid]
    (action,) = [line for line in lines if line["event"] == "case_action"]
    assert action["case"] == case.code and action["action"] == "dispatch"
    assert (action["from_state"], action["to_state"]) == ("submitted", "dispatched")
    assert action["actor_user_id"] == city.dispatcher.id and action["ms"] >= 0
    (request_line,) = [line for line in lines if line["event"] == "request"]
    assert request_line["route"] == "/work/cases/<int:case_id>/<action_name>"
    assert request_line["level"] == "info" and "timestamp" in request_line


def test_the_metrics_are_not_for_the_public(client, ctx, app):
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    app.config["METRICS_TOKEN"] = "s3cret-scrape-token"
    try:
        assert client.get("/metrics").status_code == 404  # a token set: even from here
        wrong = {"Authorization": "Bearer nope"}
        assert client.get("/metrics", headers=wrong, environ_base=OUTSIDE).status_code == 404
        right = {"Authorization": "Bearer s3cret-scrape-token"}
        assert client.get("/metrics", headers=right, environ_base=OUTSIDE).status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = None


def _sample(text: str, name: str, **labels) -> float | None:
    for line in text.splitlines():
        if line.startswith((name + "{", name + " ")) and all(
                f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_the_metrics_count_requests_by_route_and_status_and_read_the_systems_state(
        city, client, t0):
    late = dispatched(city, clock.now() - timedelta(days=30))
    db.session.add(OutboxMessage(dedupe_key="metrics-test", channel="sms",
                                 to_phone="+8613900001111", language="zh_Hans_CN",
                                 body="测试", created_at=clock.now()))
    db.session.commit()  # a message waiting to be sent
    for _ in range(3):
        client.get("/track")
    client.get("/no-such-page")
    text = client.get("/metrics").get_data(as_text=True)
    assert _sample(text, "flask_http_request_duration_seconds_count", url_rule="/track",
                   status="200") >= 3
    assert _sample(text, "flask_http_request_duration_seconds_bucket", url_rule="/track",
                   le="0.5") is not None
    assert _sample(text, "roadchief_overdue_open_cases") >= 1
    assert late.due_at < clock.now()
    assert _sample(text, "roadchief_outbox_backlog", channel="sms") >= 1
    assert _sample(text, "roadchief_sweep_lag_seconds") == -1  # never swept in this test


@pytest.mark.redis
def test_the_metrics_show_the_queue_depth_and_failed_jobs(ctx, client):
    need("Redis", bool(REDIS_URL))
    from rq import Queue

    from app import jobs

    name = f"roadchief-metrics-{uuid.uuid4().hex[:8]}"
    ctx.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=name)
    try:
        queue = Queue(name, connection=jobs.redis_connection())
        queue.enqueue("app.jobs.sweep")
        queue.enqueue("app.jobs.sweep")
        text = client.get("/metrics").get_data(as_text=True)
        assert _sample(text, "roadchief_rq_queue_depth") == 2
        assert _sample(text, "roadchief_rq_failed_jobs") == 0
        queue.delete(delete_jobs=True)
    finally:
        ctx.config.update(REDIS_URL=None, RQ_QUEUE="roadchief")


def test_a_residents_report_writes_its_action_line_whichever_way_it_is_stored(
        city, client, log_lines):
    """(On PostgreSQL a report without photos is written by one statement of its own.)"""
    from tests.resident_helpers import post_report, report_data

    rid = uuid.uuid4().hex
    client.environ_base["HTTP_X_REQUEST_ID"] = rid
    try:
        response = post_report(client, report_data(city, phone="13900002222"))
    finally:
        client.environ_base.pop("HTTP_X_REQUEST_ID")
    assert response.status_code == 303
    code = response.headers["Location"].rsplit("/", 1)[1]
    (line,) = [x for x in log_lines() if x["event"] == "case_action"
               and x.get("request_id") == rid]
    assert line["case"] == code and line["action"] == "submit"
    assert line["to_state"] == "submitted" and line["actor_role"] == "resident"


def test_secret_tokens_in_urls_never_reach_the_log(client, ctx, log_lines):
    # The Tencent callback's token and a rating link's token authenticate their requests:
    # anyone reading the logs could otherwise forge a callback or rate as the resident.
    secret = "s3cretTok3n" + uuid.uuid4().hex
    for path in (f"/sms/tencent/{secret}/status", f"/sms/tencent/{secret}/inbound",
                 f"/rate/{secret}"):
        client.get(path)
        client.post(path, json={})
    lines = log_lines()
    assert lines and secret not in json.dumps(lines)
    paths = {line["path"] for line in lines if line["event"] == "request"}
    assert {"/sms/tencent/[masked]/status", "/rate/[masked]"} <= paths

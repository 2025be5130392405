"""Prometheus metrics at ``/metrics`` (prometheus-flask-exporter): requests by route and
status with latency histograms, and, read from the shared state at each scrape, what an
operator alerts on: RQ queue depth and failed jobs, the outbox backlog by channel, how long
ago the sweep last finished, and open cases past their deadline.

Under gunicorn every worker counts its own requests; with ``PROMETHEUS_MULTIPROC_DIR`` set
(gunicorn.conf.py does) they write to files there and any worker's ``/metrics`` adds them up.

Not public: a scrape needs ``Authorization: Bearer $METRICS_TOKEN``, or, with no token set,
must come from this host (nginx's configuration also refuses /metrics from outside)."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from functools import wraps

from flask import Flask, abort, current_app, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_flask_exporter import PrometheusMetrics

log = logging.getLogger(__name__)


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def protected(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if not allowed():
            abort(404)  # nothing to see here for the public, not even that it exists
        return view(*args, **kwargs)
    return guarded


class _Own:
    """This process's registry as one collector of the scrape."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self):
        yield from self.registry.collect()


class AppState:
    """Gauges read from the database and Redis at scrape time (shared by every host, so
    any host's answer is the whole system's)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        with self.app.app_context():
            try:
                yield from self._database()
            except Exception:  # a scrape must answer even with the database down
                log.warning("metrics: database figures unavailable", exc_info=True)
            finally:
                from app.extensions import db

                db.session.remove()
            if self.app.config.get("REDIS_URL"):
                try:
                    yield from self._queues()
                except Exception:
                    log.warning("metrics: queue figures unavailable", exc_info=True)

    def _database(self):
        from sqlalchemy import func, select

        from app.extensions import db
        from app.models import Case, JobHeartbeat, OutboxMessage
        from app.services import clock

        backlog = GaugeMetricFamily("roadchief_outbox_backlog",
                                    "Messages waiting to be sent, by channel", labels=["channel"])
        for channel, n in db.session.execute(
                select(OutboxMessage.channel, func.count())
                .where(OutboxMessage.status.in_(("pending", "sending")))
                .group_by(OutboxMessage.channel)):
            backlog.add_metric([channel or ""], n)
        yield backlog

        now = clock.now()
        beat = db.session.get(JobHeartbeat, "sweep")
        lag = GaugeMetricFamily("roadchief_sweep_lag_seconds",
                                "Seconds since the last sweep finished (-1: never)")
        finished = beat.finished_at if beat else None
        if finished is not None and finished.tzinfo is None:
            from datetime import UTC

            finished = finished.replace(tzinfo=UTC)
        lag.add_metric([], (now - finished).total_seconds() if finished else -1)
        yield lag

        from app.services.queues import RUNNING_STATES, work_due

        overdue = db.session.scalar(
            select(func.count()).select_from(Case)
            .where(Case.state.in_([s.value for s in RUNNING_STATES]), work_due() < now))
        yield GaugeMetricFamily("roadchief_overdue_open_cases",
                                "Open cases past their deadline", value=overdue or 0)

    def _queues(self):
        from rq import Queue

        from app.rq_queue import redis_connection

        queue = Queue(self.app.config["RQ_QUEUE"], connection=redis_connection())
        yield GaugeMetricFamily("roadchief_rq_queue_depth", "Jobs waiting in the RQ queue",
                                value=queue.count)
        yield GaugeMetricFamily("roadchief_rq_failed_jobs", "Jobs in RQ's failed registry",
                                value=queue.failed_job_registry.count)


class Metrics(PrometheusMetrics):
    """The exporter with the application's own gauges added to every scrape."""

    def __init__(self, app: Flask, **kwargs):
        self.app_state = AppState(app)
        super().__init__(app, **kwargs)

    def generate_metrics(self, accept_header=None, names=None):
        registry = CollectorRegistry(auto_describe=False)
        if _multiprocess():
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(registry)
        else:
            registry.register(_Own(self.registry))
        registry.register(self.app_state)
        if names:
            registry = registry.restricted_registry(names)
        return generate_latest(registry).decode(), "text/plain; version=0.0.4; charset=utf-8"


def init_app(app: Flask) -> None:
    # A registry per app: tests and tools create several apps in one process.
    metrics = Metrics(app, registry=CollectorRegistry(auto_describe=False), path="/metrics",
                      group_by="url_rule", metrics_decorator=protected,
                      excluded_paths=["^/static/", "^/metrics$"])
    app.extensions["roadchief.metrics"] = metrics

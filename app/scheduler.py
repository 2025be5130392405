"""The embedded scheduler: without Redis, a daemon thread of the serving process runs the
sweep every SWEEP_INTERVAL_SECONDS, so reminders and escalation work with no extra
command. It starts with the first request (so CLI commands such as ``db upgrade`` never
start it) and is idempotent per process. With REDIS_URL the ``rq cron`` process does
this job instead."""

from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)
_started: set[int] = set()
_lock = threading.Lock()


def wanted(app: Flask) -> bool:
    setting = str(app.config.get("SCHEDULER_IN_PROCESS", "auto")).lower()
    if setting in ("1", "true", "on", "yes"):
        return True
    if setting in ("0", "false", "off", "no"):
        return False
    return not app.config.get("REDIS_URL") and not app.config.get("TESTING")


def start(app: Flask) -> threading.Thread | None:
    with _lock:
        if id(app) in _started or not wanted(app):
            return None
        _started.add(id(app))
    stop = threading.Event()
    app.extensions["roadchief.scheduler_stop"] = stop

    def loop() -> None:
        interval = app.config["SWEEP_INTERVAL_SECONDS"]
        while not stop.wait(interval):
            try:
                with app.app_context():
                    from app.services import sweep

                    sweep.sweep()
            except Exception:  # keep the clock running; the failure is in the log
                log.exception("in-process sweep failed")

    thread = threading.Thread(target=loop, name="roadchief-sweep", daemon=True)
    thread.start()
    log.info("in-process scheduler started (every %ss)", app.config["SWEEP_INTERVAL_SECONDS"])
    return thread


def register(app: Flask) -> None:
    @app.before_request
    def _start_scheduler() -> None:
        if id(app) not in _started:
            start(app)

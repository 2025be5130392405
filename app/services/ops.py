"""Operational facts for the operations page and /healthz: the database, Redis, the queue
depth, RQ's failed-job registry, the last sweep and the outbox backlog."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import JobHeartbeat, OutboxMessage
from app.services import clock

#: /healthz reports unhealthy when no sweep finished within this (SWEEP_HEALTH_WINDOW_SECONDS).
SWEEP_STALE_AFTER = timedelta(minutes=5)


def facts(failed_limit: int = 20) -> dict[str, Any]:
    out: dict[str, Any] = {"database": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # the page must still answer
        db.session.rollback()
        out["database"] = f"down: {exc.__class__.__name__}"
        return out
    now = clock.now()
    beat = db.session.get(JobHeartbeat, "sweep")
    out["last_sweep"] = {
        "started_at": beat.started_at.isoformat() if beat and beat.started_at else None,
        "finished_at": beat.finished_at.isoformat() if beat and beat.finished_at else None,
        "age_seconds": int((now - beat.finished_at).total_seconds())
        if beat and beat.finished_at else None,
        "result": beat.result if beat else {},
    }
    by_status = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status == "pending"))
    out["outbox"] = {
        "pending": by_status.get("pending", 0),
        "failed": by_status.get("failed", 0),
        "sent": by_status.get("sent", 0),
        "oldest_pending_seconds": int((now - oldest).total_seconds()) if oldest else None,
    }
    out["redis"] = _redis(failed_limit)
    return out


def _redis(failed_limit: int) -> dict[str, Any]:
    if not current_app.config.get("REDIS_URL"):
        return {"status": "not configured (jobs run in-process)"}
    try:
        from rq.registry import FailedJobRegistry

        from app import rq_queue

        queue = rq_queue.queue()
        queue.connection.ping()
        registry = FailedJobRegistry(queue=queue)
        failed = []
        for job_id in registry.get_job_ids(0, failed_limit - 1):
            job = queue.fetch_job(job_id)
            if job is None:
                continue
            lines = (job.exc_info or "").strip().splitlines()
            failed.append({"id": job_id, "func": job.func_name,
                           "ended_at": job.ended_at.isoformat() if job.ended_at else None,
                           "error": lines[-1] if lines else ""})
        return {"status": "ok", "queue": queue.name, "depth": len(queue),
                "failed_count": registry.count, "failed": failed}
    except Exception as exc:
        return {"status": f"down: {exc.__class__.__name__}"}


def healthy(f: dict[str, Any]) -> bool:
    if f["database"] != "ok":
        return False
    if str(f["redis"].get("status", "")).startswith("down"):
        return False
    # No sweep at all, or none finished within the window: reminders, escalations and
    # the outbox's backstop have stopped, whatever else answers.
    age = f["last_sweep"]["age_seconds"]
    window = current_app.config.get("SWEEP_HEALTH_WINDOW_SECONDS",
                                    SWEEP_STALE_AFTER.total_seconds())
    return age is not None and age <= window

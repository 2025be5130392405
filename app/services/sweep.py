"""The sweep: every minute, take the reminder and escalation steps whose time has come.

Only cases whose ``next_check_at`` has passed are read (an index makes a sweep over a
million open cases with nothing due cost one index probe). Each batch locks its rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two sweeps at once share the work instead
of doubling it, and every step is recorded under a unique key, so a step is taken once:
by database constraints and row locks, not by luck. On top of that one pass runs at a
time (app.services.one_at_a_time), so many schedulers cost no duplicated reading.

Reminders write outbox rows; escalations go through the one door
(``cases.escalate``), which writes the event, the step and the messages together."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import selectinload

from app import rq_queue
from app.database import upsert
from app.extensions import db
from app.models import Case, CaseStep, JobHeartbeat, OutboxMessage
from app.services import cases, clock, delivery, mms, one_at_a_time, sms, timers, webhooks
from app.services.calendar import working_calendar
from app.services.errors import Conflict, InvalidInput, NotAllowed
from workflows.escalation import due_steps, next_check

log = logging.getLogger(__name__)
BATCH = 1000


def sweep(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """One pass, unless another process's pass is running (however many web workers, hosts
    and schedulers start one, one runs at a time). Returns what it did: cases looked at,
    reminders and escalations taken; ``skipped`` when another pass was running."""
    with one_at_a_time.held("sweep") as mine:
        if not mine:
            log.info("sweep skipped: another process is sweeping")
            return {"cases": 0, "reminders": 0, "escalations": 0, "messages": 0,
                    "skipped": 1}
        return _pass(now, batch)


def _pass(now: datetime | None, batch: int) -> dict[str, int]:
    now = now or clock.now()
    beat(started=clock.now())
    done = {"cases": 0, "reminders": 0, "escalations": 0, "messages": 0}
    seen: set[int] = set()
    while True:
        query = (
            select(Case)
            .where(Case.next_check_at.is_not(None), Case.next_check_at <= now)
            .order_by(Case.next_check_at, Case.id)
            .limit(batch)
            .options(selectinload(Case.category), selectinload(Case.assignee_user),
                     selectinload(Case.assignee_agency))
        )
        if seen:
            query = query.where(Case.id.not_in(seen))
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Case)
        rows = db.session.scalars(query).all()
        if not rows:
            db.session.rollback()
            break
        seen.update(c.id for c in rows)  # before commit expires them
        escalations = _batch(rows, now, done)
        db.session.commit()
        for case_id, step in escalations:
            try:
                cases.escalate(case_id, level=step.level, reason="overdue", step_key=step.key)
                done["escalations"] += 1
            except (Conflict, NotAllowed, InvalidInput):
                # Taken meanwhile (another sweep, or the assignee acted): nothing to do.
                db.session.rollback()
    # The SMS channel's own minute: conversations whose time ran out, MMS photos to fetch.
    done["conversations_closed"] = sms.expire_conversations()
    if current_app.config.get("REDIS_URL"):
        try:
            rq_queue.enqueue("app.jobs.fetch_sms_media")
        except Exception:  # Redis down: the photos wait for the next minute
            log.warning("could not queue the MMS fetch", exc_info=True)
    else:
        mms.fetch()
    # Rows a dead worker left in 'sending' are failed (visible to staff), never resent.
    delivery.release_abandoned()
    while pending := delivery.pending_ids(after=done.get("_last_id", 0)):
        delivery.schedule(pending)
        done["messages"] += len(pending)
        done["_last_id"] = pending[-1]
    done.pop("_last_id", None)
    webhooks.kick()  # subscribers' deliveries: sent, or retried after their backoff
    beat(finished=clock.now(), result=done)
    return done


def _batch(rows: list[Case], now: datetime, done: dict[str, int]):
    cal = working_calendar()
    local_now = clock.to_local(now)
    taken = {(s.case_id, s.key) for s in db.session.scalars(
        select(CaseStep).where(CaseStep.case_id.in_([c.id for c in rows])))}
    escalations = []
    audiences: dict = {}
    next_checks: list[dict] = []
    step_rows: list[dict] = []
    message_rows: list[dict] = []
    for case in rows:
        done["cases"] += 1
        clocks = timers.clocks_of(case)
        policy = timers.policy_for(case)
        for step in due_steps(clocks, local_now, cal, policy):
            if (case.id, step.key) in taken:
                continue
            if step.kind == "escalate":
                escalations.append((case.id, step))
                continue
            step_rows.append({"case_id": case.id, "key": step.key, "kind": "remind", "at": now})
            done["reminders"] += 1
            timers.write_messages(case, step, audience_cache=audiences, sink=message_rows)
        if any(cid == case.id for cid, _ in escalations):
            # Left due until the door has taken the escalation (it then sets the next
            # check itself): a sweep that dies half-way leaves the rest for the next one.
            continue
        moment = next_check(clocks, local_now, cal, policy)
        next_checks.append({"cid": case.id,
                            "next": clock.from_local(moment) if moment else None})
    if step_rows:  # plain bulk INSERTs: one round trip each, not one object each
        db.session.execute(insert(CaseStep), step_rows)
    if message_rows:
        db.session.execute(insert(OutboxMessage), message_rows)
    if next_checks:
        # Bookkeeping for the scheduler only: a plain UPDATE that does not bump the
        # case's version (no user's form should conflict with the sweep).
        table = Case.__table__
        db.session.execute(
            update(table).where(table.c.id == bindparam("cid"))
            .values(next_check_at=bindparam("next")), next_checks)
    return escalations


def beat(started: datetime | None = None, finished: datetime | None = None,
         result: dict | None = None, name: str = "sweep") -> None:
    """Record a run's start or end; one upsert, so two sweeps starting at once (two
    schedulers, a manual run beside the cron) never collide on the first heartbeat."""
    fields = {k: v for k, v in (("started_at", started), ("finished_at", finished),
                                ("result", None if result is None else dict(result)))
              if v is not None}
    stmt = upsert(JobHeartbeat.__table__).values(name=name, **({"result": {}} | fields))
    db.session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=fields)
                       if fields else stmt.on_conflict_do_nothing(index_elements=["name"]))
    db.session.commit()

"""Signed webhooks: each case event, told to the systems an administrator registered.

Written by the one door: :func:`for_event` adds a delivery row per matching subscriber in
the event's own transaction (an outbox), so nothing is told of a change that did not
commit and nothing committed goes untold. :func:`deliver_due` (the sweep, every minute,
or ``flask webhooks deliver``) sends the due rows:

- each as a JSON POST signed with the subscriber's secret: header ``X-Roadchief-Signature:
  sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``, ``X-Roadchief-Timestamp`` (Unix
  seconds, for the receiver to refuse old replays), ``Idempotency-Key`` (the same on every
  attempt of one delivery: a receiver keeps the keys it has seen and ignores a repeat);
- in order per subscriber and case: a delivery waits while an earlier one for the same
  case and subscriber is not yet sent;
- once: a worker claims a row (pending → sending, in a conditional UPDATE only one can
  win) before it sends; any 2xx answer marks it sent;
- a failure (no answer, a timeout, any other status) is retried with exponential backoff
  (WEBHOOK_RETRY_BASE_SECONDS, at most WEBHOOK_RETRY_MAX_SECONDS apart) until
  WEBHOOK_GIVE_UP_HOURS after it was written; then it is failed, shown on the admin page,
  and can be sent again from there (a failed delivery no longer holds back the later
  ones of its case, so one sent again arrives after them). A subscriber down for an hour
  thus receives everything at its next attempt after it is back, in order.

No personal data is sent: the case's public code, category, state and place, the event's
action, states and time."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import timedelta
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Case, CaseEvent, WebhookDelivery, WebhookSubscriber
from app.services import clock, reference_data
from app.services.notifications import display_code
from workflows.lifecycle import State

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Roadchief-Signature"
TIMESTAMP_HEADER = "X-Roadchief-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
CLOSED = (State.CLOSED.value, State.REJECTED.value, State.MERGED.value)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str,
           tolerance_seconds: int = 300, now: float | None = None) -> bool:
    """What a receiver does (also used by the tests): the signature matches, in constant
    time, and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature or "")


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# -- written by the door ---------------------------------------------------------------------


class Listener(NamedTuple):
    """What the door needs of an active subscriber to write its deliveries."""

    id: int
    event_kinds: tuple[str, ...]
    district_id: int | None


def _subscribers() -> list[Listener]:
    """The active subscribers, kept with the reference data (``reference_data``: a minute,
    or until an administrator's change is committed through ``services.admin.commit``), so
    that a case event costs no query for them."""

    def load():
        return [Listener(s.id, tuple(s.event_kinds or ()), s.district_id)
                for s in db.session.scalars(select(WebhookSubscriber).where(
                    WebhookSubscriber.active.is_(True)).order_by(WebhookSubscriber.id))]

    return reference_data.kept("webhook_subscribers", load)


def any_active() -> bool:
    return db.session.scalar(select(WebhookSubscriber.id).where(
        WebhookSubscriber.active.is_(True)).limit(1)) is not None


def wanted(subscriber: Listener | WebhookSubscriber, case: Case, kind: str) -> bool:
    if subscriber.event_kinds and kind not in subscriber.event_kinds:
        return False
    return subscriber.district_id is None or subscriber.district_id == case.district_id


def body_of(case: Case, event: CaseEvent, key: str) -> dict[str, Any]:
    from app.services import catalogue_cache

    category = catalogue_cache.kept_category(case.category_id)
    return {
        "id": key,
        "kind": f"case.{event.action}",
        "occurred_at": event.at.isoformat(),
        "case": {
            "service_request_id": display_code(case.code),
            "service_code": category.code if category is not None else None,
            "state": case.state,
            "status": "closed" if case.state in CLOSED else "open",
            "version": case.version,
            "district_id": case.district_id, "area_id": case.area_id,
            "due_at": case.due_at.isoformat() if case.due_at else None,
        },
        "event": {"id": event.id, "action": event.action, "from_state": event.from_state,
                  "to_state": event.to_state},
    }


def for_event(case: Case, event: CaseEvent) -> int:
    """Called by the door inside the event's transaction: one delivery per subscriber that
    wants this event. Returns how many were written."""
    subscribers = [s for s in _subscribers() if wanted(s, case, event.action)]
    now = event.at
    give_up = now + timedelta(hours=current_app.config.get("WEBHOOK_GIVE_UP_HOURS", 24))
    for subscriber in subscribers:
        key = f"rc-{subscriber.id}-{event.id}"
        db.session.add(WebhookDelivery(
            subscriber_id=subscriber.id, case_id=case.id, event_id=event.id,
            kind=event.action, idempotency_key=key, body=body_of(case, event, key),
            status="pending", attempts=0, created_at=now, give_up_at=give_up))
    return len(subscribers)


# -- delivering -----------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    cfg = current_app.config
    seconds = cfg.get("WEBHOOK_RETRY_BASE_SECONDS", 15) * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, cfg.get("WEBHOOK_RETRY_MAX_SECONDS", 300)))


def _due(limit: int):
    """Due pending deliveries with no earlier unsent one for the same subscriber and case
    (those wait their turn), oldest first."""
    now = clock.now()
    earlier = aliased(WebhookDelivery)
    return (select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending",
                   or_(WebhookDelivery.next_attempt_at.is_(None),
                       WebhookDelivery.next_attempt_at <= now),
                   ~exists().where(and_(earlier.subscriber_id == WebhookDelivery.subscriber_id,
                                        earlier.case_id == WebhookDelivery.case_id,
                                        earlier.id < WebhookDelivery.id,
                                        earlier.status.in_(("pending", "sending")))))
            .order_by(WebhookDelivery.id).limit(limit))


def _claim(delivery_id: int) -> str | None:
    token = secrets.token_hex(16)
    won = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending")
        # next_attempt_at holds the claim's time while sending (see release_abandoned)
        .values(status="sending", claim_token=token, attempts=WebhookDelivery.attempts + 1,
                next_attempt_at=clock.now())
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return token if won else None


def _finish(delivery_id: int, token: str, **values) -> None:
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.claim_token == token)
        .values(claim_token=None, **values).execution_options(synchronize_session=False))
    db.session.commit()


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """One HTTP POST; the status code (an exception when there is no answer)."""
    import requests

    timeout = current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", 10)
    return requests.post(url, data=body, headers=headers, timeout=timeout,
                         allow_redirects=False).status_code


def send(delivery: WebhookDelivery) -> int:
    body = encode(delivery.body)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "roadchief-webhooks/1",
        SIGNATURE_HEADER: sign(delivery.subscriber.secret, timestamp, body),
        TIMESTAMP_HEADER: str(timestamp),
        IDEMPOTENCY_HEADER: delivery.idempotency_key,
        "X-Roadchief-Event": f"case.{delivery.kind}",
    }
    return post(delivery.subscriber.url, body, headers)


def deliver_due(limit: int = 500) -> dict[str, int]:
    """Send what is due, batch after batch, until nothing is. A subscriber that fails
    once is not tried again in this pass (its deliveries keep their order)."""
    done = {"sent": 0, "retry": 0, "failed": 0}
    down: set[int] = set()
    tried: set[int] = set()
    while True:
        ids = [i for i in db.session.scalars(_due(limit)) if i not in tried]
        db.session.commit()
        if not ids:
            return done
        for delivery_id in ids:
            tried.add(delivery_id)
            delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
            if delivery is None or delivery.subscriber_id in down:
                continue
            token = _claim(delivery_id)
            if token is None:
                continue
            delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
            now = clock.now()
            try:
                status, error = send(delivery), None
            except Exception as exc:  # no answer: refused, timed out, reset
                status, error = None, f"{type(exc).__name__}: {exc}"[:500]
            if status is not None and 200 <= status < 300:
                _finish(delivery_id, token, status="sent", sent_at=now, last_status_code=status,
                        last_error=None)
                done["sent"] += 1
                continue
            down.add(delivery.subscriber_id)
            error = error or f"HTTP {status}"
            if now >= delivery.give_up_at:
                _finish(delivery_id, token, status="failed", last_error=error,
                        last_status_code=status)
                done["failed"] += 1
                log.warning("webhook %s failed for good: %s", delivery.idempotency_key, error)
            else:
                _finish(delivery_id, token, status="pending", last_error=error,
                        last_status_code=status,
                        next_attempt_at=now + backoff(delivery.attempts))
                done["retry"] += 1


def resend(delivery: WebhookDelivery) -> None:
    """An administrator sends a failed delivery again, with a fresh time to give up."""
    hours = current_app.config.get("WEBHOOK_GIVE_UP_HOURS", 24)
    delivery.status, delivery.next_attempt_at = "pending", None
    delivery.give_up_at = clock.now() + timedelta(hours=hours)
    db.session.flush()


def release_abandoned() -> int:
    """Rows left 'sending' by a worker that died go back to pending: a receiver that got
    it already ignores the repeat by its Idempotency-Key."""
    limit = clock.now() - timedelta(minutes=10)
    count = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == "sending", WebhookDelivery.next_attempt_at < limit)
        .values(status="pending", claim_token=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return count


def kick() -> None:
    """From the sweep: queue a delivery pass on RQ, or run it now without Redis."""
    if current_app.config.get("REDIS_URL"):
        from app import rq_queue

        try:
            rq_queue.enqueue("app.jobs.deliver_webhooks")
        except Exception:  # Redis down: the rows wait for the next minute
            log.warning("could not queue webhook delivery", exc_info=True)
        return
    release_abandoned()
    deliver_due()

"""Webhook subscribers and their deliveries: other systems told of each case event.

A delivery row is written in the same transaction as the event it tells of (an outbox,
like the SMS one), so a subscriber that is down loses nothing: the rows wait, and are
sent in order, per subscriber and case, once it answers again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

STATUSES = ("pending", "sending", "sent", "failed")


class WebhookSubscriber(Base):
    """An administrator's registration: where to send, the shared secret that signs each
    delivery, which kinds of event (action names; empty: every kind) and which place
    (a district; None: the whole city)."""

    __tablename__ = "webhook_subscriber"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))  # kept: every delivery is signed with it
    event_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    district = relationship("District")


class WebhookDelivery(Base):
    """One event for one subscriber. pending → sending (claimed by one worker) → sent;
    back to pending with a later ``next_attempt_at`` after a failure; failed once
    ``give_up_at`` has passed, for an administrator to see and send again."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        UniqueConstraint("subscriber_id", "event_id"),
        Index("ix_webhook_delivery_due", "status", "id"),
        Index("ix_webhook_delivery_case", "subscriber_id", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriber.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("case_event.id"))
    kind: Mapped[str] = mapped_column(String(32))
    #: Sent as the Idempotency-Key header: the same for every attempt of this delivery.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    give_up_at: Mapped[datetime]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None]

    subscriber = relationship(WebhookSubscriber)

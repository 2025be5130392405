"""Messages to send, written in the same transaction as the change that causes them and
delivered afterwards by a job: a down Redis or SMS provider loses nothing.

A row moves pending → sending (claimed by one worker, with a token) → sent, or back to
pending with a later ``next_attempt_at`` after a passing failure, or to failed after the
last attempt; cancelled when its number opted out before it went. ``delivery_status`` is
what the provider reported afterwards (queued, sent, delivered, undelivered ...), moving
only forward. ``kind`` and ``params`` say the same as ``body`` as data, for gateways that
send approved templates only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        CheckConstraint("status != 'sending' OR claim_token IS NOT NULL", name="claimed"),
        Index("ix_outbox_pending", "status", "id"),
        Index("ix_outbox_provider", "provider_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Same cause, same recipient: one message, however often the cause is processed.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(8), default="sms")
    to_phone: Mapped[str] = mapped_column(String(20))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_event.id"))
    language: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Claiming: the worker that set the token is the only one that sends the row.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # backoff after a passing failure
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    delivery_status_at: Mapped[datetime | None]
    error_code: Mapped[str | None] = mapped_column(String(16))
    # What the message says, as data: its kind and the values it was written with. A
    # template gateway (Tencent Cloud SMS) sends these; Twilio and the console send ``body``.
    kind: Mapped[str | None] = mapped_column(String(40))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)

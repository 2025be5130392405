"""The SMS channel's own records: every inbound message (keyed by Twilio's MessageSid, so a
retried webhook is answered once), the photos an MMS carried, the short conversation that
asks a resident one follow-up question, and the numbers that said STOP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

#: What an inbound message turned out to be.
INTENTS = ("report", "answer", "query", "rating", "stop", "start", "help")
MEDIA_STATUSES = ("pending", "attached", "rejected", "failed")
CONVERSATION_STATUSES = ("open", "done", "expired")
AWAITING = ("category", "place", "both")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class InboundMessage(Base):
    __tablename__ = "sms_inbound"
    __table_args__ = (
        CheckConstraint(_in("intent", INTENTS), name="intent"),
        Index("ix_sms_inbound_from", "from_phone", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_phone: Mapped[str] = mapped_column(String(32))
    to_phone: Mapped[str] = mapped_column(String(32), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    num_media: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(16))
    intent: Mapped[str] = mapped_column(String(8))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("sms_conversation.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    # The TwiML reply, kept so that Twilio's retry of the same message gets the same answer.
    reply: Mapped[str | None] = mapped_column(Text)
    # Its kind and values (message_kinds): a reply given again goes as its own template.
    reply_kind: Mapped[str | None] = mapped_column(String(40))
    reply_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime]


class SmsMedia(Base):
    """One photo of an MMS, fetched from Twilio by a job and attached to the case."""

    __tablename__ = "sms_media"
    __table_args__ = (
        CheckConstraint(_in("status", MEDIA_STATUSES), name="status"),
        Index("ix_sms_media_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("sms_inbound.id"), index=True)
    position: Mapped[int]
    url: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_event.id"))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    # Set by the one worker that fetches the photo now; an old claim (a worker that died
    # mid-download) may be taken over after ``mms.CLAIM_SECONDS``.
    claimed_at: Mapped[datetime | None]

    inbound: Mapped[InboundMessage] = relationship()


class SmsConversation(Base):
    """A report that waits for one answer (what, where, or both) from the same phone.
    At most one is open per phone; it expires after ``SMS_CONVERSATION_MINUTES``."""

    __tablename__ = "sms_conversation"
    __table_args__ = (
        CheckConstraint(_in("status", CONVERSATION_STATUSES), name="status"),
        CheckConstraint(f"awaiting IS NULL OR {_in('awaiting', AWAITING)}", name="awaiting"),
        CheckConstraint("status != 'done' OR case_id IS NOT NULL", name="done_case"),
        Index(
            "uq_sms_conversation_open",
            "phone",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_sms_conversation_expiry", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")
    awaiting: Mapped[str | None] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    category_code: Mapped[str | None] = mapped_column(String(8))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    place: Mapped[str] = mapped_column(String(200), default="")  # what the resident called it
    # What the first message found, for the record (matched words, road, intersection).
    found: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    started_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class SmsOptOut(Base):
    """A number that texted TD / 退订 / STOP: no more messages to it until START."""

    __tablename__ = "sms_opt_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    message_sid: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]

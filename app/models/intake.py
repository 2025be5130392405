"""Cases that staff take in for others: how each category may be reported by a patrolling
inspector or a hotline operator (``IntakeRule``), and the follow-up calls (回访) an
operator makes after a case is closed (``FollowUpCall``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.case import Case, Rating
from app.models.people import User

#: Channels whose reports a member of staff takes in.
STAFF_CHANNELS = ("patrol", "hotline")
WORDS_MAX = 1000


class IntakeRule(Base):
    """What a channel may do with a category. Without a row the category may be used and a
    report waits for a dispatcher (the safe default)."""

    __tablename__ = "intake_rule"
    __table_args__ = (
        CheckConstraint("channel IN ('patrol', 'hotline')", name="channel"),
    )

    channel: Mapped[str] = mapped_column(String(12), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), primary_key=True)
    allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    # Dispatched at once by the routing rule, without a dispatcher's triage.
    dispatch_at_once: Mapped[bool] = mapped_column(Boolean, default=False)


class FollowUpCall(Base):
    """One follow-up call to a case's reporter after closing: whether they were reached,
    how satisfied they are and what they said. A reached resident's answer is their
    rating (``rating_id``), counted like any other; a dissatisfied outcome may be handed
    to a supervisor to reopen."""

    __tablename__ = "follow_up_call"
    __table_args__ = (
        CheckConstraint("score IS NULL OR score IN (1, 2, 3)", name="score"),
        CheckConstraint("reached OR score IS NULL", name="reached_score"),
        Index("ix_follow_up_call_case", "case_id", "at"),
        Index("ix_follow_up_call_handed", "handed_over_at",
              postgresql_where=text("handed_over_at IS NOT NULL"),
              sqlite_where=text("handed_over_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime]
    reached: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[int | None] = mapped_column(SmallInteger)  # 1 满意, 2 基本满意, 3 不满意
    words: Mapped[str] = mapped_column(Text, default="")
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("rating.id"))
    handed_over_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    operator: Mapped[User] = relationship()
    rating: Mapped[Rating | None] = relationship()

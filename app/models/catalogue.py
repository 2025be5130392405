"""The catalogue of problems and their time limits. Limits are versioned rows: a change
closes the old row and opens a new one, so a case keeps the rule it was given."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from workflows.deadlines import TimeLimit, Unit
from workflows.routing import LimitKind, Urgency

DEFAULT_REMINDER_THRESHOLDS = (0.5, 0.8)
DEFAULT_ESCALATION_DELAYS = {"district": 4, "city": 16}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Category(Base):
    __tablename__ = "category"
    __table_args__ = (CheckConstraint("grp IN ('ten_disorders', 'high_frequency')", name="grp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    grp: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    hint_zh: Mapped[str] = mapped_column(String(200), default="")
    hint_en: Mapped[str] = mapped_column(String(300), default="")
    icon: Mapped[str] = mapped_column(String(32), default="")
    handler: Mapped[str] = mapped_column(String(32))  # "road_chief" or an agency handler key
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(default=0)
    # Remind the assignee when these fractions of the time limit have passed.
    reminder_thresholds: Mapped[list[float]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_THRESHOLDS))
    # Hours after the deadline at which an overdue case is escalated to each level.
    escalation_delays: Mapped[dict[str, int]] = mapped_column(
        JSON, default=lambda: dict(DEFAULT_ESCALATION_DELAYS))

    limit_rules: Mapped[list[TimeLimitRule]] = relationship(back_populates="category")

    def name(self, locale: str) -> str:
        from app.labels import name_in

        return name_in(self, locale)


class TimeLimitRule(Base):
    __tablename__ = "time_limit_rule"
    __table_args__ = (
        CheckConstraint(_in("kind", LimitKind), name="kind"),
        CheckConstraint(_in("urgency", Urgency), name="urgency"),
        CheckConstraint(_in("unit", Unit), name="unit"),
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_time_limit_rule_current", "category_id", "kind", "urgency", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    kind: Mapped[str] = mapped_column(String(12))
    urgency: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]  # None: the rule in force

    category: Mapped[Category] = relationship(back_populates="limit_rules")

    @property
    def limit(self) -> TimeLimit:
        return TimeLimit(self.amount, Unit(self.unit))

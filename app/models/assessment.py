"""The monthly assessment (考核评估): scoring schemes (data, versioned, never edited: a
change is a new version) and published months, each frozen with its scheme version and
every unit's score and breakdown."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base


class AssessmentScheme(Base):
    __tablename__ = "assessment_scheme"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(64))
    #: ``workflows.assessment``'s rules: indicators, deductions, caps, lists.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class AssessmentMonth(Base):
    """A published month: its scores as they were published, with the scheme version and
    the frozen SLA figures (``published_month``) they were computed from."""

    __tablename__ = "assessment_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    first: Mapped[date] = mapped_column(Date, unique=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("assessment_scheme.id"))
    publication_id: Mapped[int] = mapped_column(ForeignKey("published_month.id"))
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    scheme: Mapped[AssessmentScheme] = relationship()


class AssessmentScore(Base):
    __tablename__ = "assessment_score"
    __table_args__ = (
        CheckConstraint("kind IN ('district', 'street', 'agency', 'contractor')", name="kind"),
        CheckConstraint("mark IN ('', 'red', 'black')", name="mark"),
    )

    month_id: Mapped[int] = mapped_column(ForeignKey("assessment_month.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    mark: Mapped[str] = mapped_column(String(8), default="")
    #: ``workflows.assessment.Score.as_dict()`` and the unit's counters.
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)

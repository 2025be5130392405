"""The working calendar as data: holidays, make-up working days, the years covered, and
office hours. An administrator extends it when the State Council publishes a new year."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class CalendarDay(Base):
    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # holiday, or workday (a make-up day, 调休)
    name: Mapped[str] = mapped_column(String(64), default="")


class CalendarYear(Base):
    """A year whose official arrangement has been loaded."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime]


class OfficeHours(Base):
    __tablename__ = "office_hours"
    __table_args__ = (CheckConstraint("start_time < end_time", name="order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    start_time: Mapped[time]
    end_time: Mapped[time]

"""Supervision turned into work: task lists (任务清单) drawn from hotspots and high-frequency
categories, their tasks (each assigned to a street, an agency or a road chief, with the
cases behind it as evidence), and special campaigns (专项整治) with a scope of places,
categories and a period, a target and an owner.

A task list belongs to the place of the supervisor who drew it (``district_id``; None for
the city) and optionally to a campaign. It is a draft until published; publishing is
all-or-nothing (``app.services.tasks.publish``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

TASK_LIST_STATES = ("draft", "published")
TASK_STATES = ("open", "closed")
ASSIGNEE_KINDS = ("street", "agency", "chief")


class Campaign(Base):
    """A special rectification campaign (专项整治): the cases of its categories in its
    places over its period are counted in it. Empty place lists mean the whole place of
    the campaign (``district_id``, or the city); an empty category list means every
    category."""

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint("last >= first", name="period"),
        CheckConstraint("target_on_time > 0 AND target_on_time <= 1", name="target"),
        Index("ix_campaign_period", "first", "last"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    district_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    street_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    area_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    category_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    target_on_time: Mapped[float] = mapped_column(Float)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]

    owner = relationship("User", foreign_keys=[owner_id])
    task_lists: Mapped[list[TaskList]] = relationship(back_populates="campaign",
                                                      order_by="TaskList.id")


class TaskList(Base):
    """A list of tasks for a period, drawn by a supervisor of the city or a district."""

    __tablename__ = "task_list"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in TASK_LIST_STATES)})",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    first: Mapped[date] = mapped_column(Date)  # the period the evidence was drawn from
    last: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    campaign: Mapped[Campaign | None] = relationship(back_populates="task_lists")
    tasks: Mapped[list[Task]] = relationship(back_populates="task_list",
                                             order_by="Task.position, Task.id",
                                             cascade="all, delete-orphan")


class Task(Base):
    """One task: a place, a problem, the cases behind it, an assignee and a due date."""

    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in TASK_STATES)})",
                        name="status"),
        CheckConstraint("assignee_kind IS NULL OR assignee_kind IN "
                        f"({', '.join(repr(k) for k in ASSIGNEE_KINDS)})", name="assignee_kind"),
        Index("ix_task_assignee_user", "assignee_user_id", "status"),
        Index("ix_task_assignee_agency", "assignee_agency_id", "status"),
        Index("ix_task_assignee_street", "assignee_street_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_list_id: Mapped[int] = mapped_column(ForeignKey("task_list.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    place: Mapped[str] = mapped_column(String(120))
    problem: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)  # may exceed the links
    assignee_kind: Mapped[str | None] = mapped_column(String(8))
    assignee_street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    assignee_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    close_note: Mapped[str | None] = mapped_column(Text)

    task_list: Mapped[TaskList] = relationship(back_populates="tasks")
    category = relationship("Category")
    assignee_street = relationship("Street", foreign_keys=[assignee_street_id])
    assignee_agency = relationship("Agency", foreign_keys=[assignee_agency_id])
    assignee_user = relationship("User", foreign_keys=[assignee_user_id])
    photos: Mapped[list[TaskPhoto]] = relationship(order_by="TaskPhoto.id",
                                                   cascade="all, delete-orphan")


class TaskCase(Base):
    """A case behind a task (its evidence); read both ways."""

    __tablename__ = "task_case"

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True, index=True)


class TaskPhoto(Base):
    """A photo sent when a task was closed, kept in the photo store like a case's."""

    __tablename__ = "task_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]

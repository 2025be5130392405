"""A case and what hangs from it: its append-only event record, photos, followers
(reporter and supporters), ratings, and pending extension or hold requests."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.catalogue import _in
from workflows.lifecycle import Action, State
from workflows.routing import Urgency

if TYPE_CHECKING:
    from app.models.catalogue import Category
    from app.models.people import Agency, Contact, User
    from app.models.places import Area

DESCRIPTION_MAX = 4000  # the Open311 GeoReport v2 limit, for every channel
_LIVE = ("state IN ('submitted', 'dispatched', 'in_progress', 'returned', 'on_hold', "
         "'rectified')")
ADDRESS_MAX = 200
REASON_MAX = 500


class Case(Base):
    __tablename__ = "case"
    __table_args__ = (
        CheckConstraint(_in("state", State), name="state"),
        CheckConstraint(_in("urgency", Urgency), name="urgency"),
        CheckConstraint("state != 'merged' OR merged_into_id IS NOT NULL", name="merged_into"),
        CheckConstraint(
            "state NOT IN ('dispatched', 'in_progress', 'on_hold', 'rectified') "
            "OR assignee_user_id IS NOT NULL OR assignee_agency_id IS NOT NULL",
            name="assigned",
        ),
        CheckConstraint(
            "state NOT IN ('dispatched', 'in_progress', 'rectified') OR due_at IS NOT NULL",
            name="deadline",
        ),
        CheckConstraint("state != 'on_hold' OR held_seconds_left IS NOT NULL", name="hold"),
        CheckConstraint("escalation_level BETWEEN 0 AND 3", name="escalation"),
        Index("ix_case_state_due", "state", "due_at"),
        Index("ix_case_area_state", "area_id", "state"),
        Index("ix_case_assignee_user", "assignee_user_id", "state"),
        Index("ix_case_assignee_agency", "assignee_agency_id", "state"),
        Index("ix_case_district_created", "district_id", "created_at"),
        # City-wide reports of a period (hotspots): a month is a few % of the table.
        Index("ix_case_created", "created_at"),
        # Staff screens at a million cases (bench/bench_work.py): triage lists, nearby open
        # cases, escalated and rectified-awaiting-check lists.
        Index("ix_case_triage", "district_id", "state", "created_at",
              postgresql_where=text("state IN ('submitted', 'returned')"),
              sqlite_where=text("state IN ('submitted', 'returned')")),
        Index("ix_case_live_point", "lat", "lng",
              postgresql_where=text(_LIVE), sqlite_where=text(_LIVE)),
        Index("ix_case_escalated", "district_id", "escalation_level",
              postgresql_where=text("escalation_level > 0"),
              sqlite_where=text("escalation_level > 0")),
        Index("ix_case_rectified", "street_id", "verify_due_at",
              postgresql_where=text("state = 'rectified'"),
              sqlite_where=text("state = 'rectified'")),
        # Open311's change feed: the cases changed since a partner's last poll.
        Index("ix_case_updated", "updated_at", "id"),
        # Problem points: the cases in a small place since a moment, whatever their state
        # (a strip of latitude; longitude and the moment are checked in the index).
        Index("ix_case_lat_lng", "lat", "lng", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # tracking code, e.g. "K7QM-4D2X"
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    urgency: Mapped[str] = mapped_column(String(12), default=Urgency.NORMAL.value)
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    channel: Mapped[str] = mapped_column(String(12))  # web, sms, open311, staff
    # Place (None while unrouted: the point is outside every area; a dispatcher decides).
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    unrouted_reason: Mapped[str | None] = mapped_column(String(24))
    reporter_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default=State.SUBMITTED.value)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assignee_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    # The clock. due_at is the final rectification deadline (moved only by approved
    # extensions and holds); rework_due_at is the assignee's deadline after a failed check.
    limit_rule_id: Mapped[int | None] = mapped_column(ForeignKey("time_limit_rule.id"))
    limit_unit: Mapped[str | None] = mapped_column(String(16))
    dispatched_at: Mapped[datetime | None]
    response_due_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    rework_due_at: Mapped[datetime | None]
    verify_due_at: Mapped[datetime | None]
    held_seconds_left: Mapped[int | None]
    signed_at: Mapped[datetime | None]
    rectified_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    extension_count: Mapped[int] = mapped_column(default=0)
    rework_count: Mapped[int] = mapped_column(default=0)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the sweep next needs to look at this case (a reminder or escalation may fall
    # due then); None while no clock runs. Kept by the door on every action.
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    # Optimistic locking: every UPDATE says "WHERE version = <the one I read>".
    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category] = relationship()
    area: Mapped[Area | None] = relationship()
    reporter: Mapped[Contact | None] = relationship()
    assignee_user: Mapped[User | None] = relationship(foreign_keys=[assignee_user_id])
    assignee_agency: Mapped[Agency | None] = relationship()
    merged_into: Mapped[Case | None] = relationship(remote_side=[id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", viewonly=True
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id", viewonly=True
    )
    followers: Mapped[list[CaseFollower]] = relationship(back_populates="case", viewonly=True)

    @property
    def state_enum(self) -> State:
        return State(self.state)

    @property
    def work_due_at(self) -> datetime | None:
        """The deadline the assignee is working to now."""
        return self.rework_due_at or self.due_at


class CaseEvent(Base):
    """One action on a case: who, what, when, from which state to which, and why.
    Append-only: the ORM refuses to update or delete it."""

    __tablename__ = "case_event"
    __table_args__ = (
        CheckConstraint(_in("action", Action), name="action"),
        Index("ix_case_event_case", "case_id", "id"),
        Index("ix_case_event_at", "at", "id"),  # Open311's updates feed, by time
        # A case's last change of status (Open311's updated_datetime, read per record of a
        # list) from the index alone: its latest events, with their states, in one page.
        Index("ix_case_event_case_at", "case_id", "at",
              postgresql_include=["from_state", "to_state"]),
        # A member of staff's own reports (a patrolling inspector's today, their usual
        # categories).
        Index("ix_case_event_actor_user", "actor_user_id", "at",
              postgresql_where=text("actor_user_id IS NOT NULL AND action = 'submit'"),
              sqlite_where=text("actor_user_id IS NOT NULL AND action = 'submit'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int]  # the case's version after this event

    case: Mapped[Case] = relationship(back_populates="events")
    actor_user: Mapped[User | None] = relationship()


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _events_are_append_only(mapper, connection, target):
    raise PermissionError("case events are an append-only record")


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint("kind IN ('before', 'after', 'rework', 'note')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_event.id"))
    kind: Mapped[str] = mapped_column(String(8))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime]
    # Hidden by staff (a licence plate, a face): never shown on public pages or the API;
    # the hiding is also an event in the case's history.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(200))

    case: Mapped[Case] = relationship(back_populates="attachments")


class CaseFollower(Base):
    """A resident who hears about a case: its reporter, or a supporter who reported the same
    problem. Merging moves followers to the surviving case."""

    __tablename__ = "case_follower"
    __table_args__ = (
        UniqueConstraint("case_id", "contact_id"),
        CheckConstraint("kind IN ('reporter', 'supporter')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="followers")
    contact: Mapped[Contact] = relationship()


class Rating(Base):
    __tablename__ = "rating"
    __table_args__ = (
        # A person rates each closure once; a reopened and closed again case may be rated
        # again, and the rating of its latest closure is the one counted.
        UniqueConstraint("case_id", "contact_id", "closure_at"),
        CheckConstraint("score IN (1, 2, 3)", name="score"),
        Index("ix_rating_follow_up", "at", "id", postgresql_where=text("needs_follow_up"),
              sqlite_where=text("needs_follow_up")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    score: Mapped[int] = mapped_column(SmallInteger)  # 1 满意, 2 基本满意, 3 不满意
    comment: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    channel: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime]
    # The closure it rates: the case's ``closed_at`` when it was given.
    closure_at: Mapped[datetime]
    needs_follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the rating came from: "sms", or a web client's network ("web:203.0.113.0/24"),
    # for supervisors to see a unit's ratings coming from one place or a staff office.
    origin: Mapped[str] = mapped_column(String(64), default="")
    # The signed link it was given through (sha256 of the token): a link rates once.
    link_digest: Mapped[str | None] = mapped_column(String(64), unique=True)


class CaseRequest(Base):
    """An assignee's request for an extension or a hold, waiting for a supervisor."""

    __tablename__ = "case_request"
    __table_args__ = (
        CheckConstraint("kind IN ('extension', 'hold')", name="kind"),
        CheckConstraint("status IN ('pending', 'approved', 'refused')", name="status"),
        Index(
            "uq_case_request_pending",
            "case_id",
            "kind",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    new_due_at: Mapped[datetime | None]
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))

    case: Mapped[Case] = relationship()

"""Derived data for the SLA figures: what each case contributes (``metric_case``), the
deadlines it missed (``metric_breach``, booked once, never taken back) and the same added
up per local day (``metric_day`` by area, category, assignee and channel;
``metric_day_street`` by street and channel, for city-wide trends; ``metric_day_agency``
by agency, for the monthly assessment; ``metric_day_street_category`` by street and
category, for special campaigns). A published month's
daily figures are kept as they were published (``published_month``, ``published_day``).

These tables are kept in the same transaction as the case's events by
``app.services.metrics_booking.book`` (called from the one door) and can be rebuilt from the case
records at any time (``flask metrics rebuild``); ``flask metrics check`` compares them
with a replay of the raw events. No foreign keys: they are a ledger that a rebuild
replaces, and 0 stands for "none" in the assignee columns so that they can be keys."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class _Counters:
    """The counters of ``workflows.metrics.Totals``, as columns."""

    due: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    extended: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[int] = mapped_column(Integer, default=0)
    response_s: Mapped[int] = mapped_column(BigInteger, default=0)
    handled: Mapped[int] = mapped_column(Integer, default=0)
    handling_s: Mapped[int] = mapped_column(BigInteger, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    reworked: Mapped[int] = mapped_column(Integer, default=0)
    with_contact: Mapped[int] = mapped_column(Integer, default=0)
    r1: Mapped[int] = mapped_column(Integer, default=0)
    r2: Mapped[int] = mapped_column(Integer, default=0)
    r3: Mapped[int] = mapped_column(Integer, default=0)


class MetricCase(Base):
    """One case's facts as last booked into the daily tables (``workflows.metrics.facts``)."""

    __tablename__ = "metric_case"
    __table_args__ = (
        Index("ix_metric_case_due_day", "due_day"),
        Index("ix_metric_case_closed_day", "closed_day"),
    )

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    district_id: Mapped[int] = mapped_column(Integer)
    street_id: Mapped[int] = mapped_column(Integer)
    area_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)
    assignee_user_id: Mapped[int] = mapped_column(Integer)
    assignee_agency_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(12), default="")
    due_day: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[int] = mapped_column(SmallInteger)
    extended: Mapped[int] = mapped_column(SmallInteger)
    response_s: Mapped[int | None] = mapped_column(Integer)
    handling_s: Mapped[int | None] = mapped_column(Integer)
    closed_day: Mapped[date | None] = mapped_column(Date)
    reworked: Mapped[int] = mapped_column(SmallInteger)
    with_contact: Mapped[int] = mapped_column(SmallInteger)
    r1: Mapped[int] = mapped_column(SmallInteger)
    r2: Mapped[int] = mapped_column(SmallInteger)
    r3: Mapped[int] = mapped_column(SmallInteger)


class MetricBreach(Base):
    """A deadline a case missed, as it stood when the case moved on from it: due and late
    on its day for the one who held the case then (``workflows.effects.Breach``)."""

    __tablename__ = "metric_breach"
    __table_args__ = (Index("ix_metric_breach_due_day", "due_day"),)

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    due_at: Mapped[datetime] = mapped_column(primary_key=True)
    dispatched_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    extended: Mapped[int] = mapped_column(SmallInteger)
    district_id: Mapped[int] = mapped_column(Integer)
    street_id: Mapped[int] = mapped_column(Integer)
    area_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)
    assignee_user_id: Mapped[int] = mapped_column(Integer)
    assignee_agency_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(12), default="")
    due_day: Mapped[date] = mapped_column(Date)
    response_s: Mapped[int | None] = mapped_column(Integer)


class _DayKeys:
    """The key of a day's counters: the day, the place, category, assignee and channel."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    district_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    area_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    assignee_user_id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                                  autoincrement=False)
    assignee_agency_id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                                    autoincrement=False)
    channel: Mapped[str] = mapped_column(String(12), primary_key=True, default="")


class MetricDay(_DayKeys, _Counters, Base):
    """The counters per local day, area, category, assignee (person or agency) and
    channel."""

    __tablename__ = "metric_day"
    __table_args__ = (
        Index("ix_metric_day_district", "district_id", "day"),
        Index("ix_metric_day_street", "street_id", "day"),
        Index("ix_metric_day_area", "area_id", "day"),
        Index("ix_metric_day_category", "category_id", "day"),
        Index("ix_metric_day_user", "assignee_user_id", "day"),
        Index("ix_metric_day_agency", "assignee_agency_id", "day"),
        Index("ix_metric_day_channel", "channel", "day"),
    )


class MetricDayStreet(_Counters, Base):
    """The same counters per local day, street and channel: small enough for city-wide
    trends."""

    __tablename__ = "metric_day_street"
    __table_args__ = (Index("ix_metric_day_street_street", "street_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    district_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(12), primary_key=True, default="")


class MetricDayAgency(_Counters, Base):
    """The same counters per local day and agency (0: a person holds the case): what the
    monthly assessment of agencies and contractors reads, a few rows a day whatever the
    number of cases."""

    __tablename__ = "metric_day_agency"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    assignee_agency_id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                                    autoincrement=False)


class MetricDayStreetCategory(_Counters, Base):
    """The same counters per local day, street and category: what a special campaign over
    districts or streets reads (its categories without the areas, assignees and channels
    of ``metric_day``), at most days × streets × categories rows whatever the number of
    cases."""

    __tablename__ = "metric_day_street_category"
    __table_args__ = (Index("ix_metric_day_street_category_street", "street_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    district_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class PublishedMonth(Base):
    """A published period (the monthly bulletin): its figures are frozen as they were then
    (``published_day``); a later recomputation that differs is shown as a revision."""

    __tablename__ = "published_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    first: Mapped[date] = mapped_column(Date, index=True)
    last: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class PublishedDay(_DayKeys, _Counters, Base):
    """A published period's daily counters, copied from ``metric_day`` when published."""

    __tablename__ = "published_day"

    publication_id: Mapped[int] = mapped_column(ForeignKey("published_month.id"),
                                                primary_key=True)

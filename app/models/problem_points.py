"""Problem points (问题集中点位): a small place (a circle or a polygon, WGS-84) and the
categories it is about, watched until it meets the standard. Its status is not stored: it
follows from the cases reported in it (``app.services.problem_points``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ProblemPoint(Base):
    __tablename__ = "problem_point"
    __table_args__ = (
        CheckConstraint("radius_m IS NOT NULL OR polygon IS NOT NULL", name="shape"),
        CheckConstraint("weeks BETWEEN 1 AND 52", name="weeks"),
        CheckConstraint("source IN ('hotspot', 'manual')", name="source"),
        Index("ix_problem_point_place", "district_id", "street_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    # The centre (of the circle, or a point inside the polygon) and the bounding box.
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    # GeoJSON Polygon in WGS84 [lng, lat], when the point is drawn rather than a circle.
    polygon: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    min_lng: Mapped[float] = mapped_column(Float)
    max_lng: Mapped[float] = mapped_column(Float)
    #: Category codes the point is about; empty: every category.
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: N: consecutive clean weeks that make it meet the standard.
    weeks: Mapped[int] = mapped_column(SmallInteger)
    source: Mapped[str] = mapped_column(String(8), default="manual")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

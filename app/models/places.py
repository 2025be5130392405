"""The place hierarchy: district → street → responsibility area (with its roads)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

if TYPE_CHECKING:
    from app.models.people import TeamMembership, User


class District(Base):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))

    streets: Mapped[list[Street]] = relationship(back_populates="district", order_by="Street.code")


class Street(Base):
    __tablename__ = "street"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))

    district: Mapped[District] = relationship(back_populates="streets")
    areas: Mapped[list[Area]] = relationship(back_populates="street", order_by="Area.code")


class Area(Base):
    """A responsibility area (责任区): a road or a community's streets, with one road chief."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(256))
    # GeoJSON Polygon/MultiPolygon in WGS84 [lng, lat]; portable across databases.
    polygon: Mapped[dict[str, Any]] = mapped_column(JSON)
    road_chief_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", use_alter=True), index=True
    )

    street: Mapped[Street] = relationship(back_populates="areas")
    roads: Mapped[list[Road]] = relationship(
        back_populates="area", order_by="Road.id", cascade="all, delete-orphan"
    )
    road_chief: Mapped[User | None] = relationship(foreign_keys=[road_chief_id])
    team: Mapped[list[TeamMembership]] = relationship(back_populates="area")

    @property
    def district_id(self) -> int:
        return self.street.district_id


class Road(Base):
    """A road (or stretch of one) inside an area, with the aliases residents use."""

    __tablename__ = "road"
    __table_args__ = (UniqueConstraint("area_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The house numbers of this road inside this area ([[first, last], ...]), where a road
    # runs through several areas: "中山大道88号" then names the area.
    numbers: Mapped[list[list[int]] | None] = mapped_column(JSON)

    area: Mapped[Area] = relationship(back_populates="roads")

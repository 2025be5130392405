"""Landmarks residents name instead of a road ("江汉路步行街", "汉口火车站", "光谷广场"):
an administrator-maintained list with aliases and a point. A landmark answers "where?"
in a text message and in the web form's place search; its area is the one its point lies
in (or the nearest), found when the city's places are read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Landmark(Base):
    __tablename__ = "landmark"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(128), default="")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # WGS84, like the areas' polygons.
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]

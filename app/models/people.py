"""People: staff users with a role and a place, the road team ("1+2+N"), agencies and the
categories they own, and residents' contacts."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from workflows.lifecycle import Role

if TYPE_CHECKING:
    from app.models.catalogue import Category
    from app.models.places import Area, District, Street

STAFF_ROLES = tuple(r.value for r in Role if r not in (Role.RESIDENT, Role.SYSTEM))


class Agency(Base):
    """A linked unit (联动单位): traffic police, sanitation, municipal roads ..."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    handler: Mapped[str] = mapped_column(String(32), index=True)  # e.g. "traffic_police"
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))  # None: city-wide
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    duty_phone: Mapped[str | None] = mapped_column(String(20))
    #: A market contractor (e.g. a sanitation company, 环卫企业): assessed as a contractor.
    market_contractor: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())

    district: Mapped[District | None] = relationship()
    categories: Mapped[list[Category]] = relationship(secondary="agency_category")


class AgencyCategory(Base):
    __tablename__ = "agency_category"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), primary_key=True)


class User(UserMixin, Base):
    """A staff account. Its role and place (district, street or area; or agency) decide
    what it may see and do."""

    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in STAFF_ROLES)})", name="role"),
        CheckConstraint("role != 'agency_staff' OR agency_id IS NOT NULL", name="agency_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", use_alter=True))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    language: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]

    district: Mapped[District | None] = relationship(foreign_keys=[district_id])
    street: Mapped[Street | None] = relationship(foreign_keys=[street_id])
    area: Mapped[Area | None] = relationship(foreign_keys=[area_id])
    agency: Mapped[Agency | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """What a session (and a remember-me cookie) holds: the id, a fingerprint of the
        password hash, so a new password ends every other session of the account, and
        the key of the server-side session (app.services.staff_sessions)."""
        return f"{self.id}:{self.password_fingerprint()}:{getattr(self, 'session_key', '')}"

    def password_fingerprint(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    @property
    def level(self) -> str:
        """'city', 'district', 'street' or 'area': the height of this person's place."""
        if self.area_id:
            return "area"
        if self.street_id:
            return "street"
        if self.district_id:
            return "district"
        return "city"


class TeamKind(StrEnum):
    COMMUNITY_WORKER = "community_worker"  # 楼长 (社区城管专干) — one of the "2"
    SHOP_SUPERVISOR = "shop_supervisor"  # 店长 (门前三包监督员) — one of the "2"
    VOLUNTEER = "volunteer"  # 志愿者 — "N"
    PROPERTY_MANAGER = "property_manager"  # 物业 — "N"
    LINKED_UNIT = "linked_unit"  # 共建单位 — "N"


class TeamMembership(Base):
    """A member of an area's road team, besides its road chief."""

    __tablename__ = "team_membership"
    __table_args__ = (
        UniqueConstraint("area_id", "user_id"),
        CheckConstraint(f"kind IN ({', '.join(repr(k.value) for k in TeamKind)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))

    area: Mapped[Area] = relationship(back_populates="team")
    user: Mapped[User] = relationship()


class Contact(Base):
    """A resident who left a phone number. Cases say whether it is hidden from staff."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164, e.g. +8613800000000
    language: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN")
    created_at: Mapped[datetime]
    #: Set when the number was replaced by a placeholder (retention, or erased on request).
    anonymised_at: Mapped[datetime | None]
    #: The resident's OpenID with the city's WeChat official account, when they wrote to it
    #: (their ``phone`` is then a handle, ``wx-...``, never a number to send an SMS to).
    wechat_openid: Mapped[str | None] = mapped_column(String(64), unique=True)

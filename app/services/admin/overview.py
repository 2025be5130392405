"""The administration's front page: how much of each kind of reference data there is."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, ApiKey, Area, Category, District, Street, User


def counts() -> dict[str, int]:
    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "districts": count(District), "streets": count(Street), "areas": count(Area),
        "staff": count(User), "agencies": count(Agency), "categories": count(Category),
        "api_keys": count(ApiKey, ApiKey.revoked_at.is_(None)),
    }


def areas_without_chief() -> int:
    return db.session.scalar(select(func.count()).select_from(Area)
                             .where(Area.road_chief_id.is_(None))) or 0

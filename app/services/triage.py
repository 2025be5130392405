"""What a dispatcher is offered for a report: the category its words point to, the area
its point (or the road it names) lies in, and the assignee the routing rules give; and
the preset reasons for not accepting a report."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Agency, Area, Case, Category, Road, Street, User
from app.services import routing as routing_service
from workflows.routing import Route

#: Preset reasons for rejecting a report (不予受理); "other" needs the free text.
REJECT_REASONS = {
    "out_of_scope": _l("Not a matter for city management"),
    "not_found": _l("No problem found at the place"),
    "no_place": _l("The place cannot be found from the report"),
    "too_little": _l("Too little information to act on"),
    "already_fixed": _l("Already fixed"),
    "other": _l("Other reason"),
}


@dataclass(frozen=True)
class Suggestion:
    category: Category  # as reported
    text_category: Category | None  # another category the description's words point to
    area: Area | None  # from the point, or from a road the text names
    area_from_text: bool
    route: Route
    assignee_user: User | None
    assignee_agency: Agency | None


def guess_category(text: str, categories: list[Category]) -> Category | None:
    """The category with the most keywords in the text (catalogue order breaks ties)."""
    best, best_hits = None, 0
    for category in categories:
        hits = sum(1 for word in category.keywords or () if word and word in text)
        if hits > best_hits:
            best, best_hits = category, hits
    return best


def guess_area(text: str, district_id: int | None) -> Area | None:
    """The area of the longest road name (or alias) the text mentions, in the district
    when one is known."""
    query = select(Road).options(selectinload(Road.area))
    if district_id is not None:
        query = query.join(Area, Area.id == Road.area_id).join(
            Street, Street.id == Area.street_id).where(Street.district_id == district_id)
    best, best_len = None, 0
    for road in db.session.scalars(query):
        for name in [road.name, *(road.aliases or [])]:
            if name and name in text and len(name) > best_len:
                best, best_len = road.area, len(name)
    return best


def suggest(case: Case, district_id: int | None = None) -> Suggestion:
    categories = list(db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort)))
    text = f"{case.description} {case.address}"
    guessed = guess_category(text, categories)
    area, from_text = case.area, False
    if area is None:
        area = guess_area(text, district_id)
        from_text = area is not None
    route = routing_service.suggest(area, case.category, case.urgency)
    return Suggestion(
        category=case.category,
        text_category=guessed if guessed is not None and guessed.id != case.category_id
        else None,
        area=area,
        area_from_text=from_text,
        route=route,
        assignee_user=db.session.get(User, route.assignee_user_id)
        if route.assignee_user_id else None,
        assignee_agency=db.session.get(Agency, route.assignee_agency_id)
        if route.assignee_agency_id else None,
    )


def reject_reason(preset: str | None, text: str | None) -> str | None:
    """The reason told to the resident: the preset's words, then the dispatcher's own.
    None when neither is given (the door then asks for a reason); "other" alone is not a
    reason."""
    text = (text or "").strip()
    label = REJECT_REASONS.get(preset or "")
    if preset == "other" or label is None:
        return text or None
    return f"{label}: {text}" if text else str(label)

"""Ratings from unusual origins, per unit: a supervisor's check that the satisfaction rate
was cast by residents. A web rating records its client's network; a unit's ratings that
come from a network its staff signed in from, or from one network for several cases,
are shown (the figure is not changed: a supervisor looks and decides)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Agency, Case, Rating, SignInAttempt, User

#: Ratings of one unit from one network, on this many different cases, are worth a look.
REPEATED_CASES = 3
#: Staff sign-ins this long before the period count for "a staff network".
STAFF_LOOKBACK = timedelta(days=90)


@dataclass
class Finding:
    unit: str
    origin: str
    cases: set[int] = field(default_factory=set)
    ratings: int = 0
    satisfied: int = 0
    staff_network: bool = False

    @property
    def repeated(self) -> bool:
        return len(self.cases) >= REPEATED_CASES


def _place_filter(user: User):
    level = user.level
    if level == "district":
        return Case.district_id == user.district_id
    if level == "street":
        return Case.street_id == user.street_id
    if level == "area":
        return Case.area_id == user.area_id
    return None


def unusual(user: User, start: datetime, end: datetime) -> list[Finding]:
    """Findings for the ratings given in [start, end) to cases under the user's place."""
    query = (select(Rating.case_id, Rating.origin, Rating.score, Case.assignee_user_id,
                    Case.assignee_agency_id)
             .join(Case, Case.id == Rating.case_id)
             .where(Rating.at >= start, Rating.at < end, Rating.origin.like("web:%")))
    place = _place_filter(user)
    if place is not None:
        query = query.where(place)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    networks = {r.origin.removeprefix("web:") for r in rows}
    staff = set(db.session.scalars(
        select(SignInAttempt.network).where(SignInAttempt.ok.is_(True),
                                            SignInAttempt.network.in_(networks),
                                            SignInAttempt.at >= start - STAFF_LOOKBACK,
                                            SignInAttempt.at < end).distinct()))
    names = _unit_names({r.assignee_user_id for r in rows if r.assignee_user_id},
                        {r.assignee_agency_id for r in rows if r.assignee_agency_id})
    found: dict[tuple, Finding] = defaultdict(lambda: Finding("", ""))
    for r in rows:
        unit = ("user", r.assignee_user_id) if r.assignee_user_id else (
            "agency", r.assignee_agency_id)
        finding = found[(unit, r.origin)]
        finding.unit, finding.origin = names.get(unit, "-"), r.origin.removeprefix("web:")
        finding.cases.add(r.case_id)
        finding.ratings += 1
        finding.satisfied += r.score in (1, 2)
        finding.staff_network = finding.origin in staff
    flagged = [f for f in found.values() if f.staff_network or f.repeated]
    return sorted(flagged, key=lambda f: (not f.staff_network, -f.ratings, f.unit, f.origin))


def _unit_names(user_ids: set[int], agency_ids: set[int]) -> dict[tuple, str]:
    from flask_babel import get_locale

    zh = str(get_locale() or "zh").startswith("zh")
    names: dict[tuple, str] = {}
    if user_ids:
        for uid, name in db.session.execute(
                select(User.id, User.display_name).where(User.id.in_(user_ids))):
            names[("user", uid)] = name
    if agency_ids:
        for aid, name_zh, name_en in db.session.execute(
                select(Agency.id, Agency.name_zh, Agency.name_en).where(Agency.id.in_(agency_ids))):
            names[("agency", aid)] = name_zh if zh else name_en
    return names

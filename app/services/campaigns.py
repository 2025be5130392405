"""Special rectification campaigns (专项整治): a name, a scope (places, categories, a
period), a target on-time rate and an owner. Every case in scope is counted in the
campaign: its figures are the plan's figures restricted to the scope, read from the daily
counters, so a campaign page costs the same whatever the number of cases: from
``metric_day_street_category`` when its places are districts or streets (days × streets ×
categories rows), ``metric_day_street`` for the days before it when no category narrows
it either, and ``metric_day`` only when areas (its own or an area-level reader's) do. The
volume before the campaign is the same figures over the same number of days just before
it.

Two campaigns may not cover the same categories in the same places over overlapping
periods: the second is refused with a message."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, true

from app.extensions import db
from app.models import (
    Area,
    Category,
    District,
    MetricDay,
    MetricDayStreet,
    MetricDayStreetCategory,
    Street,
    User,
)
from app.models.supervision_tasks import Campaign
from app.services import clock
from app.services import metrics_dashboard as metrics
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.tasks import (
    _text,
    district_of,
    is_supervisor,
    may_create,
    require_creator,
    require_supervisor,
)
from workflows import supervision
from workflows.lifecycle import Role
from workflows.metrics import COUNTERS, Totals

log = logging.getLogger(__name__)

NAME_MAX = 80
MAX_DAYS = 366 * 2
TARGET_RANGE = (50.0, 100.0)  # percent
PLACE_KINDS = ("district", "street", "area")
_PLACE = re.compile(r"^(district|street|area):([0-9]{1,9})$")


@dataclass
class Form:
    """What the campaign form sent (raw text)."""

    name: str = ""
    places: list[str] | None = None  # "district:3", "street:12", "area:40"
    categories: list[str] | None = None
    first: str = ""
    last: str = ""
    target: str = ""  # percent, e.g. "98"
    owner: str = ""


def visible_clause(user: User):
    mine = district_of(user)
    if mine is None:
        return true()
    return or_(Campaign.district_id.is_(None), Campaign.district_id == mine)


def visible(user: User) -> list[Campaign]:
    require_supervisor(user)
    return list(db.session.scalars(select(Campaign).where(visible_clause(user))
                                   .order_by(Campaign.first.desc(), Campaign.id.desc())
                                   .limit(200)))


def get(user: User, campaign_id: int) -> Campaign:
    require_supervisor(user)
    found = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id,
                                                     visible_clause(user)))
    if found is None:
        raise NotFound(_l("No such campaign."))
    return found


def owners(user: User) -> list[User]:
    """Who may own a campaign drawn by this person: supervisors of their place."""
    stmt = select(User).where(User.role == Role.SUPERVISOR.value, User.active.is_(True))
    mine = district_of(user)
    if mine is not None:
        stmt = stmt.where(User.district_id == mine)
    return list(db.session.scalars(stmt.order_by(User.street_id.is_not(None), User.username)
                                   .limit(500)))


def create(user: User, form: Form) -> Campaign:
    """Check everything, refuse an overlap, then write the campaign."""
    require_creator(user)
    name = _text(form.name, NAME_MAX, _l("Give the campaign a name of 1 to %(n)s characters.",
                                         n=NAME_MAX))
    district_ids, street_ids, area_ids = _places(user, form.places or [])
    category_ids = _categories(form.categories or [])
    first, last = _period(form.first, form.last)
    target = _target(form.target)
    owner = _owner(user, form.owner)
    campaign = Campaign(name=name, district_id=district_of(user), district_ids=district_ids,
                        street_ids=street_ids, area_ids=area_ids, category_ids=category_ids,
                        first=first, last=last, target_on_time=target, owner_id=owner.id,
                        created_by_id=user.id, created_at=clock.now())
    clash = overlapping(campaign)
    if clash is not None:
        raise InvalidInput(_l("This campaign overlaps “%(name)s” (%(first)s – %(last)s): the "
                              "same categories in the same places over overlapping periods. "
                              "Change its places, categories or period.", name=clash.name,
                              first=clash.first.isoformat(), last=clash.last.isoformat()))
    db.session.add(campaign)
    db.session.commit()
    log.info("campaign created: user=%s campaign=%s first=%s last=%s", user.id, campaign.id,
             first, last)
    return campaign


def _places(user: User, raw: list[str]) -> tuple[list[int], list[int], list[int]]:
    out: dict[str, set[int]] = {k: set() for k in PLACE_KINDS}
    mine = district_of(user)
    bad = InvalidInput(_l("Choose places from the list."), field="places")
    for value in raw:
        if not value:
            continue
        match = _PLACE.match(value)
        if match is None:
            raise bad
        kind, ident = match.group(1), int(match.group(2))
        model = {"district": District, "street": Street, "area": Area}[kind]
        place = db.session.get(model, ident)
        if place is None:
            raise bad
        district = (place.id if kind == "district" else place.district_id if kind == "street"
                    else place.street.district_id)
        if mine is not None and district != mine:
            raise Forbidden(_l("That is outside the place you supervise."))
        out[kind].add(ident)
    return sorted(out["district"]), sorted(out["street"]), sorted(out["area"])


def _categories(raw: list[str]) -> list[int]:
    ids = set()
    for value in raw:
        if not value:
            continue
        if not value.isdigit() or len(value) > 9:
            raise InvalidInput(_l("Choose categories from the list."), field="categories")
        ids.add(int(value))
    if ids:
        found = set(db.session.scalars(select(Category.id).where(Category.id.in_(ids))))
        if found != ids:
            raise InvalidInput(_l("Choose categories from the list."), field="categories")
    return sorted(ids)


def _period(raw_first: str, raw_last: str) -> tuple[date, date]:
    try:
        first, last = date.fromisoformat(raw_first.strip()), date.fromisoformat(raw_last.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(_l("Give the first and last day of the campaign (YYYY-MM-DD)."),
                           field="first") from None
    if not (first.year >= 2000 and last.year <= 2099):
        raise InvalidInput(_l("Choose days between %(first)s and %(last)s.", first=2000,
                              last=2099), field="first")
    if last < first:
        raise InvalidInput(_l("The period ends before it begins."), field="last")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(_l("A campaign lasts at most %(n)s days.", n=MAX_DAYS), field="last")
    return first, last


def _target(raw: str) -> float:
    try:
        value = float((raw or "").strip().rstrip("%"))
    except ValueError:
        value = float("nan")
    if not TARGET_RANGE[0] <= value <= TARGET_RANGE[1]:  # NaN fails both
        raise InvalidInput(_l("The target on-time rate is a percentage from %(low)s to "
                              "%(high)s.", low=int(TARGET_RANGE[0]), high=int(TARGET_RANGE[1])),
                           field="target")
    return round(value / 100, 4)


def _owner(user: User, raw: str) -> User:
    if not raw:
        return user
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(_l("Choose the owner from the list."), field="owner")
    owner = db.session.get(User, int(raw))
    if owner is None or owner not in owners(user) and owner.id != user.id:
        raise InvalidInput(_l("Choose the owner from the list."), field="owner")
    return owner


# -- the scope -----------------------------------------------------------------------------


def areas_of(campaign: Campaign) -> set[int]:
    """The responsibility areas a campaign covers (its places, or its whole place)."""
    stmt = select(Area.id).join(Street, Street.id == Area.street_id)
    if campaign.district_ids or campaign.street_ids or campaign.area_ids:
        stmt = stmt.where(or_(Street.district_id.in_(campaign.district_ids or [0]),
                              Area.street_id.in_(campaign.street_ids or [0]),
                              Area.id.in_(campaign.area_ids or [0])))
    elif campaign.district_id is not None:
        stmt = stmt.where(Street.district_id == campaign.district_id)
    return set(db.session.scalars(stmt))


def overlapping(campaign: Campaign) -> Campaign | None:
    """An existing campaign whose scope overlaps this one's (``workflows.supervision``)."""
    others = db.session.scalars(select(Campaign).where(
        Campaign.first <= campaign.last, Campaign.last >= campaign.first,
        Campaign.id != (campaign.id or 0)).order_by(Campaign.id))
    mine = None
    for other in others:
        if mine is None:
            mine = scope_of(campaign)
        if supervision.overlaps(mine, scope_of(other)):
            return other
    return None


def scope_of(campaign: Campaign) -> supervision.Scope:
    return supervision.Scope(campaign.first, campaign.last, frozenset(campaign.category_ids),
                             frozenset(areas_of(campaign)))


def _filters(campaign: Campaign, table, viewer: User | None) -> list:
    out = []
    if campaign.category_ids and "category_id" in table.c:
        out.append(table.c.category_id.in_(campaign.category_ids))
    places = []
    if campaign.district_ids:
        places.append(table.c.district_id.in_(campaign.district_ids))
    if campaign.street_ids:
        places.append(table.c.street_id.in_(campaign.street_ids))
    if campaign.area_ids:
        places.append(table.c.area_id.in_(campaign.area_ids))
    if places:
        out.append(or_(*places))
    if campaign.district_id is not None:
        out.append(table.c.district_id == campaign.district_id)
    if viewer is not None:  # a reader sees the part of the campaign in their own place
        level = "city" if viewer.role == Role.ADMIN.value else viewer.level
        if level == "district":
            out.append(table.c.district_id == viewer.district_id)
        elif level == "street":
            out.append(table.c.street_id == viewer.street_id)
        elif level == "area":
            out.append(table.c.area_id == viewer.area_id)
    return out


def _by_area(campaign: Campaign, viewer: User | None) -> bool:
    """Whether areas (the campaign's or an area-level reader's) narrow the scope below
    what the street tables hold: only ``metric_day`` knows areas."""
    return bool(campaign.area_ids or (viewer is not None and viewer.level == "area"
                                      and viewer.role != Role.ADMIN.value))


def tables(campaign: Campaign, viewer: User | None = None):
    """The tables a campaign's figures are read from: its days (grouped by place and
    category) and the days before it (summed)."""
    if _by_area(campaign, viewer):
        return MetricDay.__table__, MetricDay.__table__
    during = MetricDayStreetCategory.__table__
    return during, during if campaign.category_ids else MetricDayStreet.__table__


def _sums(table):
    from sqlalchemy import func

    return [func.coalesce(func.sum(table.c[c]), 0).label(c) for c in COUNTERS]


@dataclass
class Figures:
    """A campaign's page: its figures, the same over as many days just before it, and the
    splits by place and category."""

    during: Totals
    before: Totals
    before_first: date
    before_last: date
    until: date | None
    by_place: list[metrics.Row]
    place_by: str
    by_category: list[metrics.Row]

    @staticmethod
    def change(after: int, before: int) -> float | None:
        return (after - before) / before if before else None


def figures(campaign: Campaign, viewer: User | None = None) -> Figures:
    """Two reads of the daily counters (:func:`tables`): the campaign's days grouped by
    place and category (added up here into its totals and both splits), and the sums of
    the days before it."""
    period = metrics.Period.of(campaign.first, campaign.last)
    # Compare like with like: as many days just before the campaign as it has counted so
    # far (all of its days once it is over).
    counted = (min(period.until, campaign.last) - campaign.first).days + 1 \
        if period.counted else 0
    before_last = campaign.first - timedelta(days=1)
    before_first = campaign.first - timedelta(days=max(counted, 1))
    place_by = "street" if (campaign.district_id is not None
                            or (viewer is not None and viewer.level in ("district", "street")
                                and viewer.role != Role.ADMIN.value)) else "district"
    out = Figures(Totals(), Totals(), before_first, before_last,
                  period.until if period.counted else None, [], place_by, [])
    if not counted:
        return out
    t, b = tables(campaign, viewer)
    place_col = t.c[f"{place_by}_id"]
    # Grouped by plain columns (the planner knows how few groups they make: a hash), and
    # the days before summed apart.
    rows = db.session.execute(
        select(place_col.label("place"), t.c.category_id.label("category"), *_sums(t))
        .where(t.c.day.between(campaign.first, period.until), *_filters(campaign, t, viewer))
        .group_by(place_col, t.c.category_id)).all()
    places: dict[int, Totals] = {}
    categories: dict[int, Totals] = {}
    for row in rows:
        counters = row._mapping
        out.during.add(counters)
        places.setdefault(row.place, Totals()).add(counters)
        categories.setdefault(row.category, Totals()).add(counters)
    found = db.session.execute(select(*_sums(b)).where(
        b.c.day.between(before_first, before_last), *_filters(campaign, b, viewer))).one()
    out.before = Totals.of(found._mapping)
    out.by_place = _rows(place_by, places)
    out.by_category = _rows("category", categories)
    return out


def _rows(by: str, found: dict[int, Totals]) -> list[metrics.Row]:
    names = metrics.member_names(by, list(found))
    return metrics.ranked([metrics.Row(k, names.get(k, "—"), tot) for k, tot in found.items()
                           if k and any(tot.as_dict().values())], "on_time")


def totals(campaign: Campaign, viewer: User | None = None) -> Totals:
    """The campaign's figures over its days (counted so far)."""
    return figures(campaign, viewer).during


def scope_names(campaign: Campaign) -> tuple[list[str], list[str]]:
    """The places and categories of a campaign, as names (Chinese)."""
    places = []
    for model, ids in ((District, campaign.district_ids), (Street, campaign.street_ids),
                       (Area, campaign.area_ids)):
        if ids:
            places += [p.name_zh for p in db.session.scalars(
                select(model).where(model.id.in_(ids)).order_by(model.code))]
    categories = [f"{c.code} {c.name_zh}" for c in db.session.scalars(
        select(Category).where(Category.id.in_(campaign.category_ids or [0]))
        .order_by(Category.code))]
    return places, categories


def place_choices(user: User) -> list[tuple[str, str]]:
    """Places a campaign may cover, for the form: districts, streets (and areas under a
    district supervisor, whose list stays short)."""
    mine = district_of(user)
    out: list[tuple[str, str]] = []
    districts = select(District).order_by(District.code)
    if mine is not None:
        districts = districts.where(District.id == mine)
    for d in db.session.scalars(districts):
        out.append((f"district:{d.id}", d.name_zh))
        for s in d.streets:
            out.append((f"street:{s.id}", f"— {s.name_zh}"))
            if mine is not None:
                out += [(f"area:{a.id}", f"—— {a.code} {a.name_zh}") for a in s.areas]
    return out


def may_draw(user: User) -> bool:
    return may_create(user)


__all__ = ["Form", "create", "figures", "get", "is_supervisor", "visible"]

"""Reading a supervision URL: who may look, at which slice of the city, over which period,
split by which dimension. Every bad value is a clear error in the user's language."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import db
from app.models import Agency, Area, Category, District, Street, User
from app.services import clock
from app.services import metrics_dashboard as metrics
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.metrics_dashboard import DIMENSIONS, Period, Slice
from workflows.lifecycle import Role

MAX_YEARS = 5
YEARS = (2000, 2099)  # the dates a period may take (and the trend before it)
PLACE_PARAMS = ("district", "street", "area")
FILTER_PARAMS = ("chief", "agency", "category", "channel")
#: The place level below each level: what a drill-down shows by default.
NEXT_LEVEL = {"city": "district", "district": "street", "street": "area", "area": "chief"}


def require_supervisor() -> User:
    """The signed-in supervisor (or administrator); anyone else is refused."""
    user = current_user
    if user.role not in (Role.SUPERVISOR.value, Role.ADMIN.value):
        raise Forbidden(_l("Only supervisors may see the figures."))
    return user


@dataclass(frozen=True)
class View:
    """A validated request: the slice, its place objects (for titles) and the period."""

    where: Slice
    level: str  # city, district, street or area: the depth of the slice's place
    district: District | None
    street: Street | None
    area: Area | None
    chief: User | None
    agency: Agency | None
    category: Category | None
    period: Period
    by: str
    channel: str | None = None  # where the cases came from: web, sms, open311, patrol ...

    def params(self, **changes) -> dict:
        """URL parameters that reproduce this view, with ``changes`` applied (None drops)."""
        out: dict = {}
        for name, obj in (("district", self.district), ("street", self.street),
                          ("area", self.area), ("chief", self.chief), ("agency", self.agency),
                          ("category", self.category)):
            if obj is not None:
                out[name] = obj.id
        if self.channel is not None:
            out["channel"] = self.channel
        # Only the deepest place is needed.
        if "area" in out:
            out.pop("street", None)
            out.pop("district", None)
        elif "street" in out:
            out.pop("district", None)
        if self.period.is_month:
            out["month"] = self.period.first.strftime("%Y-%m")
        else:
            out["from"], out["to"] = self.period.first.isoformat(), self.period.last.isoformat()
        out["by"] = self.by
        for key, value in changes.items():
            if key in PLACE_PARAMS and value is not None:
                for p in PLACE_PARAMS:
                    out.pop(p, None)
            if key == "month":
                out.pop("from", None)
                out.pop("to", None)
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
        return out


def _int(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise NotFound(_l("Unknown %(what)s in the address.", what=name)) from None
    if not 0 < value < 2**31:
        raise NotFound(_l("Unknown %(what)s in the address.", what=name))
    return value


def _get(model, ident: int | None, message):
    if ident is None:
        return None
    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound(message)
    return obj


def _outside() -> Forbidden:
    return Forbidden(_l("That is outside the place you supervise."))


def read_view(user: User, default_by: str | None = None) -> View:
    district = _get(District, _int("district"), _l("No such district."))
    street = _get(Street, _int("street"), _l("No such street."))
    area = _get(Area, _int("area"), _l("No such responsibility area."))
    chief = _get(User, _int("chief"), _l("No such road chief."))
    if chief is not None and chief.role not in (Role.ROAD_CHIEF.value, Role.TEAM_MEMBER.value):
        raise NotFound(_l("No such road chief."))
    agency = _get(Agency, _int("agency"), _l("No such agency."))
    category = _get(Category, _int("category"), _l("No such category."))
    channel = _channel()

    # The deepest place asked for decides; the ones above it follow from it.
    if area is not None:
        street, district = area.street, area.street.district
    elif street is not None:
        district = street.district
    level = "area" if area else "street" if street else "district" if district else "city"

    _check_scope(user, level, district, street, area)
    if chief is not None and chief.area_id is not None:
        chief_area = db.session.get(Area, chief.area_id)
        _check_scope(user, "area", chief_area.street.district, chief_area.street, chief_area)
    if agency is not None and agency.district_id is not None and user.level != "city" \
            and user.role != Role.ADMIN.value and agency.district_id != user.district_id:
        raise _outside()

    # Without a place in the URL, the user's own place.
    if level == "city" and user.role != Role.ADMIN.value and user.level != "city":
        if user.level == "area":
            area = db.session.get(Area, user.area_id)
            street, district, level = area.street, area.street.district, "area"
        elif user.level == "street":
            street = db.session.get(Street, user.street_id)
            district, level = street.district, "street"
        else:
            district, level = db.session.get(District, user.district_id), "district"

    where = Slice(
        district_id=district.id if district else None,
        street_id=street.id if street else None,
        area_id=area.id if area else None,
        chief_id=chief.id if chief else None,
        agency_id=agency.id if agency else None,
        category_id=category.id if category else None,
        channel=channel,
    )
    by = request.args.get("by") or default_by or _default_by(level, chief, agency, category)
    if by not in DIMENSIONS:
        raise InvalidInput(_l("Unknown dimension: choose district, street, area, road chief, "
                              "agency, category or channel."), field="by")
    return View(where, level, district, street, area, chief, agency, category, read_period(),
                by, channel)


def _channel() -> str | None:
    """``channel=sms``: a channel cases come in by (any the door accepts, or one that has
    a label), else a clear refusal."""
    raw = (request.args.get("channel") or "").strip()
    if not raw:
        return None
    from app.labels import CHANNEL
    from app.services.cases import CHANNELS

    if raw not in set(CHANNELS) | set(CHANNEL):
        raise NotFound(_l("Unknown %(what)s in the address.", what="channel"))
    return raw


def _default_by(level: str, chief, agency, category) -> str:
    if chief is not None or agency is not None:
        return "category"
    if category is not None and level == "area":
        return "chief"
    return NEXT_LEVEL[level]


def _check_scope(user: User, level: str, district, street, area) -> None:
    """A supervisor may look at their own place and anything under it, nothing above or
    beside it; an administrator at the whole city."""
    if user.role == Role.ADMIN.value or user.level == "city" or level == "city":
        return  # (no place asked for: the user's own place is taken)
    mine = user.level
    depth = {"district": 1, "street": 2, "area": 3}
    if depth[level] < depth.get(mine, 0):
        raise _outside()
    if mine == "district" and district.id != user.district_id:
        raise _outside()
    if mine == "street" and street.id != user.street_id:
        raise _outside()
    if mine == "area" and area.id != user.area_id:
        raise _outside()


def _date(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_l("That is not a date (use YYYY-MM-DD)."), field=field) from None


def last_complete_month() -> date:
    """The first day of the last month that is over: the month a review is about."""
    today = clock.to_local(clock.now()).date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def this_month() -> str:
    return clock.to_local(clock.now()).date().strftime("%Y-%m")


def read_period() -> Period:
    """``month=YYYY-MM``, or ``from=YYYY-MM-DD&to=YYYY-MM-DD``; by default the last
    complete month (the month to date is one click away)."""
    args = request.args
    if "from" in args or "to" in args:
        raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
        if not raw_from or not raw_to:
            raise InvalidInput(_l("Give both the first and the last day of the period."),
                               field="from")
        first, last = _date(raw_from, "from"), _date(raw_to, "to")
        _within_years(first, last)
        if last < first:
            raise InvalidInput(_l("The period ends before it begins."), field="to")
        if last >= _years_after(first, MAX_YEARS):
            raise InvalidInput(_l("A period can be at most %(n)s years long.", n=MAX_YEARS),
                               field="to")
        return Period.of(first, last)
    raw = (args.get("month") or "").strip()
    if raw:
        try:
            year, month = (int(x) for x in raw.split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise InvalidInput(_l("That is not a month (use YYYY-MM)."), field="month") from None
        _within_years(first, first)
    else:
        first = last_complete_month()
    return Period.of(first, metrics.month_end(first))


def _within_years(first: date, last: date) -> None:
    if not (YEARS[0] <= first.year and last.year <= YEARS[1]):
        raise InvalidInput(_l("Choose days between %(first)s and %(last)s.", first=YEARS[0],
                              last=YEARS[1]), field="from")


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28) + timedelta(days=1)


def with_period(view: View, first: date, last: date) -> View:
    return replace(view, period=Period.of(first, last))

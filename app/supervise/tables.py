"""The tables behind the supervision pages, as exportable rows: one builder per table,
shared by the CSV and XLSX exports (the pages render the same figures with links)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import labels
from app.extensions import db
from app.models import Agency, Area, Category, District, Street, User
from app.services import clock
from app.services import metrics_dashboard as metrics
from app.services.errors import InvalidInput
from app.services.staff_names import staff_names
from app.supervise.exports import Percent, Table
from app.supervise.query import View
from workflows.lifecycle import Action, State
from workflows.metrics import Totals
from workflows.routing import Urgency

DIMENSION_LABELS = {
    "district": _l("District"),
    "street": _l("Street"),
    "area": _l("Responsibility area"),
    "chief": _l("Road chief or team member"),
    "agency": _l("Agency"),
    "category": _l("Category"),
    "channel": _l("Channel"),
}

TABLES = ("summary", "trend", "breakdown", "ranking", "overdue", "hotspots", "cases")

HOTSPOT_RADIUS = (10, 2000)
HOTSPOT_MIN = (2, 1000)


def local(moment: datetime | None) -> datetime | None:
    return clock.to_local(moment) if moment else None


def rate(value: float | None) -> Percent | None:
    return Percent(round(value, 6)) if value is not None else None


def figure_headers() -> list[str]:
    return [
        _("Due"), _("On time"), _("Late"), _("On-time rate"), _("With extension"),
        _("Extension rate"), _("Closed"), _("Reworked"), _("Rework rate"),
        _("Closed with a contact"), _("Ratings"), str(labels.RATING[1]), str(labels.RATING[2]),
        str(labels.RATING[3]), _("Satisfaction rate"), _("Rating coverage"),
        _("Mean response (hours)"), _("Mean handling (hours)"),
    ]


def figure_cells(t: Totals) -> list:
    return [
        t.due, t.on_time, t.late, rate(t.on_time_rate), t.extended, rate(t.extension_rate),
        t.closed, t.reworked, rate(t.rework_rate), t.with_contact, t.ratings, t.r1, t.r2, t.r3,
        rate(t.satisfaction_rate), rate(t.rating_coverage),
        round(t.response_hours, 3) if t.response_hours is not None else None,
        round(t.handling_hours, 3) if t.handling_hours is not None else None,
    ]


def scope_label(view: View) -> str:
    parts = [place_name(p) for p in (view.district, view.street, view.area) if p is not None]
    if view.chief is not None:
        parts.append(view.chief.display_name)
    if view.agency is not None:
        parts.append(place_name(view.agency))
    if view.category is not None:
        parts.append(f"{view.category.code} {place_name(view.category)}")
    if view.channel is not None:
        parts.append(channel_name(view.channel))
    return " / ".join(parts) or _("Whole city")


def channel_name(channel: str | None) -> str:
    return str(labels.CHANNEL.get(channel, channel)) if channel else ""


def place_name(obj) -> str:
    from flask_babel import get_locale

    english = str(get_locale() or "").startswith("en")
    return obj.name_en if english else obj.name_zh


def period_label(view: View) -> str:
    p = view.period
    if p.is_month:
        return p.first.strftime("%Y-%m")
    return f"{p.first.isoformat()} – {p.last.isoformat()}"


def _name(view: View, table: str) -> str:
    return f"roadchief-{table}-{period_label(view).replace(' – ', '_')}"


def summary(view: View) -> Table:
    t = metrics.totals(view.where, view.period)
    return Table(_name(view, "summary"), _("Figures"),
                 [_("Scope"), _("First day"), _("Last day"), _("Counted until"),
                  *figure_headers()],
                 [[scope_label(view), view.period.first, view.period.last,
                   view.period.until if view.period.counted else None, *figure_cells(t)]])


def trend(view: View) -> Table:
    months = metrics.trend(view.where, view.period.last)
    rows = ([m.first.strftime("%Y-%m"), *figure_cells(m.totals)] for m in months if m.counted)
    return Table(_name(view, "trend"), _("Trend"), [_("Month"), *figure_headers()], rows)


def breakdown(view: View, by: str, sort: str = "on_time") -> Table:
    rows = metrics.ranked(metrics.breakdown(view.where, view.period, by), sort)
    return Table(_name(view, f"{by}"), str(DIMENSION_LABELS[by]),
                 [_("Rank"), str(DIMENSION_LABELS[by]), *figure_headers()],
                 ([r.rank, r.name, *figure_cells(r.totals)] for r in rows))


def overdue(view: View) -> Table:
    names = _names()

    def rows() -> Iterator[list]:
        now = clock.now()
        for case in db.session.scalars(
            metrics.overdue_query(view.where).execution_options(yield_per=2000)
        ):
            yield [case.code, channel_name(case.channel),
                   names["category"].get(case.category_id, ""),
                   names["district"].get(case.district_id, ""),
                   names["street"].get(case.street_id, ""), names["area"].get(case.area_id, ""),
                   names["chief"].get(case.assignee_user_id, "")
                   or names["agency"].get(case.assignee_agency_id, ""),
                   str(labels.STATE[State(case.state)]), local(case.dispatched_at),
                   local(case.due_at), round((now - case.due_at).total_seconds() / 3600, 1),
                   case.extension_count, case.rework_count, case.escalation_level]

    return Table(_name(view, "overdue"), _("Open overdue cases"),
                 [_("Tracking code"), _("Channel"), _("Category"), _("District"),
                  _("Street"), _("Responsibility area"), _("Assignee"), _("State"),
                  _("Dispatched"),
                  _("Deadline"), _("Hours overdue"), _("Extensions"), _("Reworks"),
                  _("Escalation level")], rows())


def hotspot_params(args) -> tuple[int, int]:
    def number(name: str, default: int, bounds: tuple[int, int], message) -> int:
        raw = (args.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise InvalidInput(message, field=name) from None
        if not bounds[0] <= value <= bounds[1]:
            raise InvalidInput(message, field=name)
        return value

    from flask import current_app

    radius = number("radius", int(current_app.config.get("METRICS_HOTSPOT_RADIUS_M", 100)),
                    HOTSPOT_RADIUS, _l("The radius is a whole number of metres from "
                                       "%(lo)s to %(hi)s.", lo=HOTSPOT_RADIUS[0],
                                       hi=HOTSPOT_RADIUS[1]))
    least = number("min", 3, HOTSPOT_MIN, _l("The least count is a whole number from %(lo)s "
                                             "to %(hi)s.", lo=HOTSPOT_MIN[0], hi=HOTSPOT_MIN[1]))
    return radius, least


def hotspots(view: View, radius: int, least: int) -> Table:
    spots = metrics.hotspots(view.where, view.period.first, view.period.last, radius, least)
    return Table(_name(view, "hotspots"), _("Hotspots"),
                 [_("Rank"), _("Category"), _("Reports"), _("Latitude"), _("Longitude"),
                  _("First report"), _("Last report"), _("Radius (m)")],
                 ([s.rank, s.name, s.count, round(s.lat, 6), round(s.lng, 6), local(s.first_at),
                   local(s.last_at), radius] for s in spots))


def cases(view: View, which: str = "all") -> Table:
    names = _names()
    codes = dict(db.session.execute(select(Category.id, Category.code)).all())

    def rows() -> Iterator[list]:
        for row, events in metrics.iter_cases(view.where, view.period, which):
            yield [
                row.code, channel_name(row.channel), codes.get(row.category_id, ""),
                names["category"].get(row.category_id),
                names["district"].get(row.district_id, ""), names["street"].get(row.street_id, ""),
                names["area"].get(row.area_id, ""), names["chief"].get(row.assignee_user_id, ""),
                names["agency"].get(row.assignee_agency_id, ""), _label(labels.STATE, State,
                                                                        row.state),
                _label(labels.URGENCY, Urgency, row.urgency),
                local(row.created_at), local(row.dispatched_at), local(row.signed_at),
                local(row.due_at), local(row.rectified_at), local(row.closed_at),
                row.extension_count, row.rework_count,
                row.due_day, row.on_time if row.due_day else None,
                row.extended if row.due_day else None, row.response_s, row.handling_s,
                row.closed_day, row.reworked if row.closed_day else None,
                row.with_contact if row.closed_day else None, row.r1, row.r2, row.r3,
                row.missed,
                "; ".join(f"{_label(labels.ACTION, Action, a)} "
                          f"{local(at).isoformat(sep=' ', timespec='minutes')}"
                          for a, at in events),
            ]

    return Table(_name(view, "cases"), _("Cases"), [
        _("Tracking code"), _("Channel"), _("Category code"), _("Category"), _("District"),
        _("Street"),
        _("Responsibility area"), _("Road chief or team member"), _("Agency"), _("State"),
        _("Urgency"), _("Reported"), _("Dispatched"), _("Signed for"),
        _("Final deadline"), _("Accepted rectification"), _("Closed"), _("Extensions"),
        _("Reworks"), _("Due day"), _("On time (1/0)"), _("Extended (1/0)"),
        _("Response (s)"), _("Handling (s)"), _("Closed day"), _("Reworked (1/0)"),
        _("Contact (1/0)"), _("Ratings 1 satisfied"), _("Ratings 2 basically satisfied"),
        _("Ratings 3 dissatisfied"), _("Missed deadlines in the period"),
        _("Events (local time)"),
    ], rows())


def _label(names: dict, enum, value: str | None) -> str:
    """A code's translated name (a code the enum does not know shows as itself)."""
    try:
        return str(names[enum(value)])
    except (ValueError, KeyError):
        return value or ""


def _names() -> dict[str, dict[int, str]]:
    from flask_babel import get_locale

    english = str(get_locale() or "").startswith("en")

    def of(model) -> dict[int, str]:
        col = model.name_en if english else model.name_zh
        return dict(db.session.execute(select(model.id, col)).all())

    return {
        "district": of(District), "street": of(Street), "area": of(Area), "agency": of(Agency),
        "category": of(Category),
        "chief": staff_names(db.session.scalars(select(User.id).where(
            User.role.in_(["road_chief", "team_member"])))),
    }

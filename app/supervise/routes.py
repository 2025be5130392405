"""Supervision pages: read the request, ask the metrics service, render."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from app import labels
from app.extensions import db
from app.models import Area, Case, Street
from app.services import clock, metrics_published
from app.services import metrics_dashboard as metrics
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.supervise import bp, charts, exports, masthead, roster, tables
from app.supervise.query import View, read_view, require_supervisor, this_month

OVERDUE_PAGE = 100
CASES_PAGE = 200


def _context(view: View, **extra) -> dict:
    on_time_target, satisfaction_target = metrics.targets()

    def link(endpoint: str = "supervise.dashboard", **changes) -> str:
        return url_for(endpoint, **view.params(**changes))

    return {
        "view": view, "targets": (on_time_target, satisfaction_target), "link": link,
        "scope_label": tables.scope_label(view), "period_label": tables.period_label(view),
        "place_name": tables.place_name, "dimension_labels": tables.DIMENSION_LABELS,
        "channel_name": tables.channel_name,
        "pct": _pct, "hours": _hours, "num": format_decimal,
        "breadcrumbs": _breadcrumbs(view, link),
        "prev_month": (view.period.first - timedelta(days=1)).strftime("%Y-%m"),
        "this_month": this_month(),
        "next_month": (view.period.last + timedelta(days=1)).strftime("%Y-%m"),
        "now": clock.now(),
    } | extra


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _breadcrumbs(view: View, link) -> list[tuple[str, str | None]]:
    crumbs: list[tuple[str, str | None]] = [
        (_("Whole city"), link(district=None, street=None, area=None, chief=None, agency=None,
                               category=None, by=None))]
    for key, obj in (("district", view.district), ("street", view.street), ("area", view.area)):
        if obj is not None:
            crumbs.append((tables.place_name(obj),
                           link(**{key: obj.id}, chief=None, agency=None, category=None,
                                by=None)))
    return crumbs


def _trend_chart(view: View) -> tuple[list[metrics.Month], str]:
    months = metrics.trend(view.where, view.period.last)
    on_time_target, satisfaction_target = metrics.targets()
    labels = [m.first.strftime("%y-%m") for m in months]
    chart = charts.trend(labels, [
        charts.Series(_("On-time rate"), [m.totals.on_time_rate if m.counted else None
                                          for m in months], on_time_target, charts.BRAND),
        charts.Series(_("Satisfaction rate"), [m.totals.satisfaction_rate if m.counted else None
                                               for m in months], satisfaction_target,
                      charts.SECOND),
    ], _("The last 12 months"))
    return months, chart


@bp.get("/")
@login_required
def dashboard():
    view = read_view(require_supervisor())
    figures = metrics.totals(view.where, view.period)
    months, chart = _trend_chart(view)
    sort = _sort()
    rows = metrics.ranked(roster.complete(metrics.breakdown(view.where, view.period, view.by),
                                          view, view.by), sort)
    tabs = [d for d in metrics.DIMENSIONS if _tab_makes_sense(view, d)]
    return render_template("supervise/dashboard.html", **_context(
        view, figures=figures, months=months, trend_chart=chart, rows=rows, tabs=tabs,
        sort=sort, overdue=metrics.overdue_count(view.where)))


def _sort() -> str:
    sort = request.args.get("sort") or "on_time"
    if sort not in metrics.SORTS:
        raise InvalidInput(_l("Rankings are by on-time rate or satisfaction rate."),
                           field="sort")
    return sort


def _tab_makes_sense(view: View, by: str) -> bool:
    depth = {"city": 0, "district": 1, "street": 2, "area": 3}
    place = {"district": 1, "street": 2, "area": 3}
    if by in place:
        return place[by] > depth[view.level] and view.chief is None
    if by == "chief":
        return view.chief is None and (view.agency is None)
    if by == "agency":
        return view.agency is None and view.chief is None
    if by == "channel":
        return view.channel is None
    return view.category is None


@bp.get("/rankings")
@login_required
def rankings():
    view = read_view(require_supervisor())
    on_time_target, satisfaction_target = metrics.targets()
    sections = []
    dims = [d for d in ("district", "street", "area", "agency", "chief", "channel")
            if _tab_makes_sense(view, d)]
    for by in dims:
        rows = roster.complete(metrics.breakdown(view.where, view.period, by), view, by)
        on_time = metrics.ranked(list(rows), "on_time")
        satisfied = metrics.ranked([metrics.Row(r.key, r.name, r.totals) for r in rows],
                                   "satisfaction")
        sections.append({
            "by": by, "on_time": on_time, "satisfaction": satisfied,
            "chart": charts.bars([charts.Bar(r.name, r.totals.on_time_rate,
                                             f"({r.totals.on_time}/{r.totals.due})")
                                  for r in on_time[:30]], on_time_target,
                                 _("On-time rate")) if by != "chief" else None,
        })
    return render_template("supervise/rankings.html", **_context(view, sections=sections))


@bp.get("/overdue")
@login_required
def overdue():
    view = read_view(require_supervisor())
    page = _page()
    total = metrics.overdue_count(view.where)
    cases = db.session.scalars(metrics.overdue_query(view.where)
                               .offset((page - 1) * OVERDUE_PAGE).limit(OVERDUE_PAGE)).all()
    return render_template("supervise/overdue.html", **_context(
        view, cases=cases, total=total, page=page, pages=max(1, -(-total // OVERDUE_PAGE)),
        names=tables._names()))


def _page() -> int:
    try:
        page = int(request.args.get("page") or 1)
    except ValueError:
        page = 0
    if not 1 <= page <= 100_000:
        raise InvalidInput(_l("There is no such page."), field="page")
    return page


@bp.get("/hotspots")
@login_required
def hotspots():
    view = read_view(require_supervisor())
    radius, least = tables.hotspot_params(request.args)
    spots = metrics.hotspots(view.where, view.period.first, view.period.last, radius, least)
    polygons = _polygons(view)
    # the same outlines and spots for the base map (static/js/hotspots-map.js)
    on_map = [{"lat": s.lat, "lng": s.lng, "count": s.count, "rank": s.rank, "label": s.name}
              for s in spots]
    return render_template("supervise/hotspots.html", **_context(
        view, spots=spots, radius=radius, least=least, polygons=polygons, on_map=on_map,
        map=_map(view, spots, _("Hotspots"), polygons)))


def _polygons(view: View) -> list[dict]:
    """The outlines of the areas in the view's place."""
    stmt = select(Area.polygon).join(Street, Street.id == Area.street_id)
    if view.area is not None:
        stmt = stmt.where(Area.id == view.area.id)
    elif view.street is not None:
        stmt = stmt.where(Area.street_id == view.street.id)
    elif view.district is not None:
        stmt = stmt.where(Street.district_id == view.district.id)
    return list(db.session.scalars(stmt))


def _map(view: View, spots, title: str, polygons: list[dict] | None = None):
    polygons = _polygons(view) if polygons is None else polygons
    return charts.hotspot_map(polygons, [charts.Spot(s.lng, s.lat, s.count, s.rank, s.name)
                                         for s in spots], title)


@bp.get("/cases")
@login_required
def cases():
    view = read_view(require_supervisor())
    which = request.args.get("which") or "all"
    if which not in metrics.WHICH:
        raise InvalidInput(_l("Unknown list of cases."), field="which")
    page = _page()
    rows = []
    if view.period.counted:
        stmt = (metrics.cases_query(view.where, view.period, which)
                .order_by(Case.id).offset((page - 1) * CASES_PAGE).limit(CASES_PAGE))
        rows = db.session.execute(stmt).all()
    return render_template("supervise/cases.html", **_context(
        view, rows=rows, which=which, page=page, names=tables._names(),
        more=len(rows) == CASES_PAGE))


@bp.get("/bulletin")
@login_required
def bulletin():
    user = require_supervisor()
    view = read_view(user)
    head = masthead.read(request.args, view, _("%(place)s road-chief office",
                                                  place=tables.scope_label(view)))
    # A published month shows the figures as published; what changed since is a revision.
    publication = (metrics_published.latest(view.period.first, view.period.last)
                   if view.period.is_month else None)
    kept = publication.id if publication is not None else None
    figures = metrics.totals(view.where, view.period, kept)
    now_figures = metrics.totals(view.where, view.period) if kept else figures
    months, chart = _trend_chart(view)
    on_time_target, _s = metrics.targets()
    by = view.by
    rows = metrics.breakdown(view.where, view.period, by, kept)
    on_time = metrics.ranked(list(rows), "on_time")
    satisfied = metrics.ranked([metrics.Row(r.key, r.name, r.totals) for r in rows],
                               "satisfaction")
    show_agencies = view.agency is None and view.chief is None
    agencies = (metrics.ranked(metrics.breakdown(view.where, view.period, "agency", kept),
                               "on_time") if show_agencies else [])
    categories = metrics.ranked(metrics.breakdown(view.where, view.period, "category", kept),
                                "on_time")
    channels = (metrics.ranked(metrics.breakdown(view.where, view.period, "channel", kept),
                               "on_time") if view.channel is None else [])
    radius, least = tables.hotspot_params(request.args)
    spots = metrics.hotspots(view.where, view.period.first, view.period.last, radius, least,
                             limit=20)
    return render_template("supervise/bulletin.html", **_context(
        view, masthead=head, figures=figures, months=months, trend_chart=chart, by=by,
        on_time=on_time,
        satisfied=satisfied, agencies=agencies, show_agencies=show_agencies,
        categories=categories, channels=channels, spots=spots, publication=publication,
        revised=now_figures if now_figures != figures else None,
        may_publish=_may_publish(user, view, publication),
        radius=radius, least=least, map=_map(view, spots, _("Hotspots")),
        ranking_chart=charts.bars([charts.Bar(r.name, r.totals.on_time_rate,
                                              f"({r.totals.on_time}/{r.totals.due})")
                                   for r in on_time[:30]], on_time_target, _("On-time rate")),
        overdue=metrics.overdue_count(view.where)))


def _may_publish(user, view: View, publication) -> bool:
    """A city supervisor (or an administrator) publishes a whole month, once, when it is
    over."""
    return (publication is None and view.period.is_month
            and view.period.until >= view.period.last
            and (user.role == "admin" or user.level == "city"))


@bp.post("/bulletin/publish")
@login_required
def publish():
    user = require_supervisor()
    view = read_view(user)
    if not (user.role == "admin" or user.level == "city"):
        raise Forbidden(_l("Only the city's supervisors publish the monthly figures."))
    if not view.period.is_month:
        raise InvalidInput(_l("Only a whole month is published."), field="month")
    done = metrics_published.latest(view.period.first, view.period.last)
    if done is not None:
        raise InvalidInput(_l("This month was published already; its figures stay as "
                              "published."), field="month")
    metrics_published.publish(view.period, user.id)
    flash(_("The figures of %(month)s are published and frozen.",
            month=view.period.first.strftime("%Y-%m")), "success")
    return redirect(url_for("supervise.bulletin", month=view.period.first.strftime("%Y-%m")))


@bp.get("/bulletin/revision")
@login_required
def revision():
    view = read_view(require_supervisor())
    publication = (metrics_published.latest(view.period.first, view.period.last)
                   if view.period.is_month else None)
    if publication is None:
        raise NotFound(_l("This month has not been published."))
    found = metrics_published.revision(publication)
    names = {dim: metrics.member_names(dim, [k for d, k, *_ in (found.changed if found else [])
                                             if d == dim])
             for dim in metrics.DIMENSIONS}
    return render_template("supervise/revision.html", **_context(
        view, publication=publication, revision=found, names=names,
        action_label=lambda action: labels.ACTION.get(action, action)))


@bp.get("/how")
@login_required
def how():
    require_supervisor()
    return render_template("supervise/how.html", targets=metrics.targets(), pct=_pct)


@bp.get("/export/<table>.<fmt>")
@login_required
def export(table: str, fmt: str):
    view = read_view(require_supervisor())
    if fmt not in ("csv", "xlsx") or table not in tables.TABLES:
        raise NotFound(_l("There is no such export."))
    if table == "summary":
        out = tables.summary(view)
    elif table == "trend":
        out = tables.trend(view)
    elif table in ("breakdown", "ranking"):
        out = tables.breakdown(view, view.by, _sort())
    elif table == "overdue":
        out = tables.overdue(view)
    elif table == "hotspots":
        out = tables.hotspots(view, *tables.hotspot_params(request.args))
    else:
        which = request.args.get("which") or "all"
        if which not in metrics.WHICH:
            raise InvalidInput(_l("Unknown list of cases."), field="which")
        out = tables.cases(view, which)
    return exports.respond(out, fmt)


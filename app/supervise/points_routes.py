"""Problem points (问题集中点位): the city list with each point's status, a point's history,
and making a point from a hotspot or by hand."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from app.extensions import db
from app.models import Category, ProblemPoint
from app.services import problem_points
from app.services.admin import Invalid
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.supervise import bp
from app.supervise.query import read_view, require_supervisor
from app.supervise.routes import _context
from workflows import points as policy

FIELD_MAX = 4000


def status_labels() -> dict[str, str]:
    return {policy.RECTIFYING: _("Rectifying"), policy.MET: _("Meets the standard"),
            policy.REBOUND: _("Rebound")}


@bp.get("/points")
@login_required
def points():
    user = require_supervisor()
    view = read_view(user)
    status = request.args.get("status") or None
    if status is not None and status not in policy.STATUSES:
        raise InvalidInput(_l("Unknown status."), field="status")
    rows = problem_points.listing(user, view.where.district_id, view.where.street_id)
    counts = problem_points.counts(rows)
    if status:
        rows = [r for r in rows if r.standing.status == status]
    return render_template("supervise/points.html", **_context(
        view, rows=rows, counts=counts, status=status, statuses=status_labels(),
        may_make=problem_points.may_make(user)))


def _form_value(name: str, default: str = "") -> str:
    value = request.values.get(name, default)
    return value[:FIELD_MAX]


@bp.route("/points/new", methods=["GET", "POST"])
@login_required
def point_new():
    user = require_supervisor()
    if not problem_points.may_make(user):
        raise Forbidden(_l("Only supervisors make problem points."))
    view = read_view(user)
    categories = list(db.session.scalars(select(Category).order_by(Category.sort,
                                                                    Category.id)))
    chosen = [c[:16] for c in request.values.getlist("categories")][:len(categories)]
    draft = problem_points.Draft(
        name=_form_value("name"), lat=_form_value("lat"), lng=_form_value("lng"),
        radius_m=_form_value("radius", "50"), polygon=_form_value("polygon"),
        categories=tuple(chosen), weeks=_form_value("weeks", str(problem_points.default_weeks())),
        source="hotspot" if request.values.get("source") == "hotspot" else "manual",
        note=_form_value("note"))
    problems: dict = {}
    if request.method == "POST":
        try:
            point = problem_points.create(user, draft)
        except Invalid as exc:
            db.session.rollback()
            problems = exc.problems
        else:
            flash(_("Problem point %(name)s is being watched.", name=point.name), "success")
            return redirect(url_for("supervise.point", point_id=point.id), 303)
    return render_template("supervise/points_new.html", **_context(
        view, draft=draft, categories=categories, problems=problems,
        weeks_default=problem_points.default_weeks())), (422 if problems else 200)


@bp.get("/points/<int:point_id>")
@login_required
def point(point_id: int):
    user = require_supervisor()
    view = read_view(user)
    found = db.session.get(ProblemPoint, point_id) if point_id < 2**31 else None
    if found is None:
        raise NotFound(_l("No such problem point."))
    if not problem_points.may_see(user, found):
        raise Forbidden(_l("That is outside the place you supervise."))
    cases = problem_points.substantiated(found)
    return render_template("supervise/points_detail.html", **_context(
        view, point=found, cases=cases, standing=problem_points.standing(found, cases),
        statuses=status_labels()))

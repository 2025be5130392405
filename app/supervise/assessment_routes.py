"""The monthly assessment (考核评估) for supervisors: every district, street, agency and
market contractor scored by the city's scheme with its breakdown, the red and black lists,
and publishing a month (city supervisors and administrators). Also the includes the
bulletin and the supervision page print: the ranking with its lists, and coverage."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from app.services import assessment, coverage
from app.services.errors import Forbidden, InvalidInput
from app.supervise import bp
from app.supervise.query import View, read_view, require_supervisor
from app.supervise.routes import _context
from workflows import assessment as policy
from workflows.lifecycle import Role


def kind_labels() -> dict[str, str]:
    return {"district": _("Districts"), "street": _("Streets"), "agency": _("Agencies"),
            "contractor": _("Market contractors (sanitation companies)")}


def indicator_labels() -> dict[str, str]:
    return {"on_time_rate": _("On-time rate"), "satisfaction_rate": _("Satisfaction rate"),
            "rating_coverage": _("Rating coverage"), "rework_rate": _("Rework rate"),
            "extension_rate": _("Extension rate"), "response_hours": _("Response (h)"),
            "handling_hours": _("Handling (h)")}


def event_labels() -> dict[str, str]:
    return {"late": _("Overdue cases"), "reworked": _("Reworked cases"),
            "dissatisfied": _("Dissatisfied ratings"), "extended": _("Extended cases")}


def _may_publish(user) -> bool:
    return user.role == Role.ADMIN.value or user.level == "city"


def _visible(user, rows: dict[str, list[assessment.UnitScore]]):
    """A supervisor below the city sees every district (the city's ranking), and the
    streets and agencies of their own district or street."""
    if user.role == Role.ADMIN.value or user.level == "city":
        return rows
    out = {"district": rows["district"]}
    for kind in ("street", "agency", "contractor"):
        keep = []
        for r in rows[kind]:
            if kind == "street" and user.street_id:
                ok = r.unit.id == user.street_id
            else:
                ok = r.unit.district_id in (None, user.district_id)
            if ok:
                keep.append(r)
        out[kind] = keep
    return out


def month_scores(view: View):
    """(rows by kind, published month or None, scheme version or None)."""
    if not view.period.is_month:
        raise InvalidInput(_l("The assessment is by whole month."), field="month")
    month = assessment.published(view.period.first)
    if month is not None:
        return assessment.stored(month), month, month.scheme
    rows, _period, scheme = assessment.draft(view.period.first)
    return rows, None, scheme


@bp.get("/assessment")
@login_required
def assessment_page():
    user = require_supervisor()
    view = read_view(user)
    rows, month, scheme = month_scores(view)
    rules = scheme.rules if scheme else policy.DEFAULT_RULES
    return render_template("supervise/assessment.html", **_context(
        view, rows=_visible(user, rows), month=month, scheme=scheme, rules=rules,
        kinds=kind_labels(), indicators=indicator_labels(), events=event_labels(),
        may_publish=(month is None and _may_publish(user)
                     and view.period.until >= view.period.last)))


@bp.post("/assessment/publish")
@login_required
def assessment_publish():
    user = require_supervisor()
    if not _may_publish(user):
        raise Forbidden(_l("Only the city's supervisors publish the assessment."))
    view = read_view(user)
    if not view.period.is_month:
        raise InvalidInput(_l("The assessment is by whole month."), field="month")
    assessment.publish(user, view.period.first)
    flash(_("The assessment of %(month)s is published and frozen.",
            month=view.period.first.strftime("%Y-%m")), "success")
    return redirect(url_for("supervise.assessment_page",
                            month=view.period.first.strftime("%Y-%m")), 303)


@bp.app_template_global()
def assessment_lists(view: View) -> dict | None:
    """The month's ranking with its red and black lists, for the bulletin (None for a
    period that is not a whole month)."""
    if not view.period.is_month:
        return None
    user = require_supervisor()
    rows, month, scheme = month_scores(view)
    return {"rows": _visible(user, rows), "month": month, "scheme": scheme,
            "kinds": kind_labels()}


@bp.app_template_global()
def coverage_of(view: View) -> coverage.Coverage:
    return coverage.coverage(view.where.district_id, view.where.street_id)


@bp.app_template_global()
def coverage_labels() -> dict[str, str]:
    return {"chief": _("active road chief"), "community_worker": _("community worker (楼长)"),
            "shop_supervisor": _("shop-front supervisor (店长)"),
            "joint_forces": _("joint forces (N)")}


@bp.get("/coverage")
@login_required
def coverage_page():
    view = read_view(require_supervisor())
    return render_template("supervise/coverage.html", **_context(view, full=True))


"""The catalogue: categories (with keywords, reminder thresholds and escalation delays) and
their time limits, each change of a limit kept as history."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import labels
from app.admin import bp, forms
from app.admin.common import form_page, get_or_404, save
from app.models import Category
from app.services import routing as routing_service
from app.services.admin import catalogue as catalogue_admin
from workflows.deadlines import Unit
from workflows.routing import LimitKind, Urgency


@bp.get("/catalogue")
def catalogue_list():
    return render_template("admin/catalogue.html", categories=catalogue_admin.categories())


@bp.route("/catalogue/new", methods=["GET", "POST"])
@bp.route("/catalogue/<int:category_id>", methods=["GET", "POST"])
def category_edit(category_id: int | None = None):
    category = get_or_404(Category, category_id) if category_id else None
    errors, status = {}, 200
    data = catalogue_admin.category_row(category) if category else {
        "active": "yes", "grp": "high_frequency", "handler": "road_chief",
        "reminder_thresholds": "50, 80", "escalate_district_hours": 24,
        "escalate_city_hours": 72}
    if request.method == "POST":
        data = forms.category_form(request.form)
        saved, problem = save(lambda: catalogue_admin.save_category(current_user, data, category),
                              _("Saved."))
        if problem is None:
            return redirect(url_for(".category_edit", category_id=saved.id))
        errors, status = problem.problems, 422
    return form_page("admin/category_edit.html", status, **_category_context(
        category, data, errors))


def _category_context(category, data, errors, limit_errors=None):
    rules = routing_service.current_rules(category) if category else {}
    history = catalogue_admin.rule_history(category) if category else []
    return {
        "category": category, "data": data, "errors": errors,
        "limit_errors": limit_errors or {}, "handlers": catalogue_admin.handlers(),
        "groups": catalogue_admin.GROUPS, "kinds": list(LimitKind), "urgencies": list(Urgency),
        "units": list(Unit), "rules": rules, "limit_field": catalogue_admin.limit_field,
        "history": history,
        "recent": catalogue_admin.recent_cases(category) if category else [],
        "rule_names": {r.id: f"{r.amount} {labels.UNIT[Unit(r.unit)]}" for r, _g, _o in history},
    }


@bp.post("/catalogue/<int:category_id>/limits")
def category_limits(category_id: int):
    category = get_or_404(Category, category_id)
    _opened, problem = save(
        lambda: catalogue_admin.set_limits(current_user, category,
                                           catalogue_admin.limits_form(request.form)),
        lambda opened: _("%(n)s time limits changed. They apply to cases dispatched from now "
                         "on; open cases keep the limit they were given.", n=len(opened)))
    if problem is None:
        return redirect(url_for(".category_edit", category_id=category.id) + "#limits")
    return form_page("admin/category_edit.html", 422, **_category_context(
        category, catalogue_admin.category_row(category), {}, problem.problems))

"""Administration of the monthly assessment: the scoring scheme (each save is a new
version; published months keep the version they were scored by) and which agencies are
market contractors (sanitation companies, 环卫企业), assessed as contractors."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.extensions import db
from app.models import Agency
from app.services import assessment
from app.services.admin import Invalid, commit
from app.supervise.assessment_routes import event_labels, indicator_labels
from workflows import assessment as policy

FIELD_MAX = 32


def _number(name: str):
    """A form number as a float, blank as None, anything else as the text (so the scheme's
    check names it)."""
    raw = (request.form.get(name) or "").strip()[:FIELD_MAX]
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        return raw


def _whole(name: str):
    value = _number(name)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def rules_from_form() -> dict:
    indicators = {}
    for key in policy.INDICATORS:
        weight = _number(f"weight-{key}")
        if weight in (None, 0.0):
            continue
        indicators[key] = {"weight": weight, "full": _number(f"full-{key}"),
                           "zero": _number(f"zero-{key}")}
    deductions = {}
    for key in policy.EVENTS:
        points = _number(f"points-{key}")
        if points is None:
            continue
        deductions[key] = {"points": points, "cap": _number(f"cap-{key}")}
    return {
        "indicators": indicators, "deductions": deductions,
        "max_deduction": _number("max_deduction"),
        "red": {"size": _whole("red-size"), "at_least": _number("red-at_least")},
        "black": {"size": _whole("black-size"), "below": _number("black-below")},
    }


def field_label(field: str) -> str:
    """The name a person reads for a problem's field (``indicators.on_time_rate.weight``)."""
    parts = field.split(".")
    names = {**indicator_labels(), **event_labels(), "weights": _("Weight"),
             "max_deduction": _("Largest deduction in all"), "red": _("Red list"),
             "black": _("Black list"), "name": _("Name"), "indicators": _("Indicator"),
             "deductions": _("Deduction for"), "rules": _("Assessment scheme")}
    if len(parts) > 1 and parts[0] in ("indicators", "deductions"):
        return names.get(parts[1], parts[1])
    return names.get(parts[0], parts[0])


def _page(rules: dict, name: str, problems: dict, status: int = 200):
    scheme = assessment.current_scheme()
    agencies = list(db.session.scalars(select(Agency).order_by(Agency.code)))
    return render_template(
        "admin/assessment.html", rules=rules, name=name, problems=problems,
        scheme=scheme, versions=assessment.schemes(), agencies=agencies,
        indicators=indicator_labels(), events=event_labels(), field_label=field_label), status


@bp.get("/assessment")
def assessment_scheme():
    rules, scheme = assessment.scheme_or_default()
    return _page(rules, scheme.name if scheme else _("Default scheme"), {})


@bp.post("/assessment/scheme")
def assessment_scheme_save():
    rules = rules_from_form()
    name = (request.form.get("name") or "")[:200]
    try:
        scheme = assessment.save_scheme(current_user, name, rules)
        commit()
    except Invalid as exc:
        db.session.rollback()
        return _page(rules, name, exc.problems, 422)
    flash(_("Scheme version %(v)s saved; months published before keep their version.",
            v=scheme.version), "success")
    return redirect(url_for("admin.assessment_scheme"), 303)


@bp.post("/assessment/contractors")
def assessment_contractors():
    chosen = set(request.form.getlist("contractor"))
    for agency in db.session.scalars(select(Agency)):
        assessment.set_contractor(current_user, agency, str(agency.id) in chosen)
    commit()
    flash(_("Saved."), "success")
    return redirect(url_for("admin.assessment_scheme"), 303)

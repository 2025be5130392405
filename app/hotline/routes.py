"""The operator's console, the status answer, call notes and follow-up calls; the
supervisors' list of dissatisfied follow-ups handed to them. Read the request, call
``services.hotline`` / ``services.follow_up``, render."""

from __future__ import annotations

import math

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import labels
from app.auth.access import require_roles
from app.extensions import db
from app.hotline import bp
from app.services import follow_up, hotline, intake, places
from app.services.errors import InvalidInput, NotFound, ServiceError
from app.services.notifications import display_code
from app.services.privacy import mask_phone
from workflows.lifecycle import Role
from workflows.routing import Urgency

OPERATORS = (Role.OPERATOR,)
FIELDS = ("phone", "description", "category", "location", "urgency", "address")


def _me():
    return current_user._get_current_object()


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _console(form: dict, errors: dict | None = None, status: int = 200):
    user, locale = _me(), str(get_locale())
    history, phone_error = [], None
    if form.get("phone"):
        try:
            history = hotline.caller_cases(user, hotline.caller_number(form["phone"]))
        except InvalidInput as exc:
            phone_error = str(exc.message)
    errors = dict(errors or {})
    if phone_error and "phone" not in errors:
        errors["phone"] = [phone_error]
    return render_template(
        "hotline/console.html", form=form, errors=errors, history=history,
        categories=intake.categories(hotline.CHANNEL), urgencies=list(Urgency),
        choices=places.choices(), locale=locale, labels=labels,
        bounds=places.city_bounds()), status


@bp.get("/")
@require_roles(*OPERATORS)
def console():
    """A call: the number may come in the URL from the telephony system (?phone=)."""
    return _console({"phone": (request.args.get("phone") or "").strip()[:32],
                     "urgency": Urgency.NORMAL.value})


@bp.post("/")
@require_roles(*OPERATORS)
def take():
    form = {k: request.form.get(k, "") for k in ("phone", "description", "category", "lat",
                                                 "lng", "area_id", "address", "urgency")}
    try:
        case = hotline.take(
            _me(), phone=form["phone"], description=form["description"],
            category=form["category"], lat=_float(form["lat"]), lng=_float(form["lng"]),
            area_id=_int(form["area_id"]), address=form["address"],
            urgency=form["urgency"] or Urgency.NORMAL.value)
    except ServiceError as exc:
        db.session.rollback()
        field = exc.field if exc.field in FIELDS else "form"
        if exc.field == "area":
            field = "location"
        return _console(form, {field: [str(exc.message)]}, exc.status)
    flash(_("Case %(code)s made for the caller; they get its receipt by SMS.",
            code=display_code(case.code)), "success")
    return redirect(url_for("hotline.console", phone=form["phone"], done=case.code), 303)


@bp.get("/suggest.json")
@require_roles(*OPERATORS)
def suggest():
    """What the caller's words suggest, asked as the operator types."""
    found = hotline.suggest(request.args.get("text", ""))
    locale = str(get_locale())
    area = places.choice(found.area_id)
    return jsonify(
        category=found.category, category_name=hotline.category_name(found.category, locale),
        alternatives=[{"code": c, "name": hotline.category_name(c, locale)}
                      for c in found.alternatives],
        area_id=found.area_id, place=area.words(locale) if area else None,
        roads=list(found.roads), matched=list(found.matched))


@bp.get("/status")
@require_roles(*OPERATORS)
def status():
    query = (request.args.get("q") or "").strip()[:32]
    kind, found, error = None, [], None
    if query:
        try:
            kind, found = hotline.status(_me(), query)
        except InvalidInput:
            error = _("Give a case code (8 letters and digits) or the caller's mobile number.")
    return render_template("hotline/status.html", q=query, kind=kind, found=found,
                           error=error, locale=str(get_locale()), labels=labels), \
        (422 if error else 200)


@bp.post("/cases/<code>/note")
@require_roles(*OPERATORS)
def note(code: str):
    back = url_for("hotline.status", q=code)
    try:
        hotline.call_note(_me(), code, request.form.get("note", ""),
                          _int(request.form.get("version")))
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(back, 303)
    flash(_("The call note is on the case's record."), "success")
    return redirect(back, 303)


# -- follow-up calls (回访) --------------------------------------------------------------------


@bp.get("/follow-ups")
@require_roles(*OPERATORS)
def follow_ups():
    return render_template("hotline/follow_ups.html", due=follow_up.due(_me()),
                           days=current_app.config.get("FOLLOW_UP_AFTER_DAYS", 3),
                           locale=str(get_locale()), labels=labels, mask_phone=mask_phone)


@bp.post("/follow-ups/<int:case_id>")
@require_roles(*OPERATORS)
def record_follow_up(case_id: int):
    outcome = request.form.get("outcome", "")
    reached = outcome in ("1", "2", "3")
    try:
        if outcome not in ("1", "2", "3", "unreached"):
            raise InvalidInput(_("Choose the outcome of the call."), field="outcome")
        follow_up.record(_me(), case_id, reached=reached,
                         score=int(outcome) if reached else None,
                         words=request.form.get("words", ""),
                         hand_over=bool(request.form.get("hand_over")))
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("hotline.follow_ups"), 303)
    flash(_("Follow-up call recorded."), "success")
    return redirect(url_for("hotline.follow_ups"), 303)


@bp.get("/handed")
@require_roles(Role.SUPERVISOR, Role.ADMIN)
def handed():
    """Dissatisfied follow-ups handed over: a supervisor reopens (回访重办) from here."""
    return render_template("hotline/handed.html", rows=follow_up.handed(_me()),
                           locale=str(get_locale()), labels=labels,
                           category=lambda case: case.category)

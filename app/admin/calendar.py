"""The working calendar: holidays and make-up working days (one by one or the official
arrangement of a year) and office hours."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp, forms
from app.admin.common import act
from app.services.admin import calendar as calendar_admin


@bp.get("/calendar")
def calendar_page():
    year = request.args.get("year", type=int) or date.today().year
    if not 1900 <= year <= 2200:  # a calendar page for any other year makes no sense
        year = date.today().year
    return render_template("admin/calendar.html", years=calendar_admin.years(), year=year,
                           days=calendar_admin.days_of(year),
                           hours=calendar_admin.office_hours(), errors={})


@bp.post("/calendar/days")
def calendar_day():
    row = act(lambda: calendar_admin.set_day(
        current_user, forms.values(request.form, "date", "kind", "name")), _("Saved."))
    return redirect(url_for(".calendar_page",
                            year=row.day.year if row else request.form.get("year")))


@bp.post("/calendar/days/<day>/delete")
def calendar_day_delete(day: str):
    parsed = calendar_admin.parse_day(day) or abort(404)
    act(lambda: calendar_admin.delete_day(current_user, parsed), _("Removed."))
    return redirect(url_for(".calendar_page", year=parsed.year))


@bp.post("/calendar/hours")
def calendar_hours():
    starts, ends = request.form.getlist("start"), request.form.getlist("end")
    act(lambda: calendar_admin.set_office_hours(current_user,
                                                list(zip(starts, ends, strict=False))),
        _("Office hours saved. They apply to deadlines computed from now on."))
    return redirect(url_for(".calendar_page"))


@bp.post("/calendar/official")
def calendar_official():
    year = request.form.get("year", type=int) or 0
    act(lambda: calendar_admin.load_official(current_user, year),
        lambda n: _("Loaded %(n)s holidays and make-up days for %(year)s.", n=n, year=year))
    return redirect(url_for(".calendar_page", year=year or None))

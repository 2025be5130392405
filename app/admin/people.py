"""People: staff accounts (with a temporary password on creation or reset) and the
agencies (联动单位) with the categories they handle."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp, forms
from app.admin.common import form_page, get_or_404, save
from app.models import Agency, User
from app.models.people import STAFF_ROLES
from app.services.admin import catalogue as catalogue_admin
from app.services.admin import commit, imports, people, places


@bp.get("/staff")
def staff_list():
    args = {k: request.args.get(k, "") for k in ("role", "place", "q", "active")}
    page = max(1, request.args.get("page", 1, type=int) or 1)
    users, total = people.staff_page(page, **args)
    return render_template("admin/staff.html", users=users, total=total, page=page,
                           per_page=people.STAFF_PER_PAGE, args=args, roles=STAFF_ROLES,
                           places=people.place_choices())


@bp.route("/staff/new", methods=["GET", "POST"])
@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
def staff_edit(user_id: int | None = None):
    user = get_or_404(User, user_id) if user_id else None
    errors, status, password = {}, 200, None
    data = imports.staff_row(user) if user else {"active": "yes", "language": "zh_Hans_CN"}
    if request.method == "POST":
        data = forms.user_form(request.form)
        saved, problem = save(lambda: people.save_user(current_user, data, user))
        if problem is not None:
            errors, status = problem.problems, 422
        else:
            user, password = saved
            if password is None:  # a new account shows its temporary password instead
                flash(_("Saved."))
                return redirect(url_for(".staff_edit", user_id=user.id))
            data = imports.staff_row(user)
    return form_page("admin/staff_edit.html", status, user=user, data=data, errors=errors,
                     roles=STAFF_ROLES, places=people.place_choices(), password=password,
                     agencies=people.agencies(),
                     chief_of=people.areas_led_by(user) if user else [])


@bp.post("/staff/<int:user_id>/password")
def staff_password(user_id: int):
    user = get_or_404(User, user_id)
    password = people.reset_password(current_user, user)
    commit()
    return render_template("admin/password.html", user=user, password=password)


@bp.get("/agencies")
def agency_list():
    return render_template("admin/agencies.html", agencies=people.agencies(),
                           staff_counts=people.staff_counts_by_agency())


@bp.route("/agencies/new", methods=["GET", "POST"])
@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
def agency_edit(agency_id: int | None = None):
    agency = get_or_404(Agency, agency_id) if agency_id else None
    errors, status = {}, 200
    data = {"code": agency.code, "handler": agency.handler,
            "district": agency.district.code if agency.district else "",
            "name_zh": agency.name_zh, "name_en": agency.name_en,
            "duty_phone": agency.duty_phone or "",
            "categories": [c.code for c in agency.categories]} if agency else {"categories": []}
    if request.method == "POST":
        data = forms.agency_form(request.form)
        saved, problem = save(lambda: people.save_agency(current_user, data, agency),
                              _("Saved."))
        if problem is None:
            return redirect(url_for(".agency_edit", agency_id=saved.id))
        errors, status = problem.problems, 422
    return form_page("admin/agency_edit.html", status, agency=agency, data=data, errors=errors,
                     districts=places.districts(), categories=catalogue_admin.categories(),
                     staff=people.agency_staff(agency) if agency else [])

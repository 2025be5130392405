"""Administration routes: read the request, call an admin service, render."""

from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app import labels
from app.admin import bp, forms
from app.admin.names import ACTION_LABELS, IMPORT_LABELS, KIND_LABELS, TEAM_LABELS
from app.extensions import db
from app.models import (
    Agency,
    ApiKey,
    Area,
    Category,
    District,
    Street,
    TeamKind,
    TeamMembership,
    User,
)
from app.models.people import STAFF_ROLES
from app.services import calendar as calendar_service
from app.services import routing as routing_service
from app.services.admin import Invalid, api_keys, area_map, audit, commit, imports, people, places
from app.services.admin import calendar as calendar_admin
from app.services.admin import catalogue as catalogue_admin
from app.web import signed_in
from workflows.deadlines import Unit
from workflows.lifecycle import Role
from workflows.routing import LimitKind, Urgency

IMPORT_KINDS = ("areas", "staff", "road_chiefs", "catalogue", "calendar")


@bp.before_request
@login_required
def administrators_only():
    if current_user.role != Role.ADMIN.value:
        abort(403)


@bp.app_context_processor
def calendar_coverage():
    """The warning shown on every staff page when the calendar runs out within 60 days."""
    # Those who can act on it (or tell who can); not on a road chief's phone.
    if not signed_in() or current_user.role not in (Role.ADMIN.value, Role.SUPERVISOR.value):
        return {"calendar_warning": None}
    return {"calendar_warning": calendar_service.coverage_warning()}


@bp.errorhandler(403)
def forbidden(exc):
    return render_template("error.html",
                           message=_("Only administrators may open this page.")), 403


def _get(model, ident):
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def _form_page(template: str, status: int = 200, **context):
    return render_template(template, **context), status


# -- overview ---------------------------------------------------------------------------------


@bp.get("/")
def index():
    counts = {
        "districts": db.session.scalar(select(func.count()).select_from(District)),
        "streets": db.session.scalar(select(func.count()).select_from(Street)),
        "areas": db.session.scalar(select(func.count()).select_from(Area)),
        "staff": db.session.scalar(select(func.count()).select_from(User)),
        "agencies": db.session.scalar(select(func.count()).select_from(Agency)),
        "categories": db.session.scalar(select(func.count()).select_from(Category)),
        "api_keys": db.session.scalar(select(func.count()).select_from(ApiKey)
                                      .where(ApiKey.revoked_at.is_(None))),
    }
    no_chief = db.session.scalar(select(func.count()).select_from(Area)
                                 .where(Area.road_chief_id.is_(None)))
    recent, _total = audit.entries(per_page=10)
    return render_template("admin/index.html", counts=counts, no_chief=no_chief, recent=recent)


# -- places -----------------------------------------------------------------------------------


@bp.route("/places", methods=["GET", "POST"])
def place_list():
    errors, data, status = {}, {}, 200
    if request.method == "POST":
        kind = request.form.get("kind")
        data = forms.street_form(request.form) if kind == "street" \
            else forms.district_form(request.form)
        try:
            if kind == "street":
                street = _get(Street, int(request.form["id"])) if request.form.get("id") else None
                places.save_street(current_user, data, street)
            else:
                district = _get(District, int(request.form["id"])) \
                    if request.form.get("id") else None
                places.save_district(current_user, data, district)
            commit()
            flash(_("Saved."))
            return redirect(url_for(".place_list"))
        except Invalid as exc:
            db.session.rollback()
            errors, status = exc.problems, 422
            data["kind"] = kind
    return _form_page("admin/places.html", status, districts=places.districts(),
                      errors=errors, data=data)


@bp.get("/areas")
def area_list():
    street_id = request.args.get("street", type=int)
    q = request.args.get("q", "")
    return render_template("admin/areas.html", areas=places.areas(street_id, q), q=q,
                           street_id=street_id, districts=places.districts())


@bp.route("/areas/new", methods=["GET", "POST"])
@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
def area_edit(area_id: int | None = None):
    area = _get(Area, area_id) if area_id else None
    errors, status = {}, 200
    data = {"code": area.code, "street": area.street.code, "name_zh": area.name_zh,
            "name_en": area.name_en, "roads": places.roads_text(area)} if area else {}
    if request.method == "POST":
        data = forms.area_form(request.form, request.files)
        try:
            area = places.save_area(current_user, data, area)
            commit()
            overlaps = places.overlaps_of(area)
            flash(_("Area %(code)s saved.", code=area.code))
            for other, m2 in overlaps:
                flash(_("Warning: %(code)s overlaps area %(other)s by about %(m2)s m².",
                        code=area.code, other=other, m2=f"{m2:,.0f}"), "warning")
            return redirect(url_for(".area_edit", area_id=area.id))
        except Invalid as exc:
            db.session.rollback()
            errors, status = exc.problems, 422
            if isinstance(data.get("polygon"), bytes):
                data["polygon"] = data["polygon"].decode("utf-8", "replace")
    others = _neighbours(area)
    return _form_page(
        "admin/area_edit.html", status, area=area, data=data, errors=errors,
        streets=db.session.scalars(select(Street).order_by(Street.code)).all(),
        polygon=area.polygon if area and "polygon" not in data else data.get("polygon"),
        others=others, chiefs=_active(Role.ROAD_CHIEF), members=_team_candidates(),
        team_kinds=list(TeamKind),
        held=people.open_cases_held(area, area.road_chief_id) if area else 0)


def _neighbours(area: Area | None, limit: int = 400) -> list[tuple[str, dict]]:
    """Areas to sketch around the one being drawn: those near it, or (for a new area) all
    of them while there are not too many to send."""
    rows = [(a.code, a.polygon) for a in places.areas() if area is None or a.id != area.id]
    if area is not None:
        from shapely.geometry import shape

        near = shape(area.polygon).envelope.buffer(0.01)
        rows = [(c, p) for c, p in rows if shape(p).intersects(near)]
    return rows[:limit]


def _active(role: Role) -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == role.value,
                                                      User.active.is_(True))
                                   .order_by(User.username)))


def _team_candidates() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.role.in_([Role.TEAM_MEMBER.value, Role.ROAD_CHIEF.value]),
        User.active.is_(True)).order_by(User.username)))


@bp.post("/areas/<int:area_id>/delete")
def area_delete(area_id: int):
    area = _get(Area, area_id)
    try:
        places.delete_area(current_user, area)
        commit()
        flash(_("Area deleted."))
        return redirect(url_for(".area_list"))
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".area_edit", area_id=area_id))


@bp.post("/areas/<int:area_id>/chief")
def area_chief(area_id: int):
    area = _get(Area, area_id)
    user_id = request.form.get("road_chief", type=int)
    user = db.session.get(User, user_id) if user_id else None
    try:
        moved = people.set_chief(current_user, area, user, request.form.get("reason", ""))
        flash(_("Road chief saved; %(n)s open cases handed over.", n=moved))
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".area_edit", area_id=area_id))


@bp.post("/areas/<int:area_id>/team")
def area_team_add(area_id: int):
    area = _get(Area, area_id)
    user_id = request.form.get("user", type=int)
    try:
        people.add_member(current_user, area, db.session.get(User, user_id) if user_id else None,
                          request.form.get("kind", ""))
        commit()
        flash(_("Saved."))
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".area_edit", area_id=area_id) + "#team")


@bp.post("/areas/<int:area_id>/team/<int:member_id>/delete")
def area_team_remove(area_id: int, member_id: int):
    member = _get(TeamMembership, member_id)
    if member.area_id != area_id:
        abort(404)
    people.remove_member(current_user, member)
    commit()
    flash(_("Removed from the team."))
    return redirect(url_for(".area_edit", area_id=area_id) + "#team")


@bp.get("/map")
def area_map_page():
    return render_template("admin/map.html", result=area_map.analyse())


# -- people -------------------------------------------------------------------------------------


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
    user = _get(User, user_id) if user_id else None
    errors, status, password = {}, 200, None
    data = imports.staff_row(user) if user else {"active": "yes", "language": "zh_Hans_CN"}
    if request.method == "POST":
        data = forms.user_form(request.form)
        try:
            user, password = people.save_user(current_user, data, user)
            commit()
            if password is None:
                flash(_("Saved."))
                return redirect(url_for(".staff_edit", user_id=user.id))
            data = imports.staff_row(user)
        except Invalid as exc:
            db.session.rollback()
            errors, status = exc.problems, 422
    chief_of = db.session.scalars(select(Area).where(Area.road_chief_id == user.id)).all() \
        if user else []
    return _form_page("admin/staff_edit.html", status, user=user, data=data, errors=errors,
                      roles=STAFF_ROLES, places=people.place_choices(), password=password,
                      agencies=db.session.scalars(select(Agency).order_by(Agency.code)).all(),
                      chief_of=chief_of)


@bp.post("/staff/<int:user_id>/password")
def staff_password(user_id: int):
    user = _get(User, user_id)
    password = people.reset_password(current_user, user)
    commit()
    return render_template("admin/password.html", user=user, password=password)


@bp.get("/agencies")
def agency_list():
    agencies = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    staff_counts = dict(db.session.execute(select(User.agency_id, func.count())
                                           .group_by(User.agency_id)).all())
    return render_template("admin/agencies.html", agencies=agencies, staff_counts=staff_counts)


@bp.route("/agencies/new", methods=["GET", "POST"])
@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
def agency_edit(agency_id: int | None = None):
    agency = _get(Agency, agency_id) if agency_id else None
    errors, status = {}, 200
    data = {"code": agency.code, "handler": agency.handler,
            "district": agency.district.code if agency.district else "",
            "name_zh": agency.name_zh, "name_en": agency.name_en,
            "duty_phone": agency.duty_phone or "",
            "categories": [c.code for c in agency.categories]} if agency else {"categories": []}
    if request.method == "POST":
        data = forms.agency_form(request.form)
        try:
            agency = people.save_agency(current_user, data, agency)
            commit()
            flash(_("Saved."))
            return redirect(url_for(".agency_edit", agency_id=agency.id))
        except Invalid as exc:
            db.session.rollback()
            errors, status = exc.problems, 422
    return _form_page("admin/agency_edit.html", status, agency=agency, data=data, errors=errors,
                      districts=places.districts(), categories=catalogue_admin.categories(),
                      staff=people.agency_staff(agency) if agency else [])


# -- catalogue and limits ---------------------------------------------------------------------


@bp.get("/catalogue")
def catalogue_list():
    return render_template("admin/catalogue.html", categories=catalogue_admin.categories())


@bp.route("/catalogue/new", methods=["GET", "POST"])
@bp.route("/catalogue/<int:category_id>", methods=["GET", "POST"])
def category_edit(category_id: int | None = None):
    category = _get(Category, category_id) if category_id else None
    errors, status = {}, 200
    data = catalogue_admin.category_row(category) if category else {
        "active": "yes", "grp": "high_frequency", "handler": "road_chief",
        "reminder_thresholds": "50, 80", "escalate_district_hours": 24,
        "escalate_city_hours": 72}
    if request.method == "POST":
        data = forms.category_form(request.form)
        try:
            category = catalogue_admin.save_category(current_user, data, category)
            commit()
            flash(_("Saved."))
            return redirect(url_for(".category_edit", category_id=category.id))
        except Invalid as exc:
            db.session.rollback()
            errors, status = exc.problems, 422
    return _form_page("admin/category_edit.html", status, **_category_context(
        category, data, errors))


def _category_context(category, data, errors, limit_errors=None):
    rules = routing_service.current_rules(category) if category else {}
    return {
        "category": category, "data": data, "errors": errors,
        "limit_errors": limit_errors or {}, "handlers": catalogue_admin.handlers(),
        "groups": catalogue_admin.GROUPS, "kinds": list(LimitKind), "urgencies": list(Urgency),
        "units": list(Unit), "rules": rules, "limit_field": catalogue_admin.limit_field,
        "history": catalogue_admin.rule_history(category) if category else [],
        "recent": catalogue_admin.recent_cases(category) if category else [],
        "rule_names": {r.id: f"{r.amount} {labels.UNIT[Unit(r.unit)]}" for r, _g, _o in
                       (catalogue_admin.rule_history(category) if category else [])},
    }


@bp.post("/catalogue/<int:category_id>/limits")
def category_limits(category_id: int):
    category = _get(Category, category_id)
    try:
        limits = catalogue_admin.limits_form(request.form)
        opened = catalogue_admin.set_limits(current_user, category, limits)
        commit()
        flash(_("%(n)s time limits changed. They apply to cases dispatched from now on; open "
                "cases keep the limit they were given.", n=len(opened)))
        return redirect(url_for(".category_edit", category_id=category.id) + "#limits")
    except Invalid as exc:
        db.session.rollback()
        return _form_page("admin/category_edit.html", 422, **_category_context(
            category, catalogue_admin.category_row(category), {}, exc.problems))


# -- calendar ------------------------------------------------------------------------------------


@bp.get("/calendar")
def calendar_page():
    years = calendar_admin.years()
    today = date.today()
    year = request.args.get("year", type=int) or today.year
    return render_template("admin/calendar.html", years=years, year=year,
                           days=calendar_admin.days_of(year),
                           hours=calendar_admin.office_hours(), errors={})


@bp.post("/calendar/days")
def calendar_day():
    try:
        row = calendar_admin.set_day(current_user, forms.values(request.form, "date", "kind",
                                                                "name"))
        commit()
        flash(_("Saved."))
        return redirect(url_for(".calendar_page", year=row.day.year))
    except Invalid as exc:
        db.session.rollback()
        for message in exc.problems.values():
            flash(str(message), "error")
        return redirect(url_for(".calendar_page", year=request.form.get("year")))


@bp.post("/calendar/days/<day>/delete")
def calendar_day_delete(day: str):
    parsed = calendar_admin.parse_day(day) or abort(404)
    try:
        calendar_admin.delete_day(current_user, parsed)
        commit()
        flash(_("Removed."))
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".calendar_page", year=parsed.year))


@bp.post("/calendar/hours")
def calendar_hours():
    starts, ends = request.form.getlist("start"), request.form.getlist("end")
    try:
        calendar_admin.set_office_hours(current_user, list(zip(starts, ends, strict=False)))
        commit()
        flash(_("Office hours saved. They apply to deadlines computed from now on."))
    except Invalid as exc:
        db.session.rollback()
        for message in exc.problems.values():
            flash(str(message), "error")
    return redirect(url_for(".calendar_page"))


@bp.post("/calendar/official")
def calendar_official():
    year = request.form.get("year", type=int) or 0
    try:
        n = calendar_admin.load_official(current_user, year)
        commit()
        flash(_("Loaded %(n)s holidays and make-up days for %(year)s.", n=n, year=year))
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".calendar_page", year=year or None))


# -- import and export -------------------------------------------------------------------------


@bp.get("/import")
def import_page():
    return render_template("admin/import.html", kinds=IMPORT_KINDS,
                           kind=request.args.get("kind", "staff"))


@bp.post("/import/<kind>")
def import_check(kind: str):
    if kind not in IMPORT_KINDS:
        abort(404)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to import."), "error")
        return redirect(url_for(".import_page", kind=kind))
    content = upload.read()
    report = imports.dry_run(current_user, kind, content, upload.filename)
    token = imports.stash(content) if report.ok else None
    return render_template("admin/import_report.html", report=report, kind=kind, token=token,
                           filename=upload.filename), 200 if report.ok else 422


@bp.post("/import/<kind>/apply")
def import_apply(kind: str):
    if kind not in IMPORT_KINDS:
        abort(404)
    token = request.form.get("token", "")
    filename = request.form.get("filename", "upload")[:100]
    content = imports.unstash(token)
    if content is None:
        flash(_("That upload has expired: choose the file again."), "error")
        return redirect(url_for(".import_page", kind=kind))
    report = imports.apply(current_user, kind, content, filename)
    if report.applied:
        imports.forget(token)
    return render_template("admin/import_report.html", report=report, kind=kind,
                           token=token if not report.applied and report.ok else None,
                           filename=filename), 200 if report.applied else 422


@bp.get("/export/<kind>.<fmt>")
def export(kind: str, fmt: str):
    import json

    if kind == "areas" and fmt == "geojson":
        body = json.dumps(imports.areas_geojson(), ensure_ascii=False, indent=1).encode()
        return _download(body, "areas.geojson", "application/geo+json")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if kind == "staff":
        users = db.session.scalars(select(User).order_by(User.username))
        rows, columns = [imports.staff_row(u) for u in users], imports.STAFF_COLUMNS
    elif kind == "road_chiefs":
        rows, columns = imports.chief_rows(), imports.CHIEF_COLUMNS
    elif kind == "catalogue":
        rows = [catalogue_admin.category_row(c) for c in catalogue_admin.categories()]
        columns = catalogue_admin.CATALOGUE_COLUMNS
    elif kind.startswith("calendar-") and kind[9:].isdigit():
        rows, columns = imports.calendar_rows(int(kind[9:])), calendar_admin.CALENDAR_COLUMNS
    else:
        abort(404)
    mimetype = "text/csv" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(imports.write_table(columns, rows, fmt), f"{kind}.{fmt}", mimetype)


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


# -- API keys ------------------------------------------------------------------------------------


@bp.route("/api-keys", methods=["GET", "POST"])
def api_key_list():
    errors, status, token, created = {}, 200, None, None
    if request.method == "POST":
        try:
            created, token = api_keys.create(current_user, request.form.get("name", ""),
                                             request.form.get("rate_per_minute", ""))
            commit()
        except Invalid as exc:
            db.session.rollback()
            errors, status = exc.problems, 422
    return _form_page("admin/api_keys.html", status, keys=api_keys.keys(), errors=errors,
                      token=token, created=created, data=request.form)


@bp.post("/api-keys/<int:key_id>/revoke")
def api_key_revoke(key_id: int):
    try:
        api_keys.revoke(current_user, _get(ApiKey, key_id))
        commit()
        flash(_("Key revoked: it no longer works."))
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".api_key_list"))


@bp.post("/api-keys/<int:key_id>/rate")
def api_key_rate(key_id: int):
    try:
        api_keys.set_rate(current_user, _get(ApiKey, key_id),
                          request.form.get("rate_per_minute", ""))
        commit()
        flash(_("Saved."))
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".api_key_list"))


# -- audit --------------------------------------------------------------------------------------


@bp.get("/audit")
def audit_log():
    page = max(request.args.get("page", 1, type=int), 1)
    entity = request.args.get("entity", "")
    username = request.args.get("user", "")
    key = request.args.get("key", "")
    entries, total = audit.entries(entity or None, username or None, key or None, page)
    return render_template("admin/audit.html", entries=entries, total=total, page=page,
                           entity=entity, username=username, key=key,
                           entities=audit.entities(), changes=audit.changes, per_page=50)


@bp.app_template_filter("admin_label")
def admin_label(value: str) -> str:
    """Translated names for roles, team positions and limit kinds in admin pages."""
    names = {**{r.value: labels.ROLE[r] for r in Role}, **TEAM_LABELS,
             **{u.value: labels.UNIT[u] for u in Unit},
             **{u.value: labels.URGENCY[u] for u in Urgency}, **KIND_LABELS}
    return str(names.get(value, value))


@bp.app_template_global()
def audit_changes(entry):
    return audit.changes(entry)


@bp.app_template_global()
def admin_names():
    return {"imports": IMPORT_LABELS, "actions": ACTION_LABELS, "team": TEAM_LABELS}


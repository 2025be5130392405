"""Places: districts and streets, responsibility areas (drawn or uploaded) with their roads,
road chief and team, and the area map with its gaps and overlaps."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp, forms
from app.admin.common import act, form_page, get_or_404, save
from app.extensions import db
from app.models import Area, District, Street, TeamKind, TeamMembership, User
from app.services.admin import area_map, people, places
from workflows.lifecycle import Role


@bp.route("/places", methods=["GET", "POST"])
def place_list():
    errors, data, status = {}, {}, 200
    if request.method == "POST":
        kind = request.form.get("kind")
        row_id = request.form.get("id", type=int) if request.form.get("id") else None
        if request.form.get("id") and row_id is None:
            abort(404)  # the record a form names is a whole number
        if kind == "street":
            data = forms.street_form(request.form)
            street = get_or_404(Street, row_id) if row_id else None
            _saved, problem = save(lambda: places.save_street(current_user, data, street),
                                   _("Saved."))
        else:
            data = forms.district_form(request.form)
            district = get_or_404(District, row_id) if row_id else None
            _saved, problem = save(lambda: places.save_district(current_user, data, district),
                              _("Saved."))
        if problem is None:
            return redirect(url_for(".place_list"))
        errors, status = problem.problems, 422
        data["kind"] = kind
    return form_page("admin/places.html", status, districts=places.districts(),
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
    area = get_or_404(Area, area_id) if area_id else None
    errors, status = {}, 200
    data = {"code": area.code, "street": area.street.code, "name_zh": area.name_zh,
            "name_en": area.name_en, "roads": places.roads_text(area)} if area else {}
    if request.method == "POST":
        data = forms.area_form(request.form, request.files)
        saved, problem = save(lambda: places.save_area(current_user, data, area),
                              lambda saved: _("Area %(code)s saved.", code=saved.code))
        if problem is None:
            for other, m2 in places.overlaps_of(saved):
                flash(_("Warning: %(code)s overlaps area %(other)s by about %(m2)s m².",
                        code=saved.code, other=other, m2=f"{m2:,.0f}"), "warning")
            return redirect(url_for(".area_edit", area_id=saved.id))
        errors, status = problem.problems, 422
        if isinstance(data.get("polygon"), bytes):
            data["polygon"] = data["polygon"].decode("utf-8", "replace")
    return form_page(
        "admin/area_edit.html", status, area=area, data=data, errors=errors,
        streets=places.streets(),
        polygon=area.polygon if area and "polygon" not in data else data.get("polygon"),
        others=_neighbours(area), chiefs=people.active_users(Role.ROAD_CHIEF),
        members=people.active_users(Role.TEAM_MEMBER, Role.ROAD_CHIEF),
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


@bp.post("/areas/<int:area_id>/delete")
def area_delete(area_id: int):
    area = get_or_404(Area, area_id)
    _done, problem = save(lambda: places.delete_area(current_user, area), _("Area deleted."))
    if problem is None:
        return redirect(url_for(".area_list"))
    flash(str(problem.message), "error")
    return redirect(url_for(".area_edit", area_id=area_id))


@bp.post("/areas/<int:area_id>/chief")
def area_chief(area_id: int):
    area = get_or_404(Area, area_id)
    user_id = request.form.get("road_chief", type=int)
    user = db.session.get(User, user_id) if user_id else None
    # set_chief commits by itself (the hand-over of open cases goes through the door).
    act(lambda: people.set_chief(current_user, area, user, request.form.get("reason", "")),
        lambda moved: _("Road chief saved; %(n)s open cases handed over.", n=moved))
    return redirect(url_for(".area_edit", area_id=area_id))


@bp.post("/areas/<int:area_id>/team")
def area_team_add(area_id: int):
    area = get_or_404(Area, area_id)
    user_id = request.form.get("user", type=int)
    user = db.session.get(User, user_id) if user_id else None
    act(lambda: people.add_member(current_user, area, user, request.form.get("kind", "")),
        _("Saved."))
    return redirect(url_for(".area_edit", area_id=area_id) + "#team")


@bp.post("/areas/<int:area_id>/team/<int:member_id>/delete")
def area_team_remove(area_id: int, member_id: int):
    member = get_or_404(TeamMembership, member_id)
    if member.area_id != area_id:
        abort(404)
    act(lambda: people.remove_member(current_user, member), _("Removed from the team."))
    return redirect(url_for(".area_edit", area_id=area_id) + "#team")


@bp.get("/map")
def area_map_page():
    return render_template("admin/map.html", result=area_map.analyse())

"""Administration of landmarks (its own section): the list, a form to add or edit one,
and delete. The administrators-only check of the admin blueprint applies."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.extensions import db
from app.models import Landmark
from app.services import landmarks
from app.services.admin import Invalid, commit


def _row(landmark: Landmark | None) -> dict:
    if landmark is None:
        return {"active": "y"}
    return {"name": landmark.name, "name_en": landmark.name_en,
            "aliases": ", ".join(landmark.aliases or []), "lat": landmark.lat,
            "lng": landmark.lng, "active": "y" if landmark.active else ""}


@bp.route("/landmarks", methods=["GET", "POST"])
@bp.route("/landmarks/<int:landmark_id>", methods=["GET", "POST"])
def landmark_list(landmark_id: int | None = None):
    landmark = None
    if landmark_id is not None:
        landmark = db.session.get(Landmark, landmark_id)
        if landmark is None:
            abort(404)
    errors, status, data = {}, 200, _row(landmark)
    if request.method == "POST":
        data = request.form
        try:
            landmarks.save(current_user, request.form, landmark)
            commit()
            landmarks.invalidate()
            flash(_("Saved."))
            return redirect(url_for(".landmark_list"))
        except Invalid as exc:
            db.session.rollback()
            errors, status = exc.problems, 422
    rows = db.session.scalars(select(Landmark).order_by(Landmark.name)).all()
    areas = {m.id: landmarks.area_of(m.lat, m.lng) for m in rows}
    from app.services.places import choice

    area_names = {i: (choice(a).name_zh if choice(a) else "") for i, a in areas.items()}
    return render_template("admin/landmarks.html", rows=rows, area_names=area_names,
                           editing=landmark, data=data, errors=errors), status


@bp.post("/landmarks/<int:landmark_id>/delete")
def landmark_delete(landmark_id: int):
    landmark = db.session.get(Landmark, landmark_id)
    if landmark is None:
        abort(404)
    landmarks.delete(current_user, landmark)
    commit()
    landmarks.invalidate()
    flash(_("Landmark deleted."))
    return redirect(url_for(".landmark_list"))

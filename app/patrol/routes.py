"""The patrol report form and the inspector's reports of today. Read the request, call
``services.patrol``, render. The form works without JavaScript; patrol.js sends it in the
background so that a failed upload keeps everything typed for a second try."""

from __future__ import annotations

import base64
import math

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from app import labels
from app.auth.access import require_roles
from app.extensions import db
from app.patrol import bp
from app.public.uploads import discard, load, preview, stage
from app.services import intake, media, patrol, places
from app.services.errors import InvalidInput, ServiceError
from app.services.notifications import display_code
from workflows.lifecycle import Role
from workflows.routing import Urgency

FIELDS = ("category", "urgency", "note", "location", "photos", "after_photos")
FIELD_OF = {"photo": "photos", "description": "note", "area": "location"}


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _files(name: str) -> list[media.Photo]:
    return [media.Photo(f.read(), f.filename or "") for f in request.files.getlist(name)
            if f and f.filename]


def _held(name: str) -> list[str]:
    return list(_kept(name))


def _kept(name: str) -> dict[str, media.Photo]:
    """The photos kept by an earlier step (or as soon as they were taken), by token."""
    out = {}
    for token in request.form.getlist(name)[:media.MAX_PHOTOS]:
        photo = load(token)
        if photo is not None:
            out[token] = photo
    return out


def _render(form: dict, errors: dict | None = None, status: int = 200, held=(), after=(),
            notice=None):
    user = current_user._get_current_object()
    return render_template(
        "patrol/report.html", form=form, errors=errors or {}, notice=notice,
        categories=intake.usual_first(user, patrol.CHANNEL), urgencies=list(Urgency),
        held=[(t, preview(p)) for t, p in ((t, load(t)) for t in held) if p],
        after_held=[(t, preview(p)) for t, p in ((t, load(t)) for t in after) if p],
        today=patrol.today(user), locale=str(get_locale()), bounds=places.city_bounds(),
        labels=labels,
        max_photos=media.MAX_PHOTOS), status


@bp.get("/")
@require_roles(Role.INSPECTOR)
def report():
    return _render({"urgency": Urgency.NORMAL.value})


@bp.post("/")
@require_roles(Role.INSPECTOR)
def report_post():
    form = {k: request.form.get(k, "") for k in ("category", "urgency", "note", "lat", "lng",
                                                 "fixed")}
    held, after_held = _kept("held"), _kept("after_held")
    new, new_after = _files("photos"), _files("after_photos")
    lat, lng = _float(form["lat"]), _float(form["lng"])
    sent = patrol.PatrolReport(
        category=form["category"], urgency=form["urgency"] or Urgency.NORMAL.value,
        note=form["note"], lat=lat, lng=lng, photos=[*held.values(), *new],
        fixed=bool(form["fixed"]), after_photos=[*after_held.values(), *new_after])

    def again(errors: dict, status: int, notice=None):
        """The form once more, as sent: its good new photos kept for the next try."""
        tokens, after_tokens, bad = list(held), list(after_held), None
        for photos, into in ((new, tokens), (new_after, after_tokens)):
            for photo in photos:
                try:
                    media.check(photo)
                except InvalidInput as exc:
                    bad = exc
                    continue
                into.append(stage(photo))
        if bad is not None:
            errors.setdefault("photos", [str(bad.message)])
        return _render(form, errors, status, tokens, after_tokens, notice)

    if lat is None and sent.photos:
        # The place is taken from the photo: shown on the map to confirm before sending.
        point = next((p for p in map(patrol.photo_point, (x.data for x in sent.photos)) if p),
                     None)
        if point is not None:
            form["lat"], form["lng"] = f"{point.lat:.6f}", f"{point.lng:.6f}"
            return again({}, 200, _l("The place was taken from the photo. Check it on the "
                                     "map, then send."))
    try:
        case = patrol.submit(current_user._get_current_object(), sent)
    except ServiceError as exc:
        db.session.rollback()
        field = FIELD_OF.get(exc.field or "", exc.field)
        return again({field if field in FIELDS else "form": [str(exc.message)]}, exc.status)
    discard([*held, *after_held])
    flash(_("Reported: %(code)s.", code=display_code(case.code)), "success")
    return redirect(url_for("patrol.report", done=case.code), 303)


@bp.post("/photo-place.json")
@require_roles(Role.INSPECTOR)
def photo_place():
    """Keep a photo as soon as it is taken (so a slow or broken connection later costs
    only the small form) and say where its GPS tag puts it."""
    files = _files("photo")
    if len(files) != 1:
        return jsonify(error=_("Send one photo.")), 400
    photo = files[0]
    try:
        image = media.check(photo)
    except InvalidInput as exc:
        return jsonify(error=str(exc.message)), 422
    point = patrol.photo_point(photo.data)
    small = base64.b64encode(media.thumbnail(image)).decode()
    out = {"token": stage(photo), "preview": "data:image/jpeg;base64," + small, "lat": None,
           "lng": None, "place": None}
    if point is not None:
        out["lat"], out["lng"] = point.lat, point.lng
        area = places.area_at(point.lat, point.lng) if places.in_city(point.lat, point.lng) \
            else None
        out["place"] = area.words(str(get_locale())) if area else None
    return jsonify(out)


@bp.get("/place.json")
@require_roles(Role.INSPECTOR)
def place():
    """The place in words for a point (or why it cannot be reported there)."""
    lat, lng = _float(request.args.get("lat")), _float(request.args.get("lng"))
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return jsonify(error=_("That location is not on the map.")), 400
    area = places.area_at(lat, lng) if places.in_city(lat, lng) else None
    if area is None:
        return jsonify(place=None, error=_("That point is outside every responsibility area. "
                                           "Move the pin onto the street where the problem "
                                           "is."))
    return jsonify(place=area.words(str(get_locale())), area_id=area.id)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    mb = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return _render({k: request.form.get(k, "") for k in ("category", "urgency", "note")},
                   {"photos": [_("That was too much to send at once (at most %(mb)s MB). Send "
                                 "fewer or smaller photos.", mb=mb)]}, 413)


@bp.errorhandler(CSRFError)
def expired(exc):
    form = {k: request.form.get(k, "") for k in ("category", "urgency", "note", "lat", "lng",
                                                 "fixed")}
    return _render(form, {"form": [_("The form had expired. Please try again.")]}, 400,
                   _held("held"), _held("after_held"))


@bp.get("/figures")
@require_roles(Role.SUPERVISOR, Role.ADMIN)
def figures():
    """A month of the staff intake channels, for supervisors, counted from the records."""
    from datetime import date, datetime, time

    from app.services import clock

    today = clock.to_local(clock.now()).date()
    try:
        month = datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
    except ValueError:
        month = date(today.year, today.month, 1)
    first = clock.from_local(datetime.combine(month, time()))
    after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    last = clock.from_local(datetime.combine(after, time()))
    return render_template("patrol/figures.html", month=month,
                           numbers=intake.figures(current_user._get_current_object(),
                                                  first, last))

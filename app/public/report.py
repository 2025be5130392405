"""/report: a resident reports a problem, or joins an open case of the same problem.

One form, in up to three server-side steps, so it works without JavaScript: the form
(with the area search), "is it one of these?" (nearby open cases of the same category),
and the confirmation. JavaScript only makes the same steps quicker (map pin, location,
live nearby list through /report/check.json)."""

from __future__ import annotations

import math

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from app.extensions import db, limiter
from app.models import Area, Case, Category, Contact
from app.public import bp
from app.public.forms import ReportForm
from app.public.report_limits import limited
from app.public.uploads import discard, load, preview, stage
from app.services import cases, catalogue_cache, contacts, media, nearby, places, public_view
from app.services.actors import Actor
from app.services.errors import InvalidInput, ServiceError
from app.services.i18n import local_time
from app.services.notifications import display_code
from app.services.privacy import mask_phone

#: Which form field a service error belongs to.
FIELD_OF = {"photo": "photos", "location": "location", "area": "location",
            "category": "category", "description": "description", "address": "address",
            "phone": "phone"}
MINE_KEEP = 20


# -- rate limits: report_limits.limited on the POST; the JSON check has its own --------------


def _limits_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


# -- remembering what this browser reported (its rating link, its confirmation page) -------


def remember(case: Case, contact_id: int | None) -> None:
    mine = dict(session.get("mine", {}))
    mine.pop(case.code, None)
    mine[case.code] = contact_id
    session["mine"] = dict(list(mine.items())[-MINE_KEEP:])


def mine(code: str) -> bool:
    return code in session.get("mine", {})


def my_contact_id(code: str) -> int | None:
    return session.get("mine", {}).get(code)


# -- the page ---------------------------------------------------------------------------


def _categories() -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort)))


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def signature(category: str, lat: float | None, lng: float | None, area_id: int | None) -> str:
    if lat is not None and lng is not None:
        return f"{category}|{lat:.5f},{lng:.5f}"
    return f"{category}|a{area_id or ''}"


class Draft:
    """What the resident has given so far, checked, with a message per field."""

    def __init__(self, form: ReportForm):
        self.form = form
        self.errors: dict[str, list[str]] = {}
        self.lat, self.lng = _float(form.lat.data), _float(form.lng.data)
        self.area = None  # an AreaChoice
        self.category = None
        given = request.form.getlist("held")
        self.held: list[str] = [t for t in given if load(t)]
        self.lost_photos = len(given) - len(self.held)  # never dropped without a word
        self.new_photos: list[media.Photo] = []

    def error(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def check(self) -> bool:
        form = self.form
        form.validate()
        for name, messages in form.errors.items():
            if name != "csrf_token":
                for m in messages:
                    self.error(name, m)
        code = (form.category.data or "").strip().upper()
        self.category = code if code in catalogue_cache.active_category_codes() else None
        if code and self.category is None:
            self.error("category", _l("Unknown category."))
        self._check_location()
        if self.lost_photos:
            self.error("photos", _l("A photo you added earlier could not be found. Please "
                                    "add it again."))
        self._check_photos()
        try:
            contacts.normalize_phone(form.phone.data)
        except InvalidInput as exc:
            self.error("phone", exc.message)
        return not self.errors

    def _check_location(self) -> None:
        lat_given = bool(self.form.lat.data or self.form.lng.data)
        if lat_given:
            if self.lat is None or self.lng is None or not (
                    -90 <= self.lat <= 90 and -180 <= self.lng <= 180):
                self.error("location", _l("That location is not on the map."))
            elif not places.in_city(self.lat, self.lng):
                self.error("location", _l(
                    "That point is outside the city. Move the pin, or choose the road from "
                    "the list."))
            else:
                self.area = places.area_at(self.lat, self.lng)
            return
        try:
            area_id = int(self.form.area_id.data or 0)
        except ValueError:
            area_id = 0
        self.area = places.choice(area_id)
        if self.area is None:
            self.error("location", _l(
                "Please say where the problem is: put a pin on the map, use your location, "
                "or choose the road from the list."))

    def _check_photos(self) -> None:
        files = [f for f in request.files.getlist(self.form.photos.name) if f and f.filename]
        if len(self.held) + len(files) > media.MAX_PHOTOS:
            self.error("photos", _l("At most %(n)s photos.", n=media.MAX_PHOTOS))
            return
        for f in files:
            photo = media.Photo(f.read(), f.filename or "")
            try:
                media.check(photo)
            except InvalidInput as exc:
                self.error("photos", exc.message)
                continue
            self.new_photos.append(photo)

    def hold_photos(self) -> None:
        """Keep the good photos for the form's next step."""
        self.held += [stage(p) for p in self.new_photos]
        self.new_photos = []

    def photos(self) -> list[media.Photo]:
        return [p for p in (load(t) for t in self.held) if p] + self.new_photos

    def signature(self) -> str:
        """What "is it one of these?" was asked for: asked again when this changes."""
        return signature(self.category or "", self.lat, self.lng,
                         self.area.id if self.area else None)

    def candidates(self) -> list[nearby.Candidate]:
        category = db.session.scalar(select(Category).where(Category.code == self.category)
                                     ) if self.category else None
        if category is None:
            return []
        if self.lat is not None and self.lng is not None:
            return nearby.near_point(category, self.lat, self.lng)
        if self.area is not None:
            return nearby.in_area(category, self.area.id)
        return []


def _render(form: ReportForm, draft: Draft | None = None, status: int = 200,
            candidates=None, notice=None):
    locale = str(get_locale())
    q = (form.q.data or request.args.get("q") or "").strip()
    draft_area = draft.area if draft else places.choice(_int(form.area_id.data))
    choices = places.search(q)
    if draft_area is not None and draft_area not in choices:
        choices = [draft_area, *choices]
    held = [(t, preview(p)) for t, p in ((t, load(t)) for t in draft.held) if p] if draft else []
    bounds = places.city_bounds()
    return render_template(
        "public/report.html", form=form, errors=draft.errors if draft else {},
        categories=_categories(), choices=choices, q=q, area=draft_area, locale=locale,
        held=held, candidates=candidates, notice=notice, bounds=bounds,
        radius=current_app.config["NEARBY_RADIUS_M"],
        support_count=cases.support_count, max_photos=media.MAX_PHOTOS,
    ), status


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


@bp.get("/report")
def report():
    form = ReportForm()
    if request.args.get("category"):
        form.category.data = request.args["category"]
    return _render(form)


@bp.post("/report")
@limited
def report_post():
    form = ReportForm()
    action = request.form.get("action", "submit")
    if request.form.get("support"):
        return _support(form, request.form["support"])
    draft = Draft(form)
    if action == "search":
        draft.check()  # keep the photos, but say nothing yet about what is missing
        draft.hold_photos()
        form.nearby_seen.data = ""
        return _render(form, _quiet(draft))
    if not draft.check():
        draft.hold_photos()
        return _render(form, draft, 422)
    if action == "check" or form.nearby_seen.data != draft.signature():
        found = draft.candidates()
        if found or action == "check":
            draft.hold_photos()
            form.nearby_seen.data = draft.signature()
            notice = None if found else _l("No open report of this kind nearby. Please send "
                                           "yours.")
            return _render(form, draft, candidates=found, notice=notice)
    return _submit(form, draft)


def _quiet(draft: Draft) -> Draft:
    draft.errors = {}
    return draft


def _submit(form: ReportForm, draft: Draft):
    pinned = draft.lat is not None and draft.lng is not None
    try:
        case = cases.submit(
            Actor.resident(), category_code=draft.category,
            description=form.description.data, lat=draft.lat if pinned else None,
            lng=draft.lng if pinned else None, address=form.address.data or "",
            area_id=None if pinned else draft.area.id, phone=form.phone.data,
            anonymous=bool(form.anonymous.data), language=str(get_locale()), channel="web",
            photos=draft.photos(),
        )
    except InvalidInput as exc:
        draft.error(FIELD_OF.get(exc.field or "", "form"), exc.message)
        draft.hold_photos()
        return _render(form, draft, 422)
    discard(draft.held)
    remember(case, case.reporter_contact_id)
    return redirect(url_for("public.sent", code=case.code), 303)


def _support(form: ReportForm, code: str):
    draft = Draft(form)
    try:
        contacts.normalize_phone(form.phone.data)
        case = cases.support(code, Actor.resident(), phone=form.phone.data,
                             language=str(get_locale()))
    except ServiceError as exc:
        draft.check()
        draft.hold_photos()
        draft.errors = {}
        draft.error(FIELD_OF.get(exc.field or "", "form"), exc.message)
        return _render(form, draft, exc.status)
    discard(draft.held)  # the photos were for a new report, which is not made
    contact = contacts.find_contact(form.phone.data) if form.phone.data else None
    remember(case, contact.id if contact else None)
    return redirect(url_for("public.joined", code=case.code), 303)


def form_again(message, status: int):
    """The report form as the resident sent it (photos kept), with one message on top."""
    form = ReportForm()
    draft = Draft(form)
    draft.check()
    draft.hold_photos()
    draft.errors = {}
    draft.error("form", message)
    return _render(form, draft, status)


@bp.errorhandler(CSRFError)
def csrf_expired(exc):
    """A form sent back after its security token expired: show it again, as typed."""
    message = _l("This form was open too long or came from elsewhere. Please check it and "
                 "send it again.")
    if request.endpoint == "public.report_post":
        return form_again(message, 400)
    return render_template("error.html", message=message), 400


# -- after sending ---------------------------------------------------------------------


@bp.get("/report/sent/<code>")
def sent(code: str):
    case = cases.get_case(code)
    if not mine(case.code):
        return redirect(url_for("public.track_case", code=case.code))
    contact = db.session.get(Contact, my_contact_id(case.code) or 0)
    return render_template(
        "public/sent.html", case=case, limit=public_view.rectify_limit(case),
        place=public_view.place_words(case), phone=mask_phone(contact.phone if contact else ""),
        photos=public_view.photos_of(case, "before"))


@bp.get("/report/joined/<code>")
def joined(code: str):
    case = cases.get_case(code)
    if not mine(case.code):
        return redirect(url_for("public.track_case", code=case.code))
    return render_template("public/joined.html", case=case,
                           supporters=cases.support_count(case),
                           notified=my_contact_id(case.code) is not None,
                           deadline=public_view.deadline(case))


# -- what JavaScript asks while the resident fills the form --------------------------------


@bp.get("/report/check.json")
@limiter.limit(lambda: current_app.config["CHECK_LIMIT_PER_ADDRESS"], exempt_when=_limits_off,
               scope="report-check")
def check_json():
    """The place in words for a point, and the open cases of a category near it."""
    lat, lng = _float(request.args.get("lat")), _float(request.args.get("lng"))
    area_id = _int(request.args.get("area_id"))
    code = (request.args.get("category") or "").upper()
    category = db.session.scalar(select(Category).where(Category.code == code))
    out: dict = {"in_city": True, "area_id": None, "place": None, "cases": []}
    found: list[nearby.Candidate] = []
    locale = str(get_locale())
    if lat is not None and lng is not None:
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            abort(400)
        out["in_city"] = places.in_city(lat, lng)
        area = places.area_at(lat, lng) if out["in_city"] else None
        if category and out["in_city"]:
            found = nearby.near_point(category, lat, lng)
    else:
        area = places.choice(area_id)
        if category and area:
            found = nearby.in_area(category, area.id)
    if area is not None:
        out["area_id"], out["place"] = area.id, area.words(locale)
    elif out["in_city"] and lat is not None:
        out["place"] = str(_l("Not inside a responsibility area: a dispatcher will place it."))
    pinned = lat is not None and lng is not None
    out["signature"] = signature(category.code if category else "", lat if pinned else None,
                                 lng if pinned else None, None if pinned else area_id)
    out["cases"] = [{
        "code": c.case.code, "display": display_code(c.case.code),
        "category": c.case.category.name(locale),
        "state": str(public_view.labels.STATE[c.case.state_enum]),
        "distance_m": c.distance_m, "supporters": cases.support_count(c.case),
        "reported": local_time(c.case.created_at),
        "url": url_for("public.track_case", code=c.case.code),
    } for c in found]
    return jsonify(out)


@bp.get("/report/areas.geojson")
def areas_geojson():
    """The responsibility areas' outlines, so the map shows something useful even when no
    map tiles load."""
    locale = str(get_locale())
    names = {c.id: c.words(locale) for c in places.choices()}
    rows = db.session.execute(select(Area.id, Area.polygon)).all()
    response = jsonify(type="FeatureCollection", features=[
        {"type": "Feature", "id": area_id, "geometry": polygon,
         "properties": {"id": area_id, "name": names.get(area_id, "")}}
        for area_id, polygon in rows])
    response.cache_control.max_age = 300
    response.vary.update(["Cookie", "Accept-Language"])  # the names are in the user's language
    return response

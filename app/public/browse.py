"""/cases: recent cases on a map and in a list, filterable by category, state and district,
so residents see that reports are handled. No personal data: no description, no names."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from sqlalchemy import select

from app.extensions import db
from app.models import Category, District
from app.public import bp
from app.services import public_view
from app.services.notifications import display_code

PAGE = 50


@bp.get("/cases")
def browse():
    category = (request.args.get("category") or "").upper() or None
    state = request.args.get("state") or None
    district = (request.args.get("district") or "").upper() or None
    try:
        before = int(request.args.get("before") or 0) or None
    except ValueError:
        before = None
    found = public_view.recent(category, state, district, before, PAGE + 1)
    more = len(found) > PAGE
    found = found[:PAGE]
    locale = str(get_locale())
    points = [{"lat": c.lat, "lng": c.lng, "code": display_code(c.code),
               "url": f"/track/{c.code}", "state": c.state,
               "label": f"{c.category.name(locale)} · {public_view.labels.STATE[c.state_enum]}"}
              for c in found if c.lat is not None and c.lng is not None]
    return render_template(
        "public/cases.html", cases=found, more=more, points=points,
        next_before=found[-1].id if more and found else None,
        categories=db.session.scalars(select(Category).order_by(Category.sort)).all(),
        districts=db.session.scalars(select(District).order_by(District.code)).all(),
        states=public_view.PUBLIC_STATES, chosen={"category": category, "state": state,
                                                 "district": district},
        place_of=public_view.place_words, bounds=public_view.places_bounds(),
    )

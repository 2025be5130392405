"""Public pages. Nothing here shows personal data of residents or staff."""

from __future__ import annotations

from flask import abort, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Case, Category
from app.public import bp
from app.services import media, public_view
from workflows.lifecycle import State


@bp.get("/")
def index():
    counts = dict(db.session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
    recent = db.session.scalars(
        select(Case).where(Case.state.not_in([State.REJECTED.value, State.MERGED.value]))
        .order_by(Case.created_at.desc()).limit(12)
    ).all()
    categories = db.session.scalars(select(Category).order_by(Category.sort)).all()
    return render_template("public/index.html", counts=counts, states=list(State),
                           recent=recent, categories=categories)


@bp.get("/photos/<key>")
@bp.get("/photos/<key>/thumb", endpoint="photo_thumb", defaults={"thumb": True})
def photo(key: str, thumb: bool = False):
    """A case's before or after photo (or its thumbnail). Keys are random and appear only
    on the case's tracking page; staff-only photos (notes, rework) are not served here."""
    attachment = db.session.scalar(select(Attachment).where(Attachment.storage_key == key))
    if attachment is None or not public_view.is_public(attachment, attachment.case):
        abort(404)
    # Kept a short while only: staff may hide a photo later (a face, a number plate), and
    # retention deletes old ones; a long-lived or shared cache would keep showing it.
    response = media.respond(attachment.storage_key, attachment.content_type, thumb=thumb,
                             max_age=PHOTO_CACHE_SECONDS)
    if response is None:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status_code == 200:
        response.cache_control.public = False
        response.cache_control.private = True
    return response


#: How long a browser may keep a public photo without asking again.
PHOTO_CACHE_SECONDS = 600


@bp.errorhandler(RateLimitExceeded)
def too_many(exc: RateLimitExceeded):
    """A friendly word instead of a bare 429 (Flask-Limiter adds Retry-After); the report
    form keeps what was typed."""
    message = _l("You have sent several reports in a short time. Thank you! Please wait a "
                 "while before sending another one. If it is urgent, please call 12345.")
    if request.endpoint == "public.report_post":
        from app.public.report import form_again

        response = make_response(form_again(message, 429))
    elif request.accept_mimetypes.best == "application/json":
        response = make_response(jsonify(error=str(message)), 429)
    else:
        response = make_response(render_template("error.html", message=message), 429)
    return response

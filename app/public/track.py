"""/track: a case's progress in plain words, by its tracking code; and /rate/<token>: the
signed rating link a reporter or supporter receives once the case is closed."""

from __future__ import annotations

import re
import threading

from cachetools import TTLCache
from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, select

from app.extensions import db
from app.models import Case, CaseFollower, Contact, OutboxMessage, Rating
from app.public import bp
from app.public.forms import TRACKING_CODE_HINT, RatingForm, RatingLinkForm, TrackForm
from app.public.report import my_contact_id
from app.public.report_limits import limited
from app.services import (
    cases,
    clock,
    contacts,
    delivery,
    origins,
    public_case,
    public_view,
    rating_links,
    reference_data,
)
from app.services.actors import Actor
from app.services.errors import InvalidInput, ServiceError
from app.services.notifications import display_code
from workflows.lifecycle import Action, State

_WELL_FORMED = re.compile(r"^[0-9A-Z]{6,12}$")
_BY_CODE = select(Case).where(Case.code == bindparam("code"))


def _find(raw: str, load=None) -> tuple[Case | public_case.PublicCase | None, str | None, int]:
    """The case for a typed code, or the message saying why there is none (and the HTTP
    status: 422 for a malformed code, 404 for an unknown one). ``load``: how the case is
    read by its normalised code (the mapped case unless given)."""
    code = cases.normalize_code(raw)
    if not raw.strip():
        return None, str(_l("Please type the tracking code from your confirmation or text "
                            "message.")), 422
    if not _WELL_FORMED.match(code):
        return None, str(_l("A tracking code has 8 letters and digits, like %(example)s.",
                            example=TRACKING_CODE_HINT)), 422
    case = load(code) if load else db.session.scalars(_BY_CODE, {"code": code}).first()
    if case is None:
        return None, str(_l("No case has the tracking code %(code)s. Please check it.",
                            code=raw.strip())), 404
    return case, None, 200


@bp.get("/track")
def track():
    form = TrackForm(request.args)
    if form.code.data is None:
        return render_template("public/track.html", form=form, error=None)
    case, error, status = _find(form.code.data)
    if case is None:
        return render_template("public/track.html", form=form, error=error), status
    return redirect(url_for("public.track_case", code=case.code))


@bp.get("/track/<code>")
def track_case(code: str):
    case, error, status = _find(code, load=public_case.load)
    if case is None:
        form = TrackForm(data={"code": code})
        return render_template("public/track.html", form=form, error=error), status
    if case.code != code:
        return redirect(url_for("public.track_case", code=case.code))
    return _case_page(case)


def _case_page(case: public_case.PublicCase):
    """The tracking page. For a resident with nothing personal about this case (the usual
    visitor: not signed in, no rating to give from this browser) it is the same page for
    everyone until the case changes, so each worker keeps it rendered; it carries no
    form and sets no cookie. Staff get theirs rendered (their pages carry notices)."""
    mine = case.code in session.get("mine", {})  # this browser reported or supported it
    link_sent = request.args.get("sent") == "1"
    if not mine and not link_sent and not current_user.is_authenticated:
        return _kept_page(case)
    return _render_page(case, my_contact_id(case.code), mine, link_sent)


def _render_page(case: public_case.PublicCase, contact_id: int | None = None, mine: bool = False,
                 link_sent: bool = False) -> str:
    rate_path = rated = None
    if contact_id and case.state == State.CLOSED.value:
        contact = db.session.get(Contact, contact_id)
        rated = _rating(case, contact) if contact else None
        if contact and rated is None:
            rate_path = rating_links.path_for(case, contact)
    return render_template(
        "public/case.html", **_public_values(case), rate_path=rate_path, rated=rated,
        mine=mine, link_sent=link_sent, rating_labels=public_view.RATING)


# Every action bumps the case's version, so (case, version, language, overdue yet) names
# one page. Entries also expire, so renamed places and units show within a minute
# (reference_data's minute); the least recently seen go first when the cache is full.
_pages: TTLCache = TTLCache(maxsize=4000, ttl=reference_data.TTL_SECONDS)
_pages_lock = threading.Lock()  # gunicorn's threads share the cache


def _kept_page(case: public_case.PublicCase) -> str:
    late = case.due_at is not None and clock.now() > case.due_at  # "overdue" comes with time
    key = (current_app.name, case.id, case.code, case.version, case.updated_at,
           str(get_locale()), late)
    with _pages_lock:
        page = _pages.get(key)
    if page is None:
        page = _render_page(case)
        with _pages_lock:
            _pages[key] = page
    return page


def _public_values(case: public_case.PublicCase) -> dict:
    """What every visitor may see: the timeline, time limit, place, photos."""
    return dict(
        case=case, steps=public_view.timeline(case), deadline=public_view.deadline(case),
        place=public_view.place_words(case),
        supporters=sum(1 for e in case.events if e.action == Action.SUPPORT.value),
        before=public_view.photos_of(case, "before"), after=public_view.photos_of(case, "after"),
        merged_into=case.merged_into_code)


def _rating(case: Case, contact: Contact) -> Rating | None:
    """This person's rating of the case's latest closure (each closure may be rated)."""
    closed_at = select(Case.closed_at).where(Case.id == case.id).scalar_subquery()
    return db.session.scalar(select(Rating).where(
        Rating.case_id == case.id, Rating.contact_id == contact.id, Rating.at >= closed_at
    ).order_by(Rating.at.desc()).limit(1))


@bp.route("/track/<code>/rating-link", methods=["GET", "POST"])
@limited
def rating_link(code: str):
    """A reporter or supporter on another device asks for the signed rating link by SMS.
    The answer is the same whether or not the number follows the case."""
    case, error, status = _find(code)
    if case is None:
        return render_template("public/track.html", form=TrackForm(data={"code": code}),
                               error=error), status
    if case.code != code:
        return redirect(url_for("public.rating_link", code=case.code))
    form = RatingLinkForm()
    if case.state != State.CLOSED.value:
        return redirect(url_for("public.track_case", code=case.code))
    if request.method == "GET":
        return _link_page(case, form)
    if not form.validate():
        return _link_page(case, form, 422)
    try:
        phone = contacts.normalize_phone(form.phone.data)
    except InvalidInput as exc:
        form.phone.errors = [str(exc.message)]
        return _link_page(case, form, 422)
    contact = db.session.scalar(
        select(Contact).join(CaseFollower, CaseFollower.contact_id == Contact.id)
        .where(CaseFollower.case_id == case.id, Contact.phone == phone))
    if contact is not None and _rating(case, contact) is None:
        _send_link(case, contact)
    return redirect(url_for("public.track_case", code=case.code, sent=1), 303)


def _link_page(case: Case, form: RatingLinkForm, status: int = 200):
    return render_template("public/rating_link.html", case=case, form=form), status


def _send_link(case: Case, contact: Contact) -> None:
    from flask_babel import force_locale
    from flask_babel import gettext as _

    today = clock.now().strftime("%Y%m%d")
    key = f"ratelink:{case.id}:c{contact.id}:{today}"  # at most one a day
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return
    code, link = display_code(case.code), rating_links.url_for(case, contact)
    with force_locale(contact.language):
        body = _("[roadchief] Rate case %(code)s here: %(link)s", code=code, link=link)
    message = OutboxMessage(dedupe_key=key, channel="sms", to_phone=contact.phone,
                            kind="rating_link", params={"code": code, "link": link},
                            contact_id=contact.id, case_id=case.id, language=contact.language,
                            body=body, created_at=clock.now())
    db.session.add(message)
    db.session.commit()
    delivery.schedule([message.id])


# -- rating ----------------------------------------------------------------------------


@bp.app_template_global()
def rectification(case: Case) -> public_view.Result:
    return public_view.result(case)


@bp.route("/rate/<token>", methods=["GET", "POST"])
def rate(token: str):
    case, contact = rating_links.load(token)  # an altered, expired or used link: its page
    form = RatingForm()
    already = _rating(case, contact)
    if already is not None:
        return render_template("public/rated.html", case=case, rating=already,
                               again=True, labels_=public_view.RATING), 409
    rating_links.check_unused(token)
    if case.state != State.CLOSED.value:
        return render_template("public/rate.html", case=case, form=form, closed=False,
                               rating_labels=public_view.RATING,
                               error=_l("You can rate this case once it is closed.")), 409
    if request.method == "GET" or not form.validate():
        status = 422 if request.method == "POST" else 200
        return render_template("public/rate.html", case=case, form=form, closed=True,
                               rating_labels=public_view.RATING, error=None), status
    try:
        cases.rate(case, Actor.resident(contact), score=int(form.score.data),
                   comment=form.comment.data or "", channel="web",
                   origin=origins.web_origin(), link_digest=rating_links.digest(token))
    except ServiceError as exc:
        already = _rating(case, contact)
        if already is not None:  # rated meanwhile, e.g. by SMS reply or a double click
            return render_template("public/rated.html", case=case, rating=already,
                                   again=True, labels_=public_view.RATING), 409
        return render_template("public/rate.html", case=case, form=form, closed=True,
                               rating_labels=public_view.RATING, error=exc.message), exc.status
    return render_template("public/rated.html", case=case, rating=_rating(case, contact),
                           again=False, labels_=public_view.RATING)

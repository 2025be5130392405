"""/track: a case's progress in plain words, by its tracking code; and /rate/<token>: the
signed rating link a reporter or supporter receives once the case is closed."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Attachment, Case, CaseEvent, CaseFollower, Contact, OutboxMessage, Rating
from app.public import bp
from app.public.forms import TRACKING_CODE_HINT, RatingForm, RatingLinkForm, TrackForm
from app.public.report import limited, my_contact_id
from app.services import cases, clock, delivery, public_view, rating_links
from app.services.actors import Actor
from app.services.errors import InvalidInput, ServiceError
from app.services.notifications import display_code
from workflows.lifecycle import Action, State

_WELL_FORMED = re.compile(r"^[0-9A-Z]{6,12}$")


def _find(raw: str) -> tuple[Case | None, str | None, int]:
    """The case for a typed code, or the message saying why there is none (and the HTTP
    status: 422 for a malformed code, 404 for an unknown one)."""
    code = cases.normalize_code(raw)
    if not raw.strip():
        return None, str(_l("Please type the tracking code from your confirmation or text "
                            "message.")), 422
    if not _WELL_FORMED.match(code):
        return None, str(_l("A tracking code has 8 letters and digits, like %(example)s.",
                            example=TRACKING_CODE_HINT)), 422
    case = db.session.scalar(select(Case).where(Case.code == code))
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
    case, error, status = _find(code)
    if case is None:
        form = TrackForm(data={"code": code})
        return render_template("public/track.html", form=form, error=error), status
    if case.code != code:
        return redirect(url_for("public.track_case", code=case.code))
    return _case_page(case)


def _case_page(case: Case, link_form: RatingLinkForm | None = None, status: int = 200):
    contact_id = my_contact_id(case.code)
    rate_path = rated = None
    if contact_id and case.state == State.CLOSED.value:
        contact = db.session.get(Contact, contact_id)
        rated = _rating(case, contact) if contact else None
        if contact and rated is None:
            rate_path = rating_links.path_for(case, contact)
    return render_template(
        "public/case.html", case=case, parts=_public_parts(case), rate_path=rate_path,
        rated=rated, mine=case.code in session.get("mine", {}),
        link_form=link_form or (RatingLinkForm() if case.state == State.CLOSED.value else None),
        link_sent=request.args.get("sent") == "1",
        rating_labels=public_view.RATING,
    ), status


# The public part of a tracking page is the same for every visitor until the case changes
# (every action bumps its version), so each worker keeps it rendered: a hit costs one
# indexed query. Entries also expire, so renamed places and units show within a minute.
_PARTS_TTL_SECONDS = 60
_PARTS_MAX = 4000
_parts: OrderedDict = OrderedDict()
_parts_lock = threading.Lock()


def _public_parts(case: Case) -> dict[str, str]:
    now = clock.now()
    late = case.due_at is not None and now > case.due_at  # "overdue" appears with time
    key = (current_app.name, case.id, case.code, case.version, case.updated_at,
           str(get_locale()), late)
    with _parts_lock:
        hit = _parts.get(key)
        if hit is not None and time.monotonic() - hit[0] < _PARTS_TTL_SECONDS:
            _parts.move_to_end(key)
            return hit[1]
    # The case is loaded already: read its events and photos (two queries) and take its
    # category from the kept catalogue.
    full = case
    set_committed_value(full, "events", db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all())
    set_committed_value(full, "attachments", db.session.scalars(
        select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
    ).all())
    cases.category_of(full)
    supporters = sum(1 for e in full.events if e.action == Action.SUPPORT.value)
    values = dict(
        case=full, steps=public_view.timeline(full), deadline=public_view.deadline(full),
        place=public_view.place_words(full), supporters=supporters,
        before=public_view.photos_of(full, "before"), after=public_view.photos_of(full, "after"),
        merged_into=full.merged_into.code if full.merged_into else None)
    parts = {"summary": render_template("public/_case_summary.html", **values),
             "progress": render_template("public/_case_progress.html", **values)}
    with _parts_lock:  # gunicorn's threads share the cache
        _parts[key] = (time.monotonic(), parts)
        while len(_parts) > _PARTS_MAX:
            _parts.popitem(last=False)
    return parts


def _rating(case: Case, contact: Contact) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.case_id == case.id,
                                                  Rating.contact_id == contact.id))


@bp.post("/track/<code>/rating-link")
@limited
def rating_link(code: str):
    """Send the signed rating link by SMS to a follower who asks for it on another device.
    The answer is the same whether or not the number follows the case."""
    case, error, status = _find(code)
    if case is None:
        return render_template("public/track.html", form=TrackForm(data={"code": code}),
                               error=error), status
    form = RatingLinkForm()
    if not form.validate():
        return _case_page(case, form, status=422)
    try:
        phone = cases.normalize_phone(form.phone.data)
    except InvalidInput as exc:
        form.phone.errors = [str(exc.message)]
        return _case_page(case, form, status=422)
    contact = db.session.scalar(
        select(Contact).join(CaseFollower, CaseFollower.contact_id == Contact.id)
        .where(CaseFollower.case_id == case.id, Contact.phone == phone))
    if contact is not None and case.state == State.CLOSED.value \
            and _rating(case, contact) is None:
        _send_link(case, contact)
    return redirect(url_for("public.track_case", code=case.code, sent=1), 303)


def _send_link(case: Case, contact: Contact) -> None:
    from flask_babel import force_locale
    from flask_babel import gettext as _

    today = clock.now().strftime("%Y%m%d")
    key = f"ratelink:{case.id}:c{contact.id}:{today}"  # at most one a day
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return
    with force_locale(contact.language):
        body = _("[roadchief] Rate case %(code)s here: %(link)s",
                 code=display_code(case.code), link=rating_links.url_for(case, contact))
    message = OutboxMessage(dedupe_key=key, channel="sms", to_phone=contact.phone,
                            contact_id=contact.id, case_id=case.id, language=contact.language,
                            body=body, created_at=clock.now())
    db.session.add(message)
    db.session.commit()
    delivery.schedule([message.id])


# -- rating ----------------------------------------------------------------------------


@bp.route("/rate/<token>", methods=["GET", "POST"])
def rate(token: str):
    case, contact = rating_links.load(token)
    form = RatingForm()
    already = _rating(case, contact)
    if already is not None:
        return render_template("public/rated.html", case=case, rating=already,
                               again=True, labels_=public_view.RATING), 409
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
                   comment=form.comment.data or "", channel="web")
    except ServiceError as exc:
        already = _rating(case, contact)
        if already is not None:  # rated meanwhile, e.g. by SMS reply or a double click
            return render_template("public/rated.html", case=case, rating=already,
                                   again=True, labels_=public_view.RATING), 409
        return render_template("public/rate.html", case=case, form=form, closed=True,
                               rating_labels=public_view.RATING, error=exc.message), exc.status
    return render_template("public/rated.html", case=case, rating=_rating(case, contact),
                           again=False, labels_=public_view.RATING)

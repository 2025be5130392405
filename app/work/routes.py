"""Staff work queue routes: read the request, ask ``services.queues`` or the one door,
render. A case the person may not see is a 404, whatever URL they type."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth.access import require_roles, safe_next
from app.extensions import db
from app.models import Attachment, Case, CaseEvent
from app.services import clock, media, queues
from app.services.actors import Actor, can_see
from app.services.errors import NotFound, ServiceError
from app.work import bp
from app.work.actions import DONE, HANDLERS, expected_version, photos
from app.work.case_page import case_page
from workflows.lifecycle import Action, Role

R = Role
STAFF = (R.DISPATCHER, R.ROAD_CHIEF, R.TEAM_MEMBER, R.AGENCY_STAFF, R.INSPECTOR, R.SUPERVISOR,
         R.OPERATOR, R.ADMIN)
TRIAGERS = (R.DISPATCHER, R.SUPERVISOR, R.ADMIN)
ASSIGNEES = (R.ROAD_CHIEF, R.TEAM_MEMBER, R.AGENCY_STAFF)
CHECKERS = (R.INSPECTOR, R.SUPERVISOR, R.ADMIN)
SUPERVISORS = (R.SUPERVISOR, R.ADMIN)

HOME = {
    R.DISPATCHER: "work.triage", R.ROAD_CHIEF: "work.queue", R.TEAM_MEMBER: "work.queue",
    R.AGENCY_STAFF: "work.queue", R.INSPECTOR: "work.verify", R.SUPERVISOR: "work.supervise",
    R.ADMIN: "work.supervise", R.OPERATOR: "hotline.console",
}
NAV = [
    ("work.queue", _l("My queue"), ASSIGNEES),
    ("work.triage", _l("Triage"), TRIAGERS),
    ("work.verify", _l("Verification"), CHECKERS),
    ("work.supervise", _l("Supervision"), SUPERVISORS),
    ("patrol.report", _l("Patrol report"), (R.INSPECTOR,)),
    ("hotline.console", _l("Calls"), (R.OPERATOR,)),
    ("hotline.status", _l("Status question"), (R.OPERATOR,)),
    ("hotline.follow_ups", _l("Follow-up calls"), (R.OPERATOR,)),
    ("hotline.handed", _l("Dissatisfied follow-ups"), SUPERVISORS),
    ("patrol.figures", _l("Patrol and hotline figures"), SUPERVISORS),
]
TRIAGE_TITLES = {"new": _l("New reports"), "returned": _l("Returned"),
                 "unrouted": _l("Unrouted")}


def _actor() -> Actor:
    return Actor.staff(current_user)


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.app_context_processor
def work_helpers():
    def work_nav():
        if not current_user.is_authenticated:
            return []
        role = Role(current_user.role)
        return [{"url": url_for(endpoint), "label": label,
                 "active": request.endpoint == endpoint}
                for endpoint, label, roles in NAV if role in roles]

    return {"work_nav": work_nav, "leaflet": lambda: _leaflet_available()}


def _leaflet_available() -> bool:
    """Leaflet is vendored under static/vendor/leaflet/ by another change; until it is
    there, the map shows as coordinates, the area name and a link."""
    static = Path(current_app.static_folder or "")
    return (static / "vendor" / "leaflet" / "leaflet.js").is_file()


@bp.get("/")
@login_required
def home():
    return redirect(url_for(HOME.get(Role(current_user.role), "work.supervise")))


# -- lists -----------------------------------------------------------------------------------


def _cards(items, photo_kind: str | None = None, latest: bool = False):
    now = clock.now()
    ids = [c.id for c in items]
    return {
        "status": {c.id: queues.time_status(c, now) for c in items},
        "photo": queues.first_photos(ids, photo_kind, latest=latest),
    }


@bp.get("/triage")
@require_roles(*TRIAGERS)
def triage():
    which = request.args.get("list", "new")
    if which not in queues.TRIAGE_LISTS:
        which = "new"
    user = current_user._get_current_object()
    page = queues.triage(user, which, _page_number())
    return render_template("work/triage.html", which=which, page=page,
                           counts=queues.triage_counts(user), titles=TRIAGE_TITLES,
                           **_cards(page.items, "before"))


@bp.get("/queue")
@require_roles(*ASSIGNEES)
def queue():
    user = current_user._get_current_object()
    state = request.args.get("state") or None
    category_id = request.args.get("category", type=int) or None
    page = queues.my_queue(user, state, category_id, _page_number())
    return render_template("work/queue.html", page=page, state=state, category_id=category_id,
                           counts=queues.my_queue_counts(user, category_id),
                           states=queues.ASSIGNEE_STATES, categories=queues.categories(),
                           **_cards(page.items))


@bp.get("/verify")
@require_roles(*CHECKERS)
def verify():
    page = queues.to_verify(current_user._get_current_object(), _page_number())
    return render_template("work/verify.html", page=page,
                           **_cards(page.items, "after", latest=True))


@bp.get("/supervise")
@require_roles(*SUPERVISORS)
def supervise():
    user = current_user._get_current_object()
    now = clock.now()
    requests_ = queues.pending_requests(user)
    escalated = queues.escalated(user)
    overdue = queues.overdue(user, now)
    unhappy = queues.dissatisfied(user)
    every = [c for _r, c, _n in requests_] + escalated.items + overdue.items
    every += [c for _r, c in unhappy]
    return render_template("work/supervise.html", requests=requests_, escalated=escalated,
                           overdue=overdue, unhappy=unhappy,
                           status={c.id: queues.time_status(c, now) for c in every})


# -- one case --------------------------------------------------------------------------------


def _visible_case(case_id: int, actor: Actor) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can_see(actor, case):
        abort(404)
    return case


def _render_case(case: Case, actor: Actor, status: int = 200, **extra):
    page = case_page(case, actor, str(get_locale()))
    return render_template("work/case.html", **page, **extra), status


@bp.get("/cases/<int:case_id>")
@require_roles(*STAFF)
def case(case_id: int):
    actor = _actor()
    return _render_case(_visible_case(case_id, actor), actor)


@bp.post("/cases/<int:case_id>/<action_name>")
@require_roles(*STAFF)
def act(case_id: int, action_name: str):
    try:
        action = Action(action_name)
    except ValueError:
        abort(404)
    handler = HANDLERS.get(action)
    if handler is None:
        abort(404)
    actor = _actor()
    case = _visible_case(case_id, actor)
    version = None
    try:
        version = expected_version(request.form)
        handler(case, actor, request.form, photos(request.files.getlist("photos")), version)
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        return _refused(case_id, actor, action, version, exc)
    flash(str(DONE[action]), "success")
    if not can_see(actor, case):  # e.g. a team member returned it: it is no longer theirs
        return redirect(url_for("work.home"), 303)
    return redirect(safe_next(request.form.get("next")) or url_for("work.case", case_id=case.id),
                    303)


def _refused(case_id: int, actor: Actor, action: Action, version: int | None,
             exc: ServiceError):
    """Nothing changed. If the case moved on since the person loaded it, say so and show it
    as it is now; if it moved on because this very action was already done (a second tap,
    a resent form), say that instead."""
    case = db.session.get(Case, case_id)
    if case is None or not can_see(actor, case):
        abort(404)
    if version is not None and case.version != version:
        if _already_done(case, action, actor, version):
            flash(_("That was already done; it was recorded once."), "info")
            return redirect(url_for("work.case", case_id=case.id), 303)
        return _render_case(case, actor, 409, conflict=True)
    return _render_case(case, actor, exc.status, error=exc.message, error_action=action,
                        posted=request.form)


def _already_done(case: Case, action: Action, actor: Actor, version: int) -> bool:
    return db.session.scalar(
        select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.version > version,
                                   CaseEvent.action == action.value,
                                   CaseEvent.actor_user_id == actor.user_id).limit(1)
    ) is not None


@bp.get("/photos/<int:attachment_id>")
@require_roles(*STAFF)
def photo(attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    _visible_case(attachment.case_id, _actor())
    thumb = request.args.get("size") == "thumb"  # lists and the case page; full size on a tap
    response = media.respond(attachment.storage_key, attachment.content_type, thumb=thumb,
                             max_age=3600)
    if response is None:
        abort(404)
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    mb = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    flash(_("That was too much to send at once (at most %(mb)s MB). Send fewer or smaller "
            "photos.", mb=mb), "error")
    return redirect(safe_next(request.referrer and _path(request.referrer))
                    or url_for("work.home"), 303)


@bp.errorhandler(CSRFError)
def form_expired(exc):
    flash(_("The form had expired. Please try again."), "error")
    return redirect(safe_next(request.referrer and _path(request.referrer))
                    or url_for("work.home"), 303)


def _path(url: str) -> str:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")

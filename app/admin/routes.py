"""The administration blueprint's own hooks (administrators only, the calendar warning on
staff pages, template helpers) and its front page. Each section registers its routes on
the blueprint from a module of its own: places, people, catalogue, calendar, transfer
(import and export), api_keys, audit."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import labels
from app.admin import bp
from app.admin.names import ACTION_LABELS, IMPORT_LABELS, KIND_LABELS, TEAM_LABELS
from app.services import calendar as calendar_service
from app.services.admin import audit, overview
from workflows.deadlines import Unit
from workflows.lifecycle import Role
from workflows.routing import Urgency


@bp.before_request
@login_required
def administrators_only():
    if current_user.role != Role.ADMIN.value:
        abort(403)


@bp.app_context_processor
def calendar_coverage():
    """The warning shown on every staff page when the calendar runs out within 60 days."""
    # Those who can act on it (or tell who can); not on a road chief's phone.
    if not current_user.is_authenticated or current_user.role not in (Role.ADMIN.value,
                                                                     Role.SUPERVISOR.value):
        return {"calendar_warning": None}
    return {"calendar_warning": calendar_service.coverage_warning()}


@bp.errorhandler(403)
def forbidden(exc):
    return render_template("error.html",
                           message=_("Only administrators may open this page.")), 403


@bp.get("/")
def index():
    recent, _total = audit.entries(per_page=10)
    return render_template("admin/index.html", counts=overview.counts(),
                           no_chief=overview.areas_without_chief(), recent=recent)


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


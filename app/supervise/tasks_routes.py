"""Task lists (任务清单) for supervisors: drawn from the hotspots page, edited, assigned and
published. Routes read the request, call ``services.tasks`` and render."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.extensions import db
from app.services import metrics_dashboard as metrics
from app.services import tasks
from app.services.errors import InvalidInput, ServiceError
from app.supervise import bp, tables
from app.supervise.query import read_view, require_supervisor

_TASK_FIELD = re.compile(r"^task-([0-9]{1,9})-(place|problem|assignee|due)$")
MAX_CHOSEN = 50


@bp.app_context_processor
def task_helpers():
    """The hotspots page's "draw a task list" form asks for the period's high-frequency
    categories and whether the person may draw."""
    def high_frequency(view):
        return tasks.high_frequency(view.where, view.period.first, view.period.last)

    def may_draw():
        return current_user.is_authenticated and tasks.may_create(current_user)

    return {"task_high_frequency": high_frequency, "task_may_draw": may_draw}


def _ids(name: str, message) -> list[int]:
    out = []
    for raw in request.form.getlist(name)[:MAX_CHOSEN]:
        if not raw:
            continue
        if not raw.isdigit() or len(raw) > 9:
            raise InvalidInput(message, field=name)
        out.append(int(raw))
    return out


def _campaign_id() -> int | None:
    raw = (request.form.get("campaign") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(_l("No such campaign."), field="campaign")
    return int(raw)


@bp.post("/tasks/draft")
@login_required
def task_draft():
    """From the hotspots page: the chosen hotspots (by rank, recomputed with the same
    place, period, radius and least count) and high-frequency categories."""
    user = require_supervisor()
    tasks.require_creator(user)
    view = read_view(user)
    radius, least = tables.hotspot_params(request.args)
    ranks = set(_ids("spot", _l("Choose hotspots from the list.")))
    category_ids = _ids("category", _l("Choose categories from the list."))
    spots = [s for s in metrics.hotspots(view.where, view.period.first, view.period.last,
                                         radius, least) if s.rank in ranks]
    task_list = tasks.draft(user, view.where, view.district.id if view.district else None,
                            view.period.first, view.period.last, request.form.get("title"),
                            spots, radius, category_ids, _campaign_id())
    flash(_("A draft task list was drawn: check each task, assign it and publish."), "success")
    return redirect(url_for("supervise.task_list", list_id=task_list.id), 303)


@bp.get("/tasks")
@login_required
def task_lists():
    user = require_supervisor()
    tasks.require_supervisor(user)
    lists = tasks.visible_lists(user)
    return render_template("supervise/tasks.html", lists=lists,
                           progress=tasks.progress_of([t.id for t in lists]),
                           district_name=tasks.district_name, may_draw=tasks.may_create(user))


def _render_list(task_list, status: int = 200, error=None):
    user = current_user._get_current_object()
    from app.services import campaigns

    shown = tasks.visible_tasks(user, task_list)
    editable = tasks.may_edit(user, task_list) and task_list.status == "draft"
    return render_template(
        "supervise/tasks_list.html", task_list=task_list, tasks_shown=shown,
        editable=editable, error=error, today=tasks.today(),
        progress=tasks.progress_of([task_list.id])[task_list.id],
        options={t.id: tasks.assignee_options(t) for t in shown} if editable else {},
        assignee_value=tasks.assignee_value, assignee_name=tasks.assignee_name,
        is_overdue=tasks.is_overdue, evidence=tasks.evidence,
        district_name=tasks.district_name,
        campaigns=campaigns.visible(user) if editable else [],
        kinds={"street": _("Street"), "agency": _("Agency"), "chief": _("Road chief")},
    ), status


@bp.get("/tasks/<int:list_id>")
@login_required
def task_list(list_id: int):
    user = require_supervisor()
    return _render_list(tasks.get_list(user, list_id))


@bp.post("/tasks/<int:list_id>")
@login_required
def task_list_save(list_id: int):
    """Save the draft; with ``publish`` set, publish it after saving (all or nothing:
    if publishing is refused, nothing of this request is kept)."""
    user = require_supervisor()
    task_list = tasks.get_list(user, list_id)
    edits: dict[int, tasks.Edit] = {}
    for key in request.form:
        match = _TASK_FIELD.match(key)
        if match:
            edit = edits.setdefault(int(match.group(1)), tasks.Edit())
            setattr(edit, match.group(2), request.form.get(key))
    publishing = bool(request.form.get("publish"))
    try:
        if publishing:
            tasks.save_and_publish(user, task_list, request.form.get("title"), edits,
                                   _campaign_id())
        else:
            tasks.save(user, task_list, request.form.get("title"), edits, _campaign_id())
    except ServiceError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_list(tasks.get_list(user, list_id), exc.status, exc.message)
    flash(_("The task list is published: each assignee sees their tasks in their queue.")
          if publishing else _("The task list is saved."), "success")
    return redirect(url_for("supervise.task_list", list_id=list_id), 303)

"""The assignee's side of task lists: their open tasks in their queue (an include), a
task's page with the cases behind it, and closing it with a note and photos."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import require_roles
from app.extensions import db
from app.models.supervision_tasks import TaskPhoto
from app.services import media, tasks
from app.services.actors import Actor, can_see
from app.services.errors import NotFound, ServiceError
from app.work import bp
from app.work.actions import photos
from app.work.routes import STAFF


@bp.app_context_processor
def task_helpers():
    def my_tasks():
        if not current_user.is_authenticated:
            return []
        return tasks.my_tasks(current_user._get_current_object())

    def case_tasks(case_id: int):
        return tasks.tasks_of_case(case_id)

    return {"my_tasks": my_tasks, "case_tasks": case_tasks, "task_overdue": tasks.is_overdue,
            "task_assignee_name": tasks.assignee_name}


def _task(task_id: int):
    try:
        return tasks.get_task(current_user._get_current_object(), task_id)
    except NotFound:
        abort(404)


def _render(task, status: int = 200, error=None):
    user = current_user._get_current_object()
    actor = Actor.staff(user)
    shown = tasks.evidence(task)
    return render_template(
        "work/task.html", task=task, evidence=shown,
        visible={c.id for c in shown if can_see(actor, c)},
        may_close=task.status == "open" and task.task_list.status == "published"
        and tasks.may_close(user, task),
        overdue=tasks.is_overdue(task), error=error,
        assignee_name=tasks.assignee_name(task)), status


@bp.get("/tasks/<int:task_id>")
@require_roles(*STAFF)
def task(task_id: int):
    return _render(_task(task_id))


@bp.post("/tasks/<int:task_id>/close")
@require_roles(*STAFF)
def close_task(task_id: int):
    task = _task(task_id)
    try:
        tasks.close(current_user._get_current_object(), task, request.form.get("note"),
                    photos(request.files.getlist("photos")))
    except ServiceError as exc:
        db.session.rollback()
        return _render(_task(task_id), exc.status, exc.message)
    flash(_("The task is closed."), "success")
    return redirect(url_for("work.task", task_id=task_id), 303)


@bp.get("/tasks/photos/<int:photo_id>")
@require_roles(*STAFF)
def task_photo(photo_id: int):
    photo = db.session.get(TaskPhoto, photo_id)
    if photo is None:
        abort(404)
    _task(photo.task_id)
    response = media.respond(photo.storage_key, photo.content_type,
                             thumb=request.args.get("size") == "thumb", max_age=3600)
    if response is None:
        abort(404)
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

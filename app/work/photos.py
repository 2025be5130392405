"""Hiding a photo from the public (moderation), from the case page."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import require_roles
from app.extensions import db
from app.models import Attachment
from app.services import moderation
from app.services.actors import Actor
from app.services.errors import NotFound, ServiceError
from app.work import bp
from app.work.routes import STAFF, _render_case, _visible_case


@bp.post("/photos/<int:attachment_id>/hide")
@require_roles(*STAFF)
def hide_photo(attachment_id: int):
    actor = Actor.staff(current_user)
    photo = db.session.get(Attachment, attachment_id)
    if photo is None:
        abort(404)
    case = _visible_case(photo.case_id, actor)
    version = request.form.get("version", type=int)
    try:
        moderation.hide_photo(attachment_id, actor, request.form.get("reason"), version)
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        return _render_case(case, actor, exc.status, error=exc.message)
    flash(_("The photo is hidden from the public."), "success")
    return redirect(url_for("work.case", case_id=case.id) + "#photos", 303)

"""A reporter's full number, for staff who must call the resident back (回访, a question
about the place): shown only on request, only to dispatchers, supervisors and
administrators who may see the case, and every showing is written to the audit log."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from app.auth.access import require_roles
from app.services import retention
from app.work import bp
from app.work.routes import _actor, _visible_case
from workflows.lifecycle import Role as R

MAY_CALL = (R.DISPATCHER, R.SUPERVISOR, R.OPERATOR, R.ADMIN)  # operators make 回访 calls


@bp.post("/cases/<int:case_id>/reporter-phone")
@require_roles(*MAY_CALL)
def reporter_phone(case_id: int):
    case = _visible_case(case_id, _actor())
    contact = case.reporter
    if (case.anonymous or contact is None or contact.anonymised_at is not None
            or contact.wechat_openid is not None):  # a WeChat-only resident has no number
        abort(404)
    retention.record_view(current_user, contact, case)
    return render_template("work/reporter_phone.html", case=case, phone=contact.phone)

"""The staff actions on a case: each reads its form and calls the one door
(``app.services.cases``) with the version the person saw. Checking is the door's job;
a handler only turns form fields into arguments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from app.extensions import db
from app.models import Case
from app.services import cases, media
from app.services.actors import Actor, can_see
from app.services.errors import InvalidInput
from app.services.triage import reject_reason
from workflows.lifecycle import Action

Form = MultiDict
Handler = Callable[[Case, Actor, Form, list[media.Photo], int], Case]


def expected_version(form: Form) -> int:
    """The version of the case the person was looking at. A form without it is refused:
    acting blind could overwrite a change they never saw."""
    try:
        return int(form.get("version", ""))
    except ValueError:
        raise InvalidInput(_l("This form is out of date. Reload the page and try again."),
                           field="version") from None


def photos(files: list[FileStorage]) -> list[media.Photo]:
    return [media.Photo(f.read(), f.filename or "") for f in files if f and f.filename]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _assignee(value: str | None) -> tuple[int | None, int | None]:
    """'user:12' or 'agency:3' from an assignee select; (None, None) for 'as routed'."""
    kind, _, ident = (value or "").partition(":")
    if kind == "user":
        return _int(ident), None
    if kind == "agency":
        return None, _int(ident)
    return None, None


def _local_time(value: str | None) -> datetime | None:
    """A datetime-local field (the city's wall clock); the door turns it into UTC."""
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput(_l("That date and time are not valid."),
                           field="new_deadline") from None


def dispatch(case, actor, form, _photos, version):
    user_id, agency_id = _assignee(form.get("assignee"))
    return cases.dispatch(
        case, actor, assignee_user_id=user_id, assignee_agency_id=agency_id,
        area_id=_int(form.get("area_id")), urgency=form.get("urgency") or None,
        category_code=form.get("category") or None, expected_version=version)


def reject(case, actor, form, _photos, version):
    return cases.reject(case, actor, reason=reject_reason(form.get("preset"), form.get("reason")),
                        expected_version=version)


def merge(case, actor, form, _photos, version):
    code = cases.normalize_code(form.get("into", ""))
    if not code:
        raise InvalidInput(_l("Please give the tracking code of the case to merge into."),
                           field="target_case")
    target = db.session.scalar(select(Case).where(Case.code == code))
    if target is None or not can_see(actor, target):
        raise InvalidInput(_l("No case you can see has that tracking code."),
                           field="target_case")
    return cases.merge(case, actor, into=target, expected_version=version)


def sign_for(case, actor, form, _photos, version):
    return cases.sign_for(case, actor, expected_version=version)


def return_case(case, actor, form, _photos, version):
    return cases.return_case(case, actor, reason=form.get("reason", ""),
                             expected_version=version)


def reassign(case, actor, form, _photos, version):
    user_id, agency_id = _assignee(form.get("assignee"))
    return cases.reassign(case, actor, assignee_user_id=user_id, assignee_agency_id=agency_id,
                          reason=form.get("reason"), expected_version=version)


def request_extension(case, actor, form, _photos, version):
    return cases.request_extension(case, actor, reason=form.get("reason", ""),
                                   new_due_at=_local_time(form.get("new_due_at")),
                                   expected_version=version)


def request_hold(case, actor, form, _photos, version):
    return cases.request_hold(case, actor, reason=form.get("reason", ""),
                              expected_version=version)


def approve_extension(case, actor, form, _photos, version):
    return cases.approve_extension(case, actor, expected_version=version)


def refuse_extension(case, actor, form, _photos, version):
    return cases.refuse_extension(case, actor, reason=form.get("reason", ""),
                                  expected_version=version)


def approve_hold(case, actor, form, _photos, version):
    return cases.approve_hold(case, actor, expected_version=version)


def refuse_hold(case, actor, form, _photos, version):
    return cases.refuse_hold(case, actor, reason=form.get("reason", ""),
                             expected_version=version)


def resume(case, actor, form, _photos, version):
    return cases.resume(case, actor, expected_version=version)


def rectify(case, actor, form, photos, version):
    return cases.rectify(case, actor, note=form.get("note", ""), photos=photos,
                         expected_version=version)


def verify_pass(case, actor, form, _photos, version):
    return cases.verify(case, actor, passed=True, note=form.get("note"),
                        expected_version=version)


def verify_fail(case, actor, form, photos, version):
    return cases.verify(case, actor, passed=False, note=form.get("note"), photos=photos,
                        expected_version=version)


def close(case, actor, form, _photos, version):
    return cases.close(case, actor, reason=form.get("reason", ""), expected_version=version)


def reopen(case, actor, form, _photos, version):
    return cases.reopen(case, actor, reason=form.get("reason", ""), expected_version=version)


def add_note(case, actor, form, photos, version):
    return cases.add_note(case, actor, note=form.get("note", ""), photos=photos,
                          expected_version=version)


HANDLERS: dict[Action, Handler] = {
    Action.DISPATCH: dispatch,
    Action.REJECT: reject,
    Action.MERGE: merge,
    Action.SIGN_FOR: sign_for,
    Action.RETURN: return_case,
    Action.REASSIGN: reassign,
    Action.REQUEST_EXTENSION: request_extension,
    Action.REQUEST_HOLD: request_hold,
    Action.APPROVE_EXTENSION: approve_extension,
    Action.REFUSE_EXTENSION: refuse_extension,
    Action.APPROVE_HOLD: approve_hold,
    Action.REFUSE_HOLD: refuse_hold,
    Action.RESUME: resume,
    Action.RECTIFY: rectify,
    Action.VERIFY_PASS: verify_pass,
    Action.VERIFY_FAIL: verify_fail,
    Action.CLOSE: close,
    Action.REOPEN: reopen,
    Action.ADD_NOTE: add_note,
}

#: What the person is told after each action went through.
DONE = {
    Action.DISPATCH: _l("Dispatched."),
    Action.REJECT: _l("Not accepted; the reporter is told why."),
    Action.MERGE: _l("Merged: its reporter and supporters now follow the other case."),
    Action.SIGN_FOR: _l("Signed for: the case is yours."),
    Action.RETURN: _l("Returned to the dispatcher."),
    Action.REASSIGN: _l("Reassigned."),
    Action.REQUEST_EXTENSION: _l("Extension requested; a supervisor will decide."),
    Action.REQUEST_HOLD: _l("Hold requested; a supervisor will decide."),
    Action.APPROVE_EXTENSION: _l("Extension approved: the deadline has moved."),
    Action.REFUSE_EXTENSION: _l("Extension refused."),
    Action.APPROVE_HOLD: _l("Hold approved: the clock is stopped."),
    Action.REFUSE_HOLD: _l("Hold refused."),
    Action.RESUME: _l("Resumed: the clock runs again."),
    Action.RECTIFY: _l("Rectification reported; an inspector will check it."),
    Action.VERIFY_PASS: _l("Verified and closed; the reporter is asked to rate."),
    Action.VERIFY_FAIL: _l("Sent back for rework."),
    Action.CLOSE: _l("Closed."),
    Action.REOPEN: _l("Reopened: back to the assignee with a new deadline."),
    Action.ADD_NOTE: _l("Note added."),
}

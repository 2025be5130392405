"""The case's clocks as ``workflows.escalation`` sees them, the policy that applies, and
the messages a reminder or an escalation sends (outbox rows, never a direct send)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Case, OutboxMessage, User
from app.services import clock
from app.services.calendar import working_calendar
from app.services.i18n import gettext_in
from app.services.message_kinds import tagged
from app.services.notifications import display_code
from app.services.sms_words import sms_time_in
from workflows.deadlines import Unit
from workflows.escalation import Audience, Clocks, Policy, Step, next_check


def policy_for(case: Case) -> Policy:
    """Thresholds and escalation delays: the category's own (kept by the administrator),
    else the city's defaults from configuration."""
    cfg = current_app.config
    category = case.category
    thresholds = category.reminder_thresholds or cfg["REMINDER_THRESHOLDS"]
    delays = category.escalation_delays or {}
    return Policy(
        thresholds=tuple(float(t) for t in thresholds),
        district_after_hours=float(delays.get("district", cfg["ESCALATE_DISTRICT_AFTER_HOURS"])),
        city_after_hours=float(delays.get("city", cfg["ESCALATE_CITY_AFTER_HOURS"])),
    )


def _local(moment: datetime | None) -> datetime | None:
    return clock.to_local(moment) if moment else None


def clocks_of(case: Case) -> Clocks:
    work_started = case.dispatched_at
    if case.rework_due_at is not None:
        # Rework: the working clock restarts at the failed verification.
        from app.models import CaseEvent

        work_started = db.session.scalar(
            select(CaseEvent.at).where(CaseEvent.case_id == case.id,
                                       CaseEvent.action == "verify_fail")
            .order_by(CaseEvent.id.desc()).limit(1)) or case.dispatched_at
    return Clocks(
        state=case.state,
        unit=Unit(case.limit_unit or Unit.WORKING_HOURS),
        dispatched_at=_local(case.dispatched_at),
        response_due=_local(case.response_due_at),
        # A reassigned case waits for its new assignee's signature again, though its
        # response time (the first sign-for) is kept for the figures.
        signed_at=_local(case.signed_at) if case.state != "dispatched" else None,
        work_started=_local(work_started),
        work_due=_local(case.work_due_at),
        rectified_at=_local(case.rectified_at),
        verify_due=_local(case.verify_due_at),
        escalation_level=case.escalation_level,
    )


def refresh_next_check(case: Case, now: datetime) -> None:
    """Set when the sweep should next look at the case (called by the door)."""
    moment = next_check(clocks_of(case), clock.to_local(now), working_calendar(),
                        policy_for(case))
    value = clock.from_local(moment) if moment else None
    if case.next_check_at != value:  # assign only a change: no spurious UPDATE
        case.next_check_at = value


# -- messages -------------------------------------------------------------------------------


def recipients(case: Case, audience: Audience) -> list[tuple[str, str, User | None]]:
    """(phone, language, user) for everyone an audience means for this case."""
    if audience is Audience.ASSIGNEE:
        if case.assignee_user is not None and case.assignee_user.phone:
            u = case.assignee_user
            return [(u.phone, u.language, u)]
        if case.assignee_agency is not None and case.assignee_agency.duty_phone:
            return [(case.assignee_agency.duty_phone, "zh_Hans_CN", None)]
        return []
    query = select(User).where(User.active.is_(True), User.phone.is_not(None))
    if audience is Audience.INSPECTOR:
        query = query.where(User.role == "inspector", (User.street_id == case.street_id) | (
            (User.street_id.is_(None)) & (User.district_id == case.district_id)))
    else:
        query = query.where(User.role == "supervisor")
        if audience is Audience.STREET:
            query = query.where(User.street_id == case.street_id)
        elif audience is Audience.DISTRICT:
            query = query.where(User.street_id.is_(None), User.district_id == case.district_id)
        else:
            query = query.where(User.district_id.is_(None))
    return [(u.phone, u.language, u) for u in db.session.scalars(query.order_by(User.id))]


def _l(message: str) -> str:
    """Marks a message for extraction; translated later, per recipient."""
    return message


_WHAT = {"response": _l("sign for"), "verify": _l("verify"), "rectify": _l("fix")}
# Marked here, where extraction sees them; each is translated per recipient below.
ESCALATION = _l("[roadchief] Supervision (level %(level)s): case %(code)s is overdue since "
                "%(due)s.")
REMINDER = _l("[roadchief] Reminder: %(pct)s%% of the time to %(what)s case %(code)s has "
              "passed; due %(due)s.")


def step_text(case: Case, step: Step, language: str) -> str:
    """What a reminder or an escalation step says, in the recipient's language."""
    code = display_code(case.code)
    if step.kind == "escalate":
        due = sms_time_in(language, case.work_due_at)
        return tagged("escalation", gettext_in(language, ESCALATION, level=step.level,
                                               code=code, due=due),
                      level=step.level, code=code, due=due)
    due = sms_time_in(language, {"response": case.response_due_at,
                                 "verify": case.verify_due_at}.get(step.clock,
                                                                   case.work_due_at))
    what = gettext_in(language, _WHAT.get(step.clock, _WHAT["rectify"]))
    pct = int(round((step.threshold or 0) * 100))
    return tagged("reminder", gettext_in(language, REMINDER, pct=pct, what=what, code=code,
                                         due=due),
                  pct=pct, what=what, code=code, due=due)


def write_messages(case: Case, step: Step, event_id: int | None = None,
                   audience_cache: dict | None = None, sink: list | None = None) -> int:
    """Outbox rows for a step, one per recipient. The step's own unique row, written in the
    same transaction, keeps a step from being written twice; the messages' unique dedupe
    keys are the safety net."""
    n = 0
    if audience_cache is not None and step.audience is not Audience.ASSIGNEE:
        key = (step.audience, case.street_id, case.district_id)
        if key not in audience_cache:
            audience_cache[key] = recipients(case, step.audience)
        people = audience_cache[key]
    else:
        people = recipients(case, step.audience)
    for phone, language, user in people:
        key = f"step:{case.id}:{step.key}:{user.id if user else phone}"[:120]
        body = step_text(case, step, language)
        row = dict(dedupe_key=key, channel="sms", to_phone=phone, kind=body.kind,
                   params=body.params,
                   user_id=user.id if user else None, case_id=case.id, event_id=event_id,
                   language=language, body=body, created_at=clock.now(), status="pending",
                   attempts=0)
        if sink is not None:
            sink.append(row)  # inserted in bulk by the caller
        else:
            db.session.add(OutboxMessage(**row))
        n += 1
    return n

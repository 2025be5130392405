"""Translated names for the domain's enums, used by screens and messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from workflows.deadlines import Unit
from workflows.lifecycle import Action, Role, State
from workflows.routing import Urgency

STATE = {
    State.SUBMITTED: _l("Waiting for triage"),
    State.REJECTED: _l("Not accepted"),
    State.MERGED: _l("Merged"),
    State.DISPATCHED: _l("Dispatched"),
    State.IN_PROGRESS: _l("In progress"),
    State.RETURNED: _l("Returned"),
    State.ON_HOLD: _l("On hold"),
    State.RECTIFIED: _l("Waiting for verification"),
    State.CLOSED: _l("Closed"),
}

ACTION = {
    Action.SUBMIT: _l("report"),
    Action.SUPPORT: _l("report the same problem"),
    Action.DISPATCH: _l("dispatch"),
    Action.REJECT: _l("reject"),
    Action.MERGE: _l("merge"),
    Action.SIGN_FOR: _l("sign for"),
    Action.RETURN: _l("return"),
    Action.REASSIGN: _l("reassign"),
    Action.REQUEST_EXTENSION: _l("request an extension"),
    Action.APPROVE_EXTENSION: _l("approve the extension"),
    Action.REFUSE_EXTENSION: _l("refuse the extension"),
    Action.REQUEST_HOLD: _l("request a hold"),
    Action.APPROVE_HOLD: _l("approve the hold"),
    Action.REFUSE_HOLD: _l("refuse the hold"),
    Action.RESUME: _l("resume"),
    Action.RECTIFY: _l("report the rectification"),
    Action.VERIFY_PASS: _l("pass the verification"),
    Action.VERIFY_FAIL: _l("fail the verification"),
    Action.CLOSE: _l("close"),
    Action.RATE: _l("rate"),
    Action.REOPEN: _l("reopen"),
    Action.ADD_NOTE: _l("add a note"),
    Action.ESCALATE: _l("escalate"),
    Action.HAND_OVER: _l("hand over to the new road chief"),
    Action.SELF_HANDLE: _l("record as fixed on the spot"),
}

ROLE = {
    Role.RESIDENT: _l("Resident"),
    Role.DISPATCHER: _l("Dispatcher"),
    Role.ROAD_CHIEF: _l("Road chief"),
    Role.TEAM_MEMBER: _l("Road team member"),
    Role.AGENCY_STAFF: _l("Agency staff"),
    Role.INSPECTOR: _l("Inspector"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.OPERATOR: _l("Hotline operator"),
    Role.ADMIN: _l("Administrator"),
    Role.SYSTEM: _l("System"),
}

URGENCY = {
    Urgency.NORMAL: _l("Normal"),
    Urgency.URGENT: _l("Urgent"),
    Urgency.CRITICAL: _l("Critical"),
}

UNIT = {
    Unit.WORKING_HOURS: _l("working hours"),
    Unit.WORKING_DAYS: _l("working days"),
    Unit.CALENDAR_HOURS: _l("calendar hours"),
}

INPUT = {
    "reason": _l("a reason"),
    "note": _l("a note"),
    "photo": _l("a photo"),
    "assignee": _l("an assignee"),
    "target_case": _l("the case to merge into"),
    "new_deadline": _l("a new deadline"),
    "rating": _l("a rating"),
    "level": _l("an escalation level"),
}

#: Where a case came from (``case.channel``).
CHANNEL = {
    "web": lazy_pgettext("channel", "Web"),
    "sms": lazy_pgettext("channel", "SMS"),
    "open311": lazy_pgettext("channel", "Open311"),
    "staff": lazy_pgettext("channel", "Staff"),
    "demo": lazy_pgettext("channel", "Demo"),
    "patrol": lazy_pgettext("channel", "Patrol"),
    "hotline": lazy_pgettext("channel", "Hotline"),
    "wechat": lazy_pgettext("channel", "WeChat"),
}


#: A resident's rating of a closed case (1 满意, 2 基本满意, 3 不满意), everywhere it is shown.
RATING = {
    1: _l("Satisfied"),
    2: _l("Basically satisfied"),
    3: _l("Dissatisfied"),
}


def name_in(thing, locale=None) -> str:
    """A place's, agency's or category's name (``name_zh`` / ``name_en``) in the reader's
    language, or in ``locale``: English for an English locale, Chinese for any other."""
    if locale is None:
        from flask_babel import get_locale

        locale = get_locale()
    return thing.name_en if str(locale).startswith("en") else thing.name_zh


HANDLER = {
    "road_chief": _l("the area's road chief"),
    "law_enforcement": _l("Law enforcement"),
    "traffic_police": _l("Traffic police"),
    "utilities": _l("Utilities"),
    "sanitation": _l("Sanitation"),
    "landscaping": _l("Landscaping"),
    "municipal_roads": _l("Municipal roads"),
    "environment": _l("Environment"),
}

#: The official holidays by the names the chinesecalendar package gives them.
HOLIDAY = {
    "New Year's Day": _l("New Year's Day"),
    "Spring Festival": _l("Spring Festival"),
    "Tomb-sweeping Day": _l("Tomb-sweeping Day"),
    "Labour Day": _l("Labour Day"),
    "Dragon Boat Festival": _l("Dragon Boat Festival"),
    "National Day": _l("National Day"),
    "Mid-autumn Festival": _l("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _l("Anti-Fascist 70th Day"),
    # Written by earlier versions, which did not keep the holiday's name.
    "official holiday": _l("Official holiday"),
    "make-up working day": _l("Make-up working day"),
}

#: Reasons the system itself gives (the sweep), shown translated; a person's reason is
#: shown as written.
SYSTEM_REASON = {
    "overdue": _l("The time limit has passed."),
}


def handler(key: str) -> str:
    """A handler key's name (an unknown key, added by a city, shows as itself)."""
    name = HANDLER.get(key)
    return str(name) if name is not None else key


def holiday(name: str | None) -> str:
    return str(HOLIDAY[name]) if name in HOLIDAY else (name or "")


def reason(text: str | None) -> str:
    return str(SYSTEM_REASON[text]) if text in SYSTEM_REASON else (text or "")

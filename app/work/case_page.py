"""The staff case page, prepared for its template: the buttons a person may press
on a case, its history told as who/what/when/why, and a resident's number masked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from app import labels
from app.models import Attachment, Case, CaseEvent, CaseRequest
from app.services import clock, queues, triage
from app.services.actors import Actor, authorize
from app.services.errors import ServiceError
from app.services.i18n import local_time
from app.services.privacy import mask_phone
from workflows.lifecycle import Action, Role, State, allowed_actions, find
from workflows.routing import Urgency

#: Actions that are never a staff button: residents' own, the automatic escalation, and
#: fixed on the spot (recorded with the patrol report itself).
NOT_BUTTONS = frozenset({Action.SUBMIT, Action.SUPPORT, Action.RATE, Action.ESCALATE,
                         Action.SELF_HANDLE})
#: Actions that need a pending request of a kind, and those that need none to be pending.
NEEDS_PENDING = {
    Action.APPROVE_EXTENSION: "extension", Action.REFUSE_EXTENSION: "extension",
    Action.APPROVE_HOLD: "hold", Action.REFUSE_HOLD: "hold",
}
NEEDS_NONE_PENDING = {Action.REQUEST_EXTENSION: "extension", Action.REQUEST_HOLD: "hold"}
#: The step that moves the case on comes first on a phone screen; a note comes last.
MAIN_STEPS = (Action.DISPATCH, Action.SIGN_FOR, Action.RECTIFY, Action.VERIFY_PASS,
              Action.APPROVE_EXTENSION, Action.APPROVE_HOLD, Action.RESUME, Action.REOPEN)



def available_actions(case: Case, actor: Actor, pending: dict[str, CaseRequest | None]
                      ) -> list[Action]:
    """The buttons for this person on this case: what the state machine allows their role
    in the case's state, what their place and assignment allow (``authorize``), and what
    the pending requests make sensible."""
    state = case.state_enum
    out = []
    for action in allowed_actions(state, [actor.role]):
        if action in NOT_BUTTONS:
            continue
        if action in NEEDS_PENDING and pending.get(NEEDS_PENDING[action]) is None:
            continue
        if action in NEEDS_NONE_PENDING and pending.get(NEEDS_NONE_PENDING[action]):
            continue
        try:
            authorize(actor, case, find(state, action))
        except ServiceError:
            continue
        out.append(action)

    def rank(action: Action) -> tuple[int, int]:
        if action in MAIN_STEPS:
            return (0, MAIN_STEPS.index(action))
        return (2, 0) if action is Action.ADD_NOTE else (1, 0)

    return sorted(out, key=rank)  # stable: otherwise the state machine's order


def _parse(moment: Any) -> datetime | None:
    if not moment:
        return None
    try:
        return datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        return None


def _when(moment: datetime | None) -> str:
    return local_time(moment)


@dataclass
class Entry:
    """One line of a case's history."""

    event: CaseEvent
    who: str
    what: str
    change: str  # "Dispatched → In progress", or "" when the state stays
    why: list[str] = field(default_factory=list)  # reason, note
    details: list[str] = field(default_factory=list)
    photos: list[Attachment] = field(default_factory=list)


def _who(event: CaseEvent) -> str:
    role = Role(event.actor_role)
    role_name = labels.ROLE[role]
    if event.actor_user is not None:
        return f"{event.actor_user.display_name} ({role_name})"
    return str(role_name)  # a resident is never named here, nor their number shown


def _assignee(names, user_id, agency_id) -> str:
    if user_id:
        return names.get(("user", user_id), "?")
    if agency_id:
        return names.get(("agency", agency_id), "?")
    return ""


def _details(event: CaseEvent, names) -> list[str]:
    data = event.data or {}
    action = Action(event.action)
    out: list[str] = []
    if data.get("category_from"):
        out.append(_("Category changed from %(old)s to %(new)s.", old=data["category_from"],
                     new=data.get("category", "")))
    if action in (Action.DISPATCH, Action.REASSIGN):
        who = _assignee(names, data.get("assignee_user_id"), data.get("assignee_agency_id"))
        if who:
            out.append(_("Assigned to %(who)s.", who=who))
        if action is Action.DISPATCH:
            if data.get("urgency"):
                out.append(_("Urgency: %(u)s.", u=labels.URGENCY[Urgency(data["urgency"])]))
            if data.get("route") == "override":
                out.append(_("Route chosen by the dispatcher."))
    due = _parse(data.get("due_at"))
    if action in (Action.DISPATCH, Action.APPROVE_EXTENSION, Action.RESUME, Action.REOPEN) \
            and due:
        out.append(_("Deadline: %(when)s.", when=_when(due)))
    if action is Action.REQUEST_EXTENSION and data.get("new_due_at"):
        out.append(_("Asked for a new deadline: %(when)s.",
                     when=_when(_parse(data["new_due_at"]))))
    if action is Action.RECTIFY and "on_time" in data:
        out.append(_("Reported within the time limit.") if data["on_time"]
                   else _("Reported after the time limit."))
    if action is Action.VERIFY_FAIL and data.get("rework_due_at"):
        out.append(_("Rework number %(n)s, due %(when)s.", n=data.get("rework_count", 1),
                     when=_when(_parse(data["rework_due_at"]))))
    if action is Action.MERGE and data.get("into"):
        out.append(_("Merged into case %(code)s.", code=_code(data["into"])))
    if data.get("merged_from"):
        out.append(_("Case %(code)s was merged into this one (%(n)s people follow it now).",
                     code=_code(data["merged_from"]), n=data.get("followers_moved", 0)))
    if action is Action.RATE and data.get("score") in labels.RATING:
        out.append(str(labels.RATING[data["score"]]))
    if action is Action.ESCALATE and data.get("level"):
        out.append(_("Escalation level %(n)s.", n=data["level"]))
    if action is Action.SUPPORT:
        out.append(_("Another resident reported the same problem."))
    return out


def _code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def history(case: Case, attachments: list[Attachment], locale: str) -> list[Entry]:
    events = queues.timeline(case)
    user_ids, agency_ids = set(), set()
    for e in events:
        data = e.data or {}
        user_ids.add(data.get("assignee_user_id"))
        agency_ids.add(data.get("assignee_agency_id"))
    names = queues.names(user_ids, agency_ids, locale)
    photos: dict[int | None, list[Attachment]] = {}
    for a in attachments:
        photos.setdefault(a.event_id, []).append(a)
    out = []
    for e in events:
        src = State(e.from_state) if e.from_state else None
        dst = State(e.to_state)
        change = f"{labels.STATE[src]} → {labels.STATE[dst]}" if src and src != dst else (
            str(labels.STATE[dst]) if src is None else "")
        why = []
        if e.reason:
            why.append(_("Reason: %(text)s", text=labels.reason(e.reason)))
        if e.note and not (e.data or {}).get("merged_from"):
            why.append(_("Note: %(text)s", text=e.note))
        out.append(Entry(e, _who(e), str(labels.ACTION[Action(e.action)]), change, why,
                         _details(e, names), photos.get(e.id, [])))
    return out


def case_page(case: Case, actor: Actor, locale: str) -> dict[str, Any]:
    """Everything the case page shows."""
    user = actor.user
    now = clock.now()
    attachments = queues.attachments(case)
    pending = {"extension": queues.pending_request(case, "extension"),
               "hold": queues.pending_request(case, "hold")}
    actions = available_actions(case, actor, pending)
    page: dict[str, Any] = {
        "case": case,
        "status": queues.time_status(case, now),
        "actions": actions,
        "pending": pending,
        "history": history(case, attachments, locale),
        "photos": attachments,
        "reporter": None if case.anonymous or case.reporter is None
        else mask_phone(case.reporter.phone),
        "supporters": queues.supporters(case),
        "ratings": queues.ratings(case),
        "score_names": labels.RATING,
        "suggestion": None,
        "nearby": [],
        "choices": None,
        "urgencies": list(Urgency),
        "reject_reasons": triage.REJECT_REASONS,
        "now_local": clock.to_local(now),
    }
    if Action.DISPATCH in actions or Action.MERGE in actions:
        suggestion = triage.suggest(case, user.district_id if user else None)
        page["suggestion"] = suggestion
        page["nearby"] = queues.nearby_open(case, user)
        page["choices"] = queues.assignee_choices(case, suggestion.area)
        page["areas"] = queues.areas_in(case.district_id or (user.district_id if user else None))
        page["categories"] = queues.categories()
    elif Action.REASSIGN in actions:
        page["choices"] = queues.assignee_choices(case)
    return page


"""What each action does to a case, stated once: the next state, which clocks start, stop,
move or reset, which counters change, and which missed deadline is booked for good.

Pure policy: no Flask, no SQLAlchemy, no I/O. The one door (``app.services.cases``)
computes an action's inputs (deadlines from the time-limit rules on the working calendar,
the chosen assignee ...), writes them into the action's event, and applies
:func:`apply` to the case; the metrics replay (``workflows.metrics.replay``) applies the
same function to the stored events. The inputs are read from the event's data, so what
the door did and what the replay does cannot drift apart.

Missed deadlines (DOMAIN.md, "Decisions on the numbers"): a deadline that passed while
its rectification was not in is a *breach*. When an action would take that deadline or
its holder away (a return, a hold, an extension, a reassignment, a hand-over, a reopen),
the breach is kept as it stood, counted due and late in its own day for the one who held
the case then, whatever happens later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from workflows.lifecycle import Action

#: States whose case's current deadline is not counted as due: a hold stops the clock, a
#: merged or rejected case was never the assignee's to fix.
NOT_DUE_STATES = frozenset({"on_hold", "merged", "rejected"})


@dataclass(frozen=True)
class Breach:
    """A deadline that passed unmet, kept as it stood when the case moved on from it."""

    due_at: datetime
    dispatched_at: datetime | None
    signed_at: datetime | None
    extended: bool
    district_id: int | None
    street_id: int | None
    area_id: int | None
    category_id: int | None
    assignee_user_id: int | None
    assignee_agency_id: int | None
    channel: str


@dataclass(frozen=True)
class CaseRecord:
    """The fields of a case that the loop's actions change and the figures read."""

    state: str
    channel: str = ""
    district_id: int | None = None
    street_id: int | None = None
    area_id: int | None = None
    category_id: int | None = None
    urgency: str | None = None
    assignee_user_id: int | None = None
    assignee_agency_id: int | None = None
    limit_rule_id: int | None = None
    limit_unit: str | None = None
    dispatched_at: datetime | None = None
    response_due_at: datetime | None = None
    due_at: datetime | None = None  # the final deadline, after extensions and holds
    rework_due_at: datetime | None = None
    verify_due_at: datetime | None = None
    held_seconds_left: int | None = None
    signed_at: datetime | None = None  # the first sign-for after the latest dispatch
    rectified_at: datetime | None = None  # the latest reported rectification
    closed_at: datetime | None = None
    extension_count: int = 0
    rework_count: int = 0
    escalation_level: int = 0
    overdue: bool = False
    breaches: tuple[Breach, ...] = ()
    # Not changed by actions (followers and ratings are rows of their own); read by the
    # figures once the case is closed.
    has_contact: bool = False
    scores: tuple[int, ...] = ()

    @property
    def current_deadline_counts(self) -> bool:
        """Whether the current deadline counts as due (and was not booked as a breach)."""
        return (self.dispatched_at is not None and self.due_at is not None
                and self.state not in NOT_DUE_STATES
                and all(b.due_at != self.due_at for b in self.breaches))


#: The fields an action may change, which the door copies onto the case row.
CASE_FIELDS = tuple(name for name in CaseRecord.__dataclass_fields__
                    if name not in ("breaches", "has_contact", "scores", "channel"))


def when(value: Any) -> datetime | None:
    """A moment as the event data keeps it (ISO 8601), or None."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _met(rec: CaseRecord) -> bool:
    """The rectification was in by the deadline (accepted or still waiting for its check)."""
    return rec.rectified_at is not None and rec.due_at is not None \
        and rec.rectified_at <= rec.due_at


def book_breach(rec: CaseRecord, at: datetime) -> CaseRecord:
    """Keep the current deadline as a breach if it passed unmet before ``at``; called by
    the actions that would take the deadline or its holder away."""
    if not rec.current_deadline_counts or rec.due_at > at or _met(rec):  # type: ignore[operator]
        return rec
    breach = Breach(
        due_at=rec.due_at, dispatched_at=rec.dispatched_at,  # type: ignore[arg-type]
        signed_at=rec.signed_at, extended=rec.extension_count > 0,
        district_id=rec.district_id, street_id=rec.street_id, area_id=rec.area_id,
        category_id=rec.category_id, assignee_user_id=rec.assignee_user_id,
        assignee_agency_id=rec.assignee_agency_id, channel=rec.channel)
    return replace(rec, breaches=(*rec.breaches, breach))


Effect = Callable[[CaseRecord, datetime, Mapping[str, Any]], CaseRecord]


def _keep(rec: CaseRecord, at: datetime, d: Mapping[str, Any]) -> CaseRecord:
    return rec


def submit(rec, at, d):
    return replace(rec, state="submitted", channel=d.get("channel", rec.channel),
                   area_id=d.get("area_id", rec.area_id),
                   street_id=d.get("street_id", rec.street_id),
                   district_id=d.get("district_id", rec.district_id),
                   category_id=d.get("category_id", rec.category_id),
                   urgency=d.get("urgency", rec.urgency))


def dispatch(rec, at, d):
    """立案派遣: place, assignee and limit as routed; the response and rectification clocks
    start now."""
    return replace(
        rec, state="dispatched", dispatched_at=at,
        area_id=d.get("area_id", rec.area_id), street_id=d.get("street_id", rec.street_id),
        district_id=d.get("district_id", rec.district_id),
        category_id=d.get("category_id", rec.category_id),
        urgency=d.get("urgency", rec.urgency),
        assignee_user_id=d.get("assignee_user_id"),
        assignee_agency_id=d.get("assignee_agency_id"),
        limit_rule_id=d.get("limit_rule_id", rec.limit_rule_id),
        limit_unit=d.get("limit_unit", rec.limit_unit),
        response_due_at=when(d.get("response_due_at")), due_at=when(d.get("due_at")),
        rework_due_at=None, verify_due_at=None, signed_at=None, rectified_at=None,
        escalation_level=0, overdue=False)


def reject(rec, at, d):
    return replace(rec, state="rejected", closed_at=at)


def merge(rec, at, d):
    return replace(rec, state="merged", closed_at=at)


def sign_for(rec, at, d):
    """签收: the response time ends at the first sign-for after the dispatch; a sign-for
    after a reassignment does not restart it."""
    return replace(rec, state="in_progress", signed_at=rec.signed_at or at)


def return_case(rec, at, d):
    """退回: back to the dispatcher; the clocks stop and a re-dispatch starts new ones."""
    rec = book_breach(rec, at)
    return replace(rec, state="returned", assignee_user_id=None, assignee_agency_id=None,
                   response_due_at=None, due_at=None, rework_due_at=None, signed_at=None,
                   dispatched_at=None)


def reassign(rec, at, d):
    """To another person or agency, who signs for it again; the deadlines stay."""
    rec = book_breach(rec, at)
    return replace(rec, state="dispatched", assignee_user_id=d.get("assignee_user_id"),
                   assignee_agency_id=d.get("assignee_agency_id"))


def approve_extension(rec, at, d):
    rec = book_breach(rec, at)
    return replace(rec, due_at=when(d.get("due_at")), rework_due_at=None,
                   extension_count=rec.extension_count + 1, overdue=False)


def approve_hold(rec, at, d):
    """挂账: the clock stops, keeping the time that was left."""
    rec = book_breach(rec, at)
    return replace(rec, state="on_hold", held_seconds_left=d.get("seconds_left"))


def resume(rec, at, d):
    return replace(rec, state="in_progress", due_at=when(d.get("due_at")),
                   rework_due_at=when(d.get("rework_due_at")), held_seconds_left=None)


def rectify(rec, at, d):
    return replace(rec, state="rectified", rectified_at=at,
                   verify_due_at=when(d.get("verify_due_at")), rework_due_at=None)


def verify_pass(rec, at, d):
    return replace(rec, state="closed", closed_at=at, verify_due_at=None)


def verify_fail(rec, at, d):
    """返工: back to the assignee with a rework deadline; counted."""
    return replace(rec, state="in_progress", rework_count=rec.rework_count + 1,
                   rework_due_at=when(d.get("rework_due_at")), rectified_at=None,
                   verify_due_at=None)


def close(rec, at, d):
    return replace(rec, state="closed", closed_at=at, verify_due_at=None)


def reopen(rec, at, d):
    """回访重办: a fresh rectification limit from now."""
    rec = book_breach(rec, at)
    return replace(rec, state="in_progress", due_at=when(d.get("due_at")),
                   limit_rule_id=d.get("limit_rule_id", rec.limit_rule_id),
                   limit_unit=d.get("limit_unit", rec.limit_unit),
                   closed_at=None, rectified_at=None, rework_due_at=None, overdue=False)


def escalate(rec, at, d):
    return replace(rec, escalation_level=int(d.get("level", rec.escalation_level)),
                   overdue=rec.overdue or bool(d.get("overdue", True)))


def hand_over(rec, at, d):
    """An area's new road chief inherits its open cases with their clocks; a deadline the
    old chief already missed stays booked to them."""
    rec = book_breach(rec, at)
    return replace(rec, assignee_user_id=d.get("assignee_user_id"), assignee_agency_id=None)


def self_handle(rec, at, d):
    """自行处置: the inspector who reported a minor problem fixed it on the spot. Closed
    without ``closed_at``: it never entered the time-limit loop, so the figures count it
    apart, neither due nor among the closed cases."""
    return replace(rec, state="closed")


EFFECTS: dict[Action, Effect] = {
    Action.SUBMIT: submit,
    Action.SUPPORT: _keep,
    Action.DISPATCH: dispatch,
    Action.REJECT: reject,
    Action.MERGE: merge,
    Action.SIGN_FOR: sign_for,
    Action.RETURN: return_case,
    Action.REASSIGN: reassign,
    Action.REQUEST_EXTENSION: _keep,
    Action.APPROVE_EXTENSION: approve_extension,
    Action.REFUSE_EXTENSION: _keep,
    Action.REQUEST_HOLD: _keep,
    Action.APPROVE_HOLD: approve_hold,
    Action.REFUSE_HOLD: _keep,
    Action.RESUME: resume,
    Action.RECTIFY: rectify,
    Action.VERIFY_PASS: verify_pass,
    Action.VERIFY_FAIL: verify_fail,
    Action.CLOSE: close,
    Action.RATE: _keep,
    Action.REOPEN: reopen,
    Action.ADD_NOTE: _keep,
    Action.ESCALATE: escalate,
    Action.HAND_OVER: hand_over,
    Action.SELF_HANDLE: self_handle,
}
assert set(EFFECTS) == set(Action), "every action states its effect"


def apply(action: Action | str, rec: CaseRecord, at: datetime,
          data: Mapping[str, Any]) -> CaseRecord:
    """The case after ``action`` at ``at`` with the inputs ``data`` (the event's data)."""
    return EFFECTS[Action(action)](rec, at, data)

"""Follow-up calls (回访): after a case is closed, the hotline calls back the residents who
were not satisfied and those who gave no rating within a few days.

A resident reached on the phone gives their rating through the operator: it is recorded
as their rating through the one door (``cases.rate``, channel ``hotline``), so it counts in
回访率 and 满意率 exactly as DOMAIN.md defines them (ratings received ÷ closed cases with a
contact; satisfied ÷ ratings). A call that did not reach anyone is kept but rates nothing.
A dissatisfied outcome may be handed to a supervisor, who decides whether to reopen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select

from app.extensions import db
from app.models import Case, CaseEvent, CaseFollower, Contact, FollowUpCall, Rating, User
from app.models.intake import WORDS_MAX
from app.services import cases, clock
from app.services.actors import Actor
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.queues import visible_clause
from workflows.lifecycle import Action, State

PAGE = 50


@dataclass
class Due:
    case: Case
    contact: Contact
    rating: Rating | None  # the 不满意 rating that asks for the call; None: no rating yet


def _after_days() -> int:
    return int(current_app.config.get("FOLLOW_UP_AFTER_DAYS", 3))


def due(user: User, limit: int = PAGE) -> list[Due]:
    """Closed cases to call back, oldest closure first: rated 不满意, or with no rating
    FOLLOW_UP_AFTER_DAYS days after closing; not called since they were closed."""
    cutoff = clock.now() - timedelta(days=_after_days())
    rated = select(Rating.id).where(Rating.case_id == Case.id,
                                    Rating.contact_id == CaseFollower.contact_id,
                                    Rating.at >= Case.closed_at)
    unhappy = select(Rating.id).where(Rating.case_id == Case.id,
                                      Rating.contact_id == CaseFollower.contact_id,
                                      Rating.score == 3, Rating.at >= Case.closed_at)
    called = select(FollowUpCall.id).where(FollowUpCall.case_id == Case.id,
                                           FollowUpCall.at >= Case.closed_at)
    rows = db.session.execute(
        select(Case, Contact)
        .join(CaseFollower, and_(CaseFollower.case_id == Case.id,
                                 CaseFollower.kind == "reporter"))
        .join(Contact, Contact.id == CaseFollower.contact_id)
        # The call needs the reporter's own number: not an anonymous report, not a number
        # anonymised by retention, not a WeChat-only resident.
        .where(~Case.anonymous, Contact.anonymised_at.is_(None),
               Contact.wechat_openid.is_(None))
        .where(Case.state == State.CLOSED.value, Case.closed_at.is_not(None),
               or_(exists(unhappy), and_(~exists(rated), Case.closed_at <= cutoff)),
               ~exists(called), visible_clause(user))
        .order_by(Case.closed_at, Case.id).limit(limit)).all()
    out = []
    for case, contact in rows:
        out.append(Due(case, contact, _latest_rating(case, contact)))
    return out


def _latest_rating(case: Case, contact: Contact) -> Rating | None:
    """The resident's rating of the case's latest closure, if given."""
    return db.session.scalar(select(Rating).where(
        Rating.case_id == case.id, Rating.contact_id == contact.id,
        Rating.at >= case.closed_at).order_by(Rating.at.desc()).limit(1))


def record(user: User, case_id: int, *, reached: bool, score: int | None, words: str,
           hand_over: bool = False) -> FollowUpCall:
    """Record one follow-up call. Checked before anything is written."""
    case = db.session.get(Case, case_id)
    if case is None or not db.session.scalar(
            select(Case.id).where(Case.id == case_id, visible_clause(user))):
        raise NotFound()
    if case.state != State.CLOSED.value:
        raise Conflict(_l("This case is not closed any more: no follow-up call is due."))
    contact = db.session.scalar(select(Contact).join(
        CaseFollower, CaseFollower.contact_id == Contact.id).where(
        CaseFollower.case_id == case.id, CaseFollower.kind == "reporter"))
    if contact is None:
        raise InvalidInput(_l("This case has no reporter to call."), field="reached")
    words = (words or "").strip()
    if len(words) > WORDS_MAX:
        raise InvalidInput(_l("That text is too long (at most %(n)s characters).", n=WORDS_MAX),
                           field="words")
    if reached and score not in (1, 2, 3):
        raise InvalidInput(_l("Say how satisfied the resident is."), field="score")
    if not reached:
        score = None
    if hand_over and score != 3:
        raise InvalidInput(_l("Only a dissatisfied outcome is handed to a supervisor."),
                           field="hand_over")
    now = clock.now()
    call = FollowUpCall(case_id=case.id, operator_id=user.id, at=now, reached=reached,
                        score=score, words=words, handed_over_at=now if hand_over else None)
    db.session.add(call)
    earlier = _latest_rating(case, contact)
    if reached and earlier is None:
        # The resident's own answer, given on the phone: their rating, through the door
        # (which commits the call with it).
        cases.rate(case, Actor.resident(contact), score=score, comment=words,
                   channel="hotline")
        call.rating_id = getattr(_latest_rating(case, contact), "id", None)
    if hand_over:
        cases.add_note(case, Actor.staff(user), note=str(_l(
            "Follow-up call: the resident is not satisfied; handed to a supervisor to "
            "reopen. %(words)s", words=words)).strip())
    db.session.commit()
    return call


def handed(user: User, limit: int = PAGE) -> list[tuple[FollowUpCall, Case]]:
    """Dissatisfied follow-up calls handed to supervisors, on cases still closed and not
    reopened since."""
    reopened = select(CaseEvent.id).where(
        CaseEvent.case_id == FollowUpCall.case_id, CaseEvent.action == Action.REOPEN.value,
        CaseEvent.at >= FollowUpCall.handed_over_at).exists()
    rows = db.session.execute(
        select(FollowUpCall, Case).join(Case, Case.id == FollowUpCall.case_id)
        .where(FollowUpCall.handed_over_at.is_not(None), Case.state == State.CLOSED.value,
               ~reopened, visible_clause(user))
        .order_by(FollowUpCall.handed_over_at).limit(limit)).all()
    return [(c, k) for c, k in rows]


def counts(user: User, first, last) -> dict[str, int]:
    """Follow-up calls made in a period: made, reached, handed over."""
    calls = list(db.session.scalars(
        select(FollowUpCall).join(Case, Case.id == FollowUpCall.case_id)
        .where(FollowUpCall.at >= first, FollowUpCall.at < last, visible_clause(user))))
    return {"calls": len(calls), "reached": sum(c.reached for c in calls),
            "handed_over": sum(c.handed_over_at is not None for c in calls)}

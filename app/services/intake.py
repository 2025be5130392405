"""Reports that staff take in for the city: the per-category rules of the patrol and
hotline channels (may the category be used, is a report dispatched at once), an
inspector's usual categories, and what follows a new staff-made report."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseEvent, Category, IntakeRule, User
from app.services import cases, clock
from app.services.actors import Actor
from app.services.errors import Forbidden, InvalidInput, ServiceError
from workflows.lifecycle import Action

USUAL_DAYS = 90  # an inspector's usual categories: the reports of the last three months


def rules(channel: str) -> dict[int, IntakeRule]:
    return {r.category_id: r for r in db.session.scalars(
        select(IntakeRule).where(IntakeRule.channel == channel))}


def categories(channel: str) -> list[Category]:
    """The active categories this channel may use, in catalogue order."""
    barred = {cid for cid, r in rules(channel).items() if not r.allowed}
    return [c for c in db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort, Category.id))
        if c.id not in barred]


def check_category(channel: str, code: str | None) -> Category:
    """The category, or a clear refusal when it is unknown or barred for this channel."""
    code = (code or "").strip().upper()
    category = db.session.scalar(select(Category).where(Category.code == code,
                                                        Category.active.is_(True)))
    if category is None:
        raise InvalidInput(_l("Please choose the kind of problem."), field="category")
    rule = db.session.get(IntakeRule, (channel, category.id))
    if rule is not None and not rule.allowed:
        raise Forbidden(_l("“%(name)s” may not be reported this way: it is left to the "
                           "residents and the dispatchers.",
                           name=category.name(str(get_locale()))), field="category")
    return category


def usual_first(user: User, channel: str) -> list[Category]:
    """The channel's categories with the ones this person reported most in the last
    three months first (most used first, then catalogue order)."""
    since = clock.now() - timedelta(days=USUAL_DAYS)
    counts = dict(db.session.execute(
        select(Case.category_id, func.count())
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(CaseEvent.actor_user_id == user.id, CaseEvent.action == Action.SUBMIT.value,
               CaseEvent.at >= since)
        .group_by(Case.category_id)).all())
    listed = categories(channel)
    order = {c.id: i for i, c in enumerate(listed)}
    return sorted(listed, key=lambda c: (-counts.get(c.id, 0), order[c.id]))


def after_report(case: Case, channel: str) -> Case:
    """A staff-made report whose category's rule says so is dispatched at once by the
    routing rule; one the rule cannot route (no area, no road chief) stays with the
    dispatchers, like any other report."""
    rule = db.session.get(IntakeRule, (channel, case.category_id))
    if rule is None or not rule.dispatch_at_once:
        return case
    try:
        return cases.dispatch(case.id, Actor.system())
    except ServiceError:
        return cases.get_case(case.id)


def set_rule(channel: str, category_id: int, *, allowed: bool, dispatch_at_once: bool) -> None:
    rule = db.session.get(IntakeRule, (channel, category_id))
    if rule is None:
        rule = IntakeRule(channel=channel, category_id=category_id)
        db.session.add(rule)
    rule.allowed, rule.dispatch_at_once = allowed, dispatch_at_once and allowed



def figures(user: User, first: datetime, last: datetime) -> dict[str, int]:
    """The staff intake channels in a period [first, last), read from the case records:
    patrol reports and how many of them were fixed on the spot (自行处置: closed at once,
    never due nor among the closed cases of the time-limit figures, so counted here
    apart), hotline cases, and the follow-up calls made."""
    from app.services import follow_up
    from app.services.queues import visible_clause

    def count(query) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    made = {channel: count(select(Case.id).where(
        Case.channel == channel, Case.created_at >= first, Case.created_at < last,
        visible_clause(user))) for channel in ("patrol", "hotline")}
    fixed = count(select(CaseEvent.id).join(Case, Case.id == CaseEvent.case_id).where(
        CaseEvent.action == Action.SELF_HANDLE.value, CaseEvent.at >= first,
        CaseEvent.at < last, visible_clause(user)))
    at_once = count(select(CaseEvent.id).join(Case, Case.id == CaseEvent.case_id).where(
        CaseEvent.action == Action.DISPATCH.value, CaseEvent.actor_role == "system",
        Case.channel.in_(("patrol", "hotline")), CaseEvent.at >= first, CaseEvent.at < last,
        visible_clause(user)))
    calls = follow_up.counts(user, first, last)
    return {"patrol": made["patrol"], "self_handled": fixed, "hotline": made["hotline"],
            "dispatched_at_once": at_once, **{f"follow_up_{k}": v for k, v in calls.items()}}

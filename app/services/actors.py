"""Who is acting, and what their role and place let them see and do.

Seeing is checked first (an unseen case is "not found", so its existence does not leak);
then acting, which for an assignee's actions also means the case is assigned to them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Case, Contact, User
from app.services.errors import Forbidden, NotFound
from workflows.lifecycle import ASSIGNEES, Action, Role, Transition

#: Actions that only the case's current assignee (or their road chief) may take.
ASSIGNEE_ACTIONS = frozenset(
    {
        Action.SIGN_FOR, Action.RETURN, Action.REQUEST_EXTENSION, Action.REQUEST_HOLD,
        Action.RECTIFY,
    }
)


@dataclass(frozen=True)
class Actor:
    role: Role
    user: User | None = None
    contact: Contact | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(Role.SYSTEM)

    @classmethod
    def staff(cls, user: User) -> Actor:
        return cls(Role(user.role), user=user)

    @classmethod
    def resident(cls, contact: Contact | None = None) -> Actor:
        return cls(Role.RESIDENT, contact=contact)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


def chief_area_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(Area.id).where(Area.road_chief_id == user.id)))


def in_place(user: User, case: Case) -> bool:
    """Whether the case lies under the user's place (city, district, street or area)."""
    level = user.level
    if level == "city":
        return True
    if level == "district":
        return case.district_id == user.district_id
    if level == "street":
        return case.street_id == user.street_id
    return case.area_id == user.area_id


def can_see(actor: Actor, case: Case) -> bool:
    role, user = actor.role, actor.user
    if role in (Role.SYSTEM, Role.ADMIN):
        return True
    if role is Role.RESIDENT:
        return actor.contact is not None and any(
            f.contact_id == actor.contact.id for f in case.followers
        )
    assert user is not None
    if role is Role.DISPATCHER:
        # Unrouted cases have no place yet: every dispatcher may pick them up.
        return case.district_id is None or in_place(user, case)
    if role in (Role.SUPERVISOR, Role.INSPECTOR, Role.OPERATOR):
        return in_place(user, case)
    if role is Role.ROAD_CHIEF:
        return case.assignee_user_id == user.id or case.area_id in chief_area_ids(user)
    if role is Role.TEAM_MEMBER:
        return case.assignee_user_id == user.id
    if role is Role.AGENCY_STAFF:
        return user.agency_id is not None and case.assignee_agency_id == user.agency_id
    return False


def authorize(actor: Actor, case: Case | None, transition: Transition) -> None:
    """Raise NotFound when the actor may not see the case, Forbidden when they may see it
    but not take this action. The role itself was checked by the state machine."""
    if case is None or actor.role is Role.SYSTEM or transition.action is Action.SUPPORT:
        return
    if not can_see(actor, case):
        raise NotFound()
    if transition.action in ASSIGNEE_ACTIONS and actor.role in ASSIGNEES:
        user = actor.user
        assert user is not None
        mine = (
            case.assignee_agency_id == user.agency_id
            if actor.role is Role.AGENCY_STAFF
            else case.assignee_user_id == user.id
        )
        if not mine:
            raise Forbidden(_l("Only the assignee of this case may do that."))
    if transition.action is Action.REASSIGN and actor.role is Role.ROAD_CHIEF:
        assert actor.user is not None
        if case.area_id not in chief_area_ids(actor.user):
            raise Forbidden(_l("Only the road chief of the case's area may reassign it."))

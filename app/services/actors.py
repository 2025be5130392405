"""Who is acting, and what their role and place let them see and do.

Seeing is checked first (an unseen case is "not found", so its existence does not leak);
then acting, which for an assignee's actions also means the case is assigned to them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Agency, Area, Case, Contact, Street, User
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
    #: Facts about the way the action came in, kept on each event it writes (a partner
    #: system's key and its own update id), as (name, value) pairs.
    via: tuple[tuple[str, str], ...] = ()

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


# -- where an actor may send a case ------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A point or region of the hierarchy; None at a level means "any" below a higher one."""

    district_id: int | None = None
    street_id: int | None = None
    area_id: int | None = None

    def covers(self, other: Place) -> bool:
        """Whether ``other`` lies inside this place (the city, with no ids, covers all)."""
        for mine, theirs in ((self.area_id, other.area_id), (self.street_id, other.street_id),
                             (self.district_id, other.district_id)):
            if mine is not None:
                return mine == theirs
        return True


def area_place(area: Area) -> Place:
    return Place(area.street.district_id, area.street_id, area.id)


def user_place(user: User) -> Place:
    """A staff member's place, completed upwards (an area-level account names only its area)."""
    if user.area_id is not None:
        area = user.area or db.session.get(Area, user.area_id)
        return area_place(area)
    if user.street_id is not None:
        street = user.street or db.session.get(Street, user.street_id)
        return Place(street.district_id, street.id)
    if user.district_id is not None:
        return Place(user.district_id)
    if user.agency_id is not None:
        agency = user.agency or db.session.get(Agency, user.agency_id)
        return Place(agency.district_id)
    return Place()


def reach(actor: Actor, case: Case) -> Place:
    """The place inside which the actor may route this case: their own place, or for a
    road chief (who acts as the chief of the case's area) the case's area."""
    assert actor.user is not None
    if actor.role is Role.ROAD_CHIEF and case.area_id is not None:
        return Place(case.district_id, case.street_id, case.area_id)
    return user_place(actor.user)


def check_routing_place(actor: Actor, case: Case, *, area: Area | None = None,
                        user_id: int | None = None, agency_id: int | None = None) -> None:
    """Refuse (Forbidden) an area, assignee or agency that lies outside the place the actor
    answers for: a district's dispatcher cannot route into another district, a street's
    supervisor cannot hand a case to another street's chief. The screens offer only what
    is inside; this is the server's own word on it. Jobs (the system) route anywhere."""
    if actor.role is Role.SYSTEM or actor.user is None:
        return
    mine = reach(actor, case)
    if area is not None and not mine.covers(area_place(area)):
        raise Forbidden(_l("That area is outside your place."), field="area")
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or not (mine.covers(user_place(user))
                                or _on_case_team(mine, case, user_id)):
            raise Forbidden(_l("That person works outside your place."), field="assignee")
    if agency_id is not None:
        agency = db.session.get(Agency, agency_id)
        # An agency serves a whole district (or, without one, the city).
        if agency is None or (agency.district_id is not None and mine.district_id is not None
                              and agency.district_id != mine.district_id):
            raise Forbidden(_l("That agency works outside your place."), field="assignee")


def _on_case_team(mine: Place, case: Case, user_id: int) -> bool:
    """A member of the road team of the case's area (teams may cross area lines), when
    that area is the actor's to route in."""
    from app.models import TeamMembership

    if case.area_id is None or not mine.covers(Place(case.district_id, case.street_id,
                                                     case.area_id)):
        return False
    return db.session.scalar(select(TeamMembership.id).where(
        TeamMembership.area_id == case.area_id, TeamMembership.user_id == user_id)) is not None

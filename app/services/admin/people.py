"""People: staff accounts (role, place, active, password reset), each area's road chief and
its "1+2+N" team, and agencies with their staff and owned categories.

Handing an area to a new road chief goes through the case door
(:func:`app.services.cases.hand_over`), which moves the open cases with an event on each."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from argon2 import PasswordHasher
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Agency,
    AgencyCategory,
    Area,
    Case,
    Category,
    District,
    Street,
    TeamKind,
    TeamMembership,
    User,
)
from app.models.people import STAFF_ROLES
from app.services import accounts, cases, contacts, reference_data
from app.services.actors import Actor
from app.services.admin import Invalid, Problems, audit, flag, text, word_list
from app.services.errors import InvalidInput
from workflows.lifecycle import ASSIGNED_STATES, Role

USER_FIELDS = ("username", "display_name", "role", "phone", "district_id", "street_id",
               "area_id", "agency_id", "language", "active")
AGENCY_FIELDS = ("code", "handler", "district_id", "name_zh", "name_en", "duty_phone")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
HANDLER = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
TEAM_KINDS = tuple(k.value for k in TeamKind)
# Temporary passwords are random (72 bits), so a light argon2 setting protects them as well
# as the default does a chosen password, and a 2,000-account import takes seconds, not
# minutes. The parameters live in the hash: any argon2 verifier accepts it, and a sign-in
# that checks ``check_needs_rehash`` upgrades it with the user's own password.
_hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


# -- places by code -------------------------------------------------------------------------


def resolve_place(raw: Any) -> tuple[int | None, int | None, int | None] | None:
    """(district_id, street_id, area_id) for a place code (an area, street or district);
    (None, None, None) for the whole city (empty); None when no place has that code."""
    value = str(raw or "").strip().upper()
    if not value:
        return (None, None, None)
    area = db.session.scalar(select(Area).where(Area.code == value))
    if area is not None:
        return (area.street.district_id, area.street_id, area.id)
    street = db.session.scalar(select(Street).where(Street.code == value))
    if street is not None:
        return (street.district_id, street.id, None)
    district = db.session.scalar(select(District).where(District.code == value))
    if district is not None:
        return (district.id, None, None)
    return None


def place_code(user: User) -> str:
    for place in (user.area, user.street, user.district):
        if place is not None:
            return place.code
    return ""


def place_choices() -> list[tuple[str, str]]:
    """(code, label) for every place, in hierarchy order, for a select."""
    choices = []
    for d in db.session.scalars(select(District).order_by(District.code)):
        choices.append((d.code, f"{d.code} {d.name_zh}"))
        for s in d.streets:
            choices.append((s.code, f"— {s.code} {s.name_zh}"))
            for a in s.areas:
                choices.append((a.code, f"—— {a.code} {a.name_zh}"))
    return choices


# -- staff accounts ------------------------------------------------------------------------------


def validate_user(data: Mapping[str, Any], user: User | None = None,
                  usernames_in_file: set[str] | None = None) -> dict[str, Any]:
    problems = Problems()
    username = text(problems, data, "username", 64, required=True).lower()
    if username and not USERNAME.match(username):
        problems.add("username", _l("Use 2 to 64 lower-case letters, digits, '.', '-' or '_'."))
    clash = db.session.scalar(select(User.id).where(User.username == username))
    if clash is not None and (user is None or clash != user.id):
        problems.add("username", _l("The username %(name)s is already taken.", name=username))
    if usernames_in_file is not None and username in usernames_in_file:
        problems.add("username", _l("The username %(name)s appears twice in this file.",
                                    name=username))
    values: dict[str, Any] = {
        "username": username,
        "display_name": text(problems, data, "display_name", 64, required=True),
        "role": text(problems, data, "role", 20, required=True).lower(),
    }
    if values["role"] and values["role"] not in STAFF_ROLES:
        problems.add("role", _l("Unknown role %(role)s (one of: %(roles)s).",
                                role=values["role"], roles=", ".join(STAFF_ROLES)))
    phone = str(data.get("phone") or "").strip()
    try:
        values["phone"] = contacts.normalize_phone(phone)
    except InvalidInput as exc:
        problems.add("phone", exc.message)
    place = resolve_place(data.get("place"))
    if user is not None and str(data.get("place") or "").strip().upper() == place_code(user):
        place = (user.district_id, user.street_id, user.area_id)  # as stored: no change
    if place is None:
        problems.add("place", _l("No district, street or area has the code %(code)s.",
                                 code=data.get("place")))
        place = (None, None, None)
    values["district_id"], values["street_id"], values["area_id"] = place
    agency_code = str(data.get("agency") or "").strip()
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code)) \
        if agency_code else None
    if agency_code and agency is None:
        problems.add("agency", _l("No agency has the code %(code)s.", code=agency_code))
    values["agency_id"] = agency.id if agency else None
    if values["role"] == Role.AGENCY_STAFF.value and agency is None and not agency_code:
        problems.add("agency", _l("Agency staff belong to an agency."))
    if values["role"] != Role.AGENCY_STAFF.value and agency_code:
        problems.add("agency", _l("Only agency staff belong to an agency."))
    language = str(data.get("language") or "zh_Hans_CN").strip()
    if language not in current_app.config["LANGUAGES"]:
        problems.add("language", _l("Unknown language %(lang)s.", lang=language))
    values["language"] = language
    values["active"] = flag(problems, data, "active", True)
    if user is not None:
        _still_coherent(problems, user, values)
    problems.raise_if_any()
    return values


def _still_coherent(problems: Problems, user: User, values: dict[str, Any]) -> None:
    """A road chief who is still accountable for areas keeps the role and stays active."""
    chief_of = db.session.scalars(select(Area.code).where(Area.road_chief_id == user.id)).all()
    if chief_of and (values["role"] != Role.ROAD_CHIEF.value or not values["active"]):
        problems.add("role", _l("%(name)s is the road chief of %(areas)s: hand those areas to "
                                "another road chief first.", name=user.username,
                                areas=", ".join(chief_of)))


def save_user(admin: User, data: Mapping[str, Any], user: User | None = None,
              source: str = "form", values: dict[str, Any] | None = None
              ) -> tuple[User, str | None]:
    """Create or update a staff account (staged). A new account gets a temporary password,
    returned once."""
    values = values or validate_user(data, user)
    if user is not None and user.id == admin.id and (
            not values["active"] or values["role"] != Role.ADMIN.value):
        raise Invalid({"active": _l("You cannot deactivate yourself or drop your own "
                                    "administrator role.")})
    before = audit.snapshot(user, USER_FIELDS) if user is not None else None
    password = None
    if user is None:
        password = temporary_password()
        user = User(password_hash=_hasher.hash(password))
        db.session.add(user)
    for key, value in values.items():
        setattr(user, key, value)
    db.session.flush()
    audit.record(admin, "user", user.username, "update" if before else "create", before,
                 audit.snapshot(user, USER_FIELDS), source)
    return user, password


def temporary_password() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, ~72 bits


def reset_password(admin: User, user: User) -> str:
    """A new temporary password (shown once to the administrator); unlocks the account."""
    password = temporary_password()
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    accounts.forgive_failures(user, "password reset")
    audit.record(admin, "user", user.username, "update", {"password": "old"},
                 {"password": "reset"})
    db.session.flush()
    return password


def staff(role: str = "", place: str = "", q: str = "", active: str = "") -> list[User]:
    query = _staff_query(role, place, q, active)
    return [] if query is None else list(db.session.scalars(query.limit(500)))


STAFF_PER_PAGE = 50


def staff_page(page: int = 1, role: str = "", place: str = "", q: str = "", active: str = ""
               ) -> tuple[list[User], int]:
    """One page of the staff list (a city has hundreds of accounts) and how many match."""
    query = _staff_query(role, place, q, active)
    if query is None:
        return [], 0
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, page)
    users = db.session.scalars(query.limit(STAFF_PER_PAGE).offset((page - 1) * STAFF_PER_PAGE))
    return list(users), total


def _staff_query(role: str, place: str, q: str, active: str):
    query = select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    if active in ("1", "0"):
        query = query.where(User.active.is_(active == "1"))
    if q:
        like = f"%{q.strip()}%"
        query = query.where(User.username.ilike(like) | User.display_name.ilike(like)
                            | User.phone.ilike(like))
    if place:
        resolved = resolve_place(place)
        if resolved is None:
            return None
        district_id, street_id, area_id = resolved
        if area_id:
            query = query.where(User.area_id == area_id)
        elif street_id:
            query = query.where(User.street_id == street_id)
        elif district_id:
            query = query.where(User.district_id == district_id)
    return query


# -- road chiefs and teams ------------------------------------------------------------------------


def open_cases_held(area: Area, user_id: int | None) -> int:
    if user_id is None:
        return 0
    return db.session.scalar(select(func.count()).where(
        Case.area_id == area.id, Case.assignee_user_id == user_id,
        Case.state.in_([s.value for s in ASSIGNED_STATES]))) or 0


def check_chief(area: Area, user: User | None, problems: Problems, field: str = "road_chief"
                ) -> None:
    if user is None:
        if open_cases_held(area, area.road_chief_id):
            problems.add(field, _l("The road chief still holds open cases of this area: "
                                   "choose who takes them over."))
        return
    if user.role != Role.ROAD_CHIEF.value:
        problems.add(field, _l("%(name)s is not a road chief.", name=user.username))
    elif not user.active:
        problems.add(field, _l("%(name)s is not active.", name=user.username))


def stage_chief(admin: User, area: Area, user: User | None, source: str = "form"
                ) -> tuple[Area, int | None, int] | None:
    """Set the area's road chief (staged) and return the hand-over to run, if any."""
    problems = Problems()
    check_chief(area, user, problems)
    problems.raise_if_any()
    old = area.road_chief_id
    new = user.id if user else None
    if old == new:
        return None
    area.road_chief_id = new
    if user is not None and user.area_id is None:
        user.area_id, user.street_id = area.id, area.street_id
        user.district_id = area.street.district_id
    audit.record(admin, "area", area.code, "update", {"road_chief_id": old},
                 {"road_chief_id": new}, source)
    if old is None or new is None:
        return None
    return (area, old, new)


def hand_over(admin: User, moves: list[tuple[Area, int | None, int]], reason: str) -> int:
    """Commit the staged changes together with the hand-over of each area's open cases.
    Returns how many cases moved."""
    try:
        moved = cases.hand_over(moves, Actor.staff(admin), reason=reason)
    except Exception:
        db.session.rollback()
        raise
    reference_data.changed()  # and every other host's and worker's caches
    return len(moved)


def set_chief(admin: User, area: Area, user: User | None, reason: str = "") -> int:
    move = stage_chief(admin, area, user)
    reason = reason.strip() or str(_l("The area has a new road chief."))
    return hand_over(admin, [move] if move else [], reason)


def add_member(admin: User, area: Area, user: User | None, kind: str,
               source: str = "form") -> TeamMembership:
    problems = Problems()
    if user is None:
        problems.add("user", _l("No such person."))
    elif user.role not in (Role.TEAM_MEMBER.value, Role.ROAD_CHIEF.value):
        problems.add("user", _l("%(name)s is not a road team member.", name=user.username))
    if kind not in TEAM_KINDS:
        problems.add("kind", _l("Unknown team position %(kind)s.", kind=kind))
    problems.raise_if_any()
    member = db.session.scalar(select(TeamMembership).where(
        TeamMembership.area_id == area.id, TeamMembership.user_id == user.id))
    before = {"user": user.username, "kind": member.kind} if member else None
    if member is None:
        member = TeamMembership(area_id=area.id, user_id=user.id, kind=kind)
        db.session.add(member)
    member.kind = kind
    db.session.flush()
    audit.record(admin, "team_membership", f"{area.code}/{user.username}",
                 "update" if before else "create", before,
                 {"user": user.username, "kind": kind}, source)
    return member


def remove_member(admin: User, member: TeamMembership, source: str = "form") -> None:
    audit.record(admin, "team_membership", f"{member.area.code}/{member.user.username}",
                 "delete", {"user": member.user.username, "kind": member.kind}, None, source)
    db.session.delete(member)
    db.session.flush()


# -- agencies ------------------------------------------------------------------------------


def save_agency(admin: User, data: Mapping[str, Any], agency: Agency | None = None,
                source: str = "form") -> Agency:
    problems = Problems()
    values: dict[str, Any] = {
        "code": text(problems, data, "code", 32, required=True),
        "handler": text(problems, data, "handler", 32, required=True).lower(),
        "name_zh": text(problems, data, "name_zh", 64, required=True),
        "name_en": text(problems, data, "name_en", 128, required=True),
    }
    if values["code"] and not re.match(r"^[A-Za-z0-9:_-]+$", values["code"]):
        problems.add("code", _l("Use letters, digits, '-', '_' or ':' only."))
    if values["handler"] and not HANDLER.match(values["handler"]):
        problems.add("handler", _l("A handler key is lower-case letters, digits and '_'."))
    clash = db.session.scalar(select(Agency.id).where(Agency.code == values["code"]))
    if clash is not None and (agency is None or clash != agency.id):
        problems.add("code", _l("The code %(code)s is already used.", code=values["code"]))
    district_code = str(data.get("district") or "").strip().upper()
    district = db.session.scalar(select(District).where(District.code == district_code)) \
        if district_code else None
    if district_code and district is None:
        problems.add("district", _l("No district has the code %(code)s.", code=district_code))
    values["district_id"] = district.id if district else None
    try:
        values["duty_phone"] = contacts.normalize_phone(str(data.get("duty_phone") or ""))
    except InvalidInput as exc:
        problems.add("duty_phone", exc.message)
    wanted = word_list(data.get("categories") or [])
    categories = list(db.session.scalars(select(Category).where(Category.code.in_(wanted))))
    unknown = set(wanted) - {c.code for c in categories}
    if unknown:
        problems.add("categories", _l("Unknown categories: %(codes)s.",
                                      codes=", ".join(sorted(unknown))))
    problems.raise_if_any()
    before = agency_snapshot(agency) if agency is not None else None
    if agency is None:
        agency = Agency(**values)
        db.session.add(agency)
    else:
        for key, value in values.items():
            setattr(agency, key, value)
    db.session.flush()
    owned = {ac.category_id: ac for ac in db.session.scalars(
        select(AgencyCategory).where(AgencyCategory.agency_id == agency.id))}
    for category in categories:
        if category.id not in owned:
            db.session.add(AgencyCategory(agency_id=agency.id, category_id=category.id))
    for category_id, link in owned.items():
        if category_id not in {c.id for c in categories}:
            db.session.delete(link)
    db.session.flush()
    db.session.expire(agency, ["categories"])
    audit.record(admin, "agency", agency.code, "update" if before else "create", before,
                 agency_snapshot(agency), source)
    return agency


def agency_snapshot(agency: Agency) -> dict[str, Any]:
    data = audit.snapshot(agency, AGENCY_FIELDS)
    data["categories"] = sorted(c.code for c in agency.categories)
    return data


def agency_staff(agency: Agency) -> list[User]:
    return list(db.session.scalars(select(User).where(User.agency_id == agency.id)
                                   .order_by(User.username)))


def active_users(*roles: Role) -> list[User]:
    """Active staff of these roles, by username (the choices for a chief or a team)."""
    return list(db.session.scalars(select(User).where(
        User.role.in_([r.value for r in roles]), User.active.is_(True)).order_by(User.username)))


def areas_led_by(user: User) -> list[Area]:
    return list(db.session.scalars(select(Area).where(Area.road_chief_id == user.id)))


def agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).order_by(Agency.code)))


def staff_counts_by_agency() -> dict[int | None, int]:
    return dict(db.session.execute(select(User.agency_id, func.count())
                                   .group_by(User.agency_id)).all())


def all_staff() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))

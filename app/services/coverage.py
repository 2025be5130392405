"""Road chief coverage (路长制全覆盖): the share of responsibility areas with an active road
chief and a complete "1+2+N" team, by district and street, with the gaps listed.

Complete means: **1** an active road chief (an active account with the road chief role,
named on the area); **2** at least one active 楼长 (community city-management worker) and
one active 店长 (shop-front "three guarantees" supervisor) on the area's team; **N** at
least one active member of the joint forces (volunteer, property manager or linked unit)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import Area, District, Street, TeamMembership, User
from app.models.people import TeamKind
from workflows.lifecycle import Role

TWO = (TeamKind.COMMUNITY_WORKER.value, TeamKind.SHOP_SUPERVISOR.value)
N_KINDS = (TeamKind.VOLUNTEER.value, TeamKind.PROPERTY_MANAGER.value,
           TeamKind.LINKED_UNIT.value)
#: What an area may lack, in the order a gap is described.
MISSING = ("chief", "community_worker", "shop_supervisor", "joint_forces")


@dataclass
class Gap:
    area_id: int
    area_code: str
    area_name: str
    street_id: int
    district_id: int
    missing: list[str]


@dataclass
class Share:
    areas: int = 0
    with_chief: int = 0
    complete: int = 0

    @property
    def chief_rate(self) -> float | None:
        return self.with_chief / self.areas if self.areas else None

    @property
    def complete_rate(self) -> float | None:
        return self.complete / self.areas if self.areas else None


@dataclass
class Coverage:
    city: Share = field(default_factory=Share)
    districts: list[tuple[int, str, Share]] = field(default_factory=list)
    streets: list[tuple[int, str, int, Share]] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


def coverage(district_id: int | None = None, street_id: int | None = None) -> Coverage:
    """The coverage of the city, or of one district or street (and what is under it)."""
    stmt = (select(Area.id, Area.code, Area.name_zh, Area.street_id, Street.district_id,
                   Area.road_chief_id)
            .join(Street, Street.id == Area.street_id).order_by(Area.code))
    if street_id is not None:
        stmt = stmt.where(Area.street_id == street_id)
    elif district_id is not None:
        stmt = stmt.where(Street.district_id == district_id)
    areas = db.session.execute(stmt).all()
    ids = [a.id for a in areas]
    chiefs = set(db.session.scalars(select(User.id).where(
        User.active.is_(True), User.role == Role.ROAD_CHIEF.value,
        User.id.in_({a.road_chief_id for a in areas if a.road_chief_id}))))
    kinds: dict[int, set[str]] = defaultdict(set)
    if ids:
        for area_id, kind in db.session.execute(
            select(TeamMembership.area_id, TeamMembership.kind)
            .join(User, User.id == TeamMembership.user_id)
            .where(TeamMembership.area_id.in_(ids), User.active.is_(True))
        ):
            kinds[area_id].add(kind)
    out = Coverage()
    by_district: dict[int, Share] = defaultdict(Share)
    by_street: dict[int, Share] = defaultdict(Share)
    for a in areas:
        have = kinds[a.id]
        missing = []
        if a.road_chief_id not in chiefs:
            missing.append("chief")
        missing += [k for k in TWO if k not in have]
        if not have & set(N_KINDS):
            missing.append("joint_forces")
        for share in (out.city, by_district[a.district_id], by_street[a.street_id]):
            share.areas += 1
            share.with_chief += "chief" not in missing
            share.complete += not missing
        if missing:
            out.gaps.append(Gap(a.id, a.code, a.name_zh, a.street_id, a.district_id, missing))
    names = dict(db.session.execute(select(District.id, District.name_zh)).all())
    streets = {s.id: s for s in db.session.scalars(select(Street))}
    out.districts = sorted(((i, names.get(i, ""), s) for i, s in by_district.items()),
                           key=lambda r: (r[2].complete_rate or 0, r[1]))
    out.streets = sorted(((i, streets[i].name_zh, streets[i].district_id, s)
                          for i, s in by_street.items()),
                         key=lambda r: (r[3].complete_rate or 0, r[1]))
    return out

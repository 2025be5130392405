"""A small, realistic city for tests: one district of Wuhan with two streets, three
responsibility areas on real roads, their road chiefs and teams, agencies, inspectors,
supervisors at every level, the default catalogue and the official calendar."""

from __future__ import annotations

import io
from dataclasses import dataclass

from argon2 import PasswordHasher
from PIL import Image

from app.demo.seed import seed_agencies, seed_catalogue
from app.extensions import db
from app.models import Agency, Area, District, Road, Street, TeamMembership, User
from app.services.actors import Actor
from app.services.calendar import load_official_years
from app.services.media import Photo

_HASH = PasswordHasher().hash("correct horse battery")


def box(lng: float, lat: float, size: float = 0.004) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + size, lat],
            [lng + size, lat + size], [lng, lat + size], [lng, lat]]]}


@dataclass
class City:
    district: District
    other_district: District
    street: Street
    street2: Street
    area: Area  # 解放大道, JA01-01, inside (114.300..114.304, 30.600..30.604)
    area2: Area  # 黄浦路, JA01-02, same street
    area3: Area  # 中山大道, JA02-01, another street
    far_area: Area  # 武珞路, in another district
    chief: User
    chief2: User
    chief3: User
    far_chief: User
    member: User
    outsider_member: User
    dispatcher: User
    far_dispatcher: User
    inspector: User
    street_supervisor: User
    street2_supervisor: User
    district_supervisor: User
    city_supervisor: User
    traffic: Agency
    traffic_staff: User
    sanitation_staff: User
    admin: User

    def actor(self, user: User) -> Actor:
        return Actor.staff(user)

    # Points inside each area (lng, lat).
    POINT = (114.302, 30.602)
    POINT2 = (114.306, 30.602)
    POINT3 = (114.302, 30.610)
    FAR_POINT = (114.340, 30.540)
    NOWHERE = (114.200, 30.400)


def user(username, role, phone=None, **place) -> User:
    u = User(username=username, display_name=username, role=role, password_hash=_HASH,
             phone=phone, **place)
    db.session.add(u)
    db.session.flush()
    return u


def build_city() -> City:
    load_official_years([2025, 2026])
    seed_catalogue()
    ja = District(code="JA", name_zh="江岸区", name_en="Jiang'an District")
    wc = District(code="WC", name_zh="武昌区", name_en="Wuchang District")
    db.session.add_all([ja, wc])
    db.session.flush()
    s1 = Street(code="JA01", district_id=ja.id, name_zh="大智街道", name_en="Dazhi")
    s2 = Street(code="JA02", district_id=ja.id, name_zh="一元街道", name_en="Yiyuan")
    s3 = Street(code="WC01", district_id=wc.id, name_zh="中华路街道", name_en="Zhonghualu")
    db.session.add_all([s1, s2, s3])
    db.session.flush()

    def area(code, street, name, road, aliases, lng, lat):
        a = Area(code=code, street_id=street.id, name_zh=name, name_en=name,
                 polygon=box(lng, lat))
        a.roads.append(Road(name=road, aliases=aliases))
        db.session.add(a)
        db.session.flush()
        return a

    a1 = area("JA01-01", s1, "解放大道沿线", "解放大道", ["解放路"], 114.300, 30.600)
    a2 = area("JA01-02", s1, "黄浦路沿线", "黄浦路", [], 114.304, 30.600)
    a3 = area("JA02-01", s2, "中山大道沿线", "中山大道", [], 114.300, 30.608)
    a4 = area("WC01-01", s3, "武珞路沿线", "武珞路", [], 114.338, 30.538)
    seed_agencies()
    chief = user("chief", "road_chief", "+8613800000001", area_id=a1.id)
    chief2 = user("chief2", "road_chief", "+8613800000002", area_id=a2.id)
    chief3 = user("chief3", "road_chief", "+8613800000003", area_id=a3.id)
    far_chief = user("far_chief", "road_chief", "+8613800000004", area_id=a4.id)
    a1.road_chief_id, a2.road_chief_id = chief.id, chief2.id
    a3.road_chief_id, a4.road_chief_id = chief3.id, far_chief.id
    member = user("member", "team_member", "+8613800000005", area_id=a1.id)
    outsider = user("outsider", "team_member", "+8613800000006", area_id=a2.id)
    db.session.add_all([
        TeamMembership(area_id=a1.id, user_id=member.id, kind="community_worker"),
        TeamMembership(area_id=a2.id, user_id=outsider.id, kind="volunteer"),
    ])
    traffic = db.session.query(Agency).filter_by(code="JA:traffic_police").one()
    sanitation = db.session.query(Agency).filter_by(code="JA:sanitation").one()
    city = City(
        district=ja, other_district=wc, street=s1, street2=s2, area=a1, area2=a2, area3=a3,
        far_area=a4, chief=chief, chief2=chief2, chief3=chief3, far_chief=far_chief,
        member=member, outsider_member=outsider,
        dispatcher=user("dispatcher", "dispatcher", district_id=ja.id),
        far_dispatcher=user("far_dispatcher", "dispatcher", district_id=wc.id),
        inspector=user("inspector", "inspector", "+8613800000011", district_id=ja.id,
                       street_id=s1.id),
        street_supervisor=user("street_sup", "supervisor", "+8613800000012", district_id=ja.id,
                               street_id=s1.id),
        street2_supervisor=user("street2_sup", "supervisor", "+8613800000013",
                                district_id=ja.id, street_id=s2.id),
        district_supervisor=user("district_sup", "supervisor", "+8613800000014",
                                 district_id=ja.id),
        city_supervisor=user("city_sup", "supervisor", "+8613800000015"),
        traffic=traffic,
        traffic_staff=user("traffic", "agency_staff", agency_id=traffic.id),
        sanitation_staff=user("sanitation", "agency_staff", agency_id=sanitation.id),
        admin=user("admin", "admin"),
    )
    db.session.commit()
    return city


def photo(color=(30, 120, 60), fmt="JPEG", size=(64, 48)) -> Photo:
    image = Image.new("RGB", size, color)
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return Photo(buf.getvalue(), f"p.{fmt.lower()}")

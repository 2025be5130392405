"""The demo city: a Wuhan-like city with real district, street and road names, a road
chief and team for every area, agencies for every handler, the full catalogue, the
official calendar, one login per role, and six months of cases in every state.

Idempotent: places, people and the catalogue are upserted by code; the history is loaded
once. Historical cases are made through the one door (``app.services.cases``) with the
clock moved back, so their events, deadlines and ratings are as real as any others."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from PIL import Image, ImageDraw
from shapely.geometry import shape
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (
    Agency,
    AgencyCategory,
    Area,
    CalendarYear,
    Case,
    Category,
    District,
    OutboxMessage,
    Road,
    Street,
    TeamMembership,
    TimeLimitRule,
    User,
)
from app.services import cases, clock
from app.services.accounts import hash_password
from app.services.actors import Actor
from app.services.calendar import load_official_years
from app.services.catalogue_defaults import CATALOGUE, HANDLERS
from app.services.media import Photo
from workflows.lifecycle import Role
from workflows.routing import DEFAULT_RECTIFY_LIMITS, default_limits

CITY_FILE = Path(__file__).resolve().parent / "wuhan_city.json"
DEMO_PASSWORD = "roadchief-demo"

#: The demo logins shown in the README: username -> (role, place code, name).
DEMO_LOGINS = {
    "admin": ("admin", None, "系统管理员"),
    "dispatcher": ("dispatcher", "JA", "江岸区受理员"),
    "chief": ("road_chief", "JA01-01", None),
    "team": ("team_member", "JA01-01", None),
    "agency": ("agency_staff", "JA:traffic_police", "江岸区交警值班员"),
    "inspector": ("inspector", "JA01", "监督员"),
    "street_supervisor": ("supervisor", "JA01", "街道值班长"),
    "district_supervisor": ("supervisor", "JA", "区指挥中心值班长"),
    "city_supervisor": ("supervisor", None, "市城市运行管理中心值班长"),
    "operator": ("operator", None, "12345热线坐席"),
    "patrol": ("inspector", "JA01", "巡查监督员"),
}


def load_city_data() -> dict:
    return json.loads(CITY_FILE.read_text(encoding="utf-8"))


def seed(history: bool = True, cases_count: int = 400, rng_seed: int = 20261125,
         progress: Callable[[str], None] | None = None) -> dict:
    """Load the demo city. Returns counts of what exists afterwards; ``progress`` hears
    each stage as it starts."""
    say = progress or (lambda _stage: None)
    say("calendar and catalogue")
    data = load_city_data()
    if db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0:
        load_official_years([2025, 2026])
    seed_catalogue()
    seed_places(data)
    db.session.flush()
    from app.services import landmarks

    landmarks.seed_demo()
    seed_agencies()
    say("places and people")
    seed_people(data, hash_password(DEMO_PASSWORD))
    db.session.commit()
    if history and not db.session.scalar(select(Case.id).where(Case.channel == "demo").limit(1)):
        say(f"history: {cases_count} cases through the closed loop")
        History(data, random.Random(rng_seed)).load(cases_count)
    from app.demo import supervision_demo
    from app.services import demo_intake

    demo_intake.seed_rules()
    if history:
        demo_intake.seed_cases()
        supervision_demo.seed()
    from app.demo import assessment_demo

    assessment_demo.seed()
    return {
        "districts": db.session.scalar(select(func.count()).select_from(District)),
        "streets": db.session.scalar(select(func.count()).select_from(Street)),
        "areas": db.session.scalar(select(func.count()).select_from(Area)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "agencies": db.session.scalar(select(func.count()).select_from(Agency)),
        "categories": db.session.scalar(select(func.count()).select_from(Category)),
        "cases": db.session.scalar(select(func.count()).select_from(Case)),
    }


def seed_catalogue() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for sort, entry in enumerate(CATALOGUE):
        category = db.session.scalar(select(Category).where(Category.code == entry.code))
        if category is None:
            category = Category(code=entry.code)
            db.session.add(category)
        category.grp, category.name_zh, category.name_en = entry.grp, entry.name_zh, entry.name_en
        category.handler, category.icon = entry.handler, entry.icon
        category.hint_zh, category.hint_en = entry.hint_zh, entry.hint_en
        category.keywords, category.sort, category.active = list(entry.keywords), sort, True
        db.session.flush()
        if not db.session.scalar(
            select(TimeLimitRule.id).where(TimeLimitRule.category_id == category.id).limit(1)
        ):
            limits = default_limits(DEFAULT_RECTIFY_LIMITS[entry.code])
            for (kind, urgency), limit in limits.items():
                db.session.add(TimeLimitRule(
                    category_id=category.id, kind=kind.value, urgency=urgency.value,
                    amount=limit.amount, unit=limit.unit.value, valid_from=start))


def seed_places(data: dict) -> None:
    for d in data["districts"]:
        district = _upsert(District, d["code"], name_zh=d["name_zh"], name_en=d["name_en"])
        for s in d["streets"]:
            street = _upsert(Street, s["code"], name_zh=s["name_zh"], name_en=s["name_en"],
                             district_id=district.id)
            for a in s["areas"]:
                area = _upsert(Area, a["code"], name_zh=a["name_zh"], name_en=a["name_en"],
                               street_id=street.id, polygon=a["polygon"])
                have = {r.name for r in area.roads}
                for r in a["roads"]:
                    if r["name"] not in have:
                        area.roads.append(Road(name=r["name"], aliases=r["aliases"]))


def seed_agencies() -> None:
    categories = db.session.scalars(select(Category)).all()
    for district in db.session.scalars(select(District).order_by(District.code)):
        for i, (handler, (zh, en)) in enumerate(HANDLERS.items()):
            agency = _upsert(
                Agency, f"{district.code}:{handler}", handler=handler, district_id=district.id,
                name_zh=f"{district.name_zh}{zh}", name_en=f"{district.name_en} {en}",
                duty_phone=f"+86277{district.id:02d}{i:02d}0000"[:14],
            )
            owned = {c.id for c in agency.categories}
            for c in categories:
                if c.handler == handler and c.id not in owned:
                    db.session.add(AgencyCategory(agency_id=agency.id, category_id=c.id))


def _upsert(model, code: str, **values):
    row = db.session.scalar(select(model).where(model.code == code))
    if row is None:
        row = model(code=code, **values)
        db.session.add(row)
    else:
        for k, v in values.items():
            setattr(row, k, v)
    db.session.flush()
    return row


def _user(username: str, role: str, name: str, password_hash: str, phone: str | None = None,
          **place) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, password_hash=password_hash)
        db.session.add(user)
    user.display_name, user.role, user.phone, user.active = name, role, phone, True
    for key in ("district_id", "street_id", "area_id", "agency_id"):
        setattr(user, key, place.get(key))
    db.session.flush()
    return user


def seed_people(data: dict, password_hash: str) -> None:
    names = _Names(data, random.Random(7))
    phone_no = iter(range(10000, 99999))

    def phone() -> str:
        return f"+861380000{next(phone_no):04d}"[:14]

    team_kinds = ("community_worker", "shop_supervisor", "volunteer")
    for area in db.session.scalars(select(Area).order_by(Area.code)):
        chief = _user(f"lz-{area.code.lower()}", "road_chief", names.next(), password_hash,
                      phone(), area_id=area.id)
        area.road_chief_id = chief.id
        have = {m.user_id: m for m in area.team}
        for j, kind in enumerate(team_kinds):
            member = _user(f"td-{area.code.lower()}-{j + 1}", "team_member", names.next(),
                           password_hash, phone(), area_id=area.id)
            if member.id not in have:
                db.session.add(TeamMembership(area_id=area.id, user_id=member.id, kind=kind))
    for district in db.session.scalars(select(District)):
        _user(f"sl-{district.code.lower()}", "dispatcher", f"{district.name_zh}受理员",
              password_hash, district_id=district.id)
        _user(f"zb-{district.code.lower()}", "supervisor", f"{district.name_zh}值班长",
              password_hash, phone(), district_id=district.id)
        for street in district.streets:
            _user(f"hc-{street.code.lower()}", "inspector", f"{street.name_zh}监督员",
                  password_hash, phone(), district_id=district.id, street_id=street.id)
            _user(f"zb-{street.code.lower()}", "supervisor", f"{street.name_zh}值班长",
                  password_hash, phone(), district_id=district.id, street_id=street.id)
    for agency in db.session.scalars(select(Agency)):
        _user(f"dw-{agency.code.lower().replace(':', '-')}", "agency_staff",
              f"{agency.name_zh}值班员", password_hash, agency_id=agency.id,
              district_id=agency.district_id)
    _demo_logins(password_hash, names)


def _demo_logins(password_hash: str, names) -> None:
    for username, (role, place, name) in DEMO_LOGINS.items():
        place_ids: dict = {}
        if role in ("road_chief", "team_member"):
            area = db.session.scalar(select(Area).where(Area.code == place))
            place_ids = {"area_id": area.id}
            if role == "road_chief":
                # The demo road chief takes over the first area (its generated chief stays
                # as an ordinary account).
                user = _user(username, role, name or names.next(), password_hash,
                             "+8613800001111", **place_ids)
                area.road_chief_id = user.id
                continue
            user = _user(username, role, name or names.next(), password_hash, "+8613800002222",
                         **place_ids)
            if not db.session.scalar(select(TeamMembership.id).where(
                    TeamMembership.area_id == area.id, TeamMembership.user_id == user.id)):
                db.session.add(TeamMembership(area_id=area.id, user_id=user.id,
                                              kind="community_worker"))
            continue
        if role == "agency_staff":
            agency = db.session.scalar(select(Agency).where(Agency.code == place))
            place_ids = {"agency_id": agency.id, "district_id": agency.district_id}
        elif place and len(place) == 2:
            place_ids = {"district_id": db.session.scalar(
                select(District.id).where(District.code == place))}
        elif place:
            street = db.session.scalar(select(Street).where(Street.code == place))
            place_ids = {"district_id": street.district_id, "street_id": street.id}
        _user(username, role, name, password_hash, **place_ids)


class _Names:
    def __init__(self, data: dict, rng: random.Random):
        self.surnames, self.given, self.rng = data["surnames"], data["given_names"], rng

    def next(self) -> str:
        return self.rng.choice(self.surnames) + self.rng.choice(self.given)


def demo_photo(color: tuple[int, int, int], label: str = "") -> Photo:
    image = Image.new("RGB", (320, 240), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 220), outline=(255, 255, 255), width=4)
    draw.text((30, 30), label, fill=(255, 255, 255))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=70)
    return Photo(buf.getvalue(), "demo.jpg")


@dataclass
class _Cast:
    dispatcher: Actor
    supervisor: Actor
    inspector: Actor


class History:
    """Six months of cases, driven through the door with the clock moved back."""

    def __init__(self, data: dict, rng: random.Random):
        self.data, self.rng = data, rng
        self.reports = data["reports"]
        self.areas = db.session.scalars(select(Area).order_by(Area.code)).all()
        self.categories = {c.code: c for c in db.session.scalars(select(Category))}

    def load(self, count: int) -> None:
        app = current_app
        paused = app.config.get("OUTBOX_DELIVERY", True)
        app.config["OUTBOX_DELIVERY"] = False  # history is not texted to anyone
        try:
            end = datetime.now(UTC) - timedelta(hours=1)
            start = end - timedelta(days=182)
            moments = sorted(start + (end - start) * self.rng.random() for _ in range(count))
            for i, moment in enumerate(moments):
                self._one(i, moment, end)
            self._unrouted(end)
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.status == "pending")
                .values(status="sent", provider_id="demo-history", sent_at=func.now()))
            db.session.commit()
        finally:
            app.config["OUTBOX_DELIVERY"] = paused

    def _cast(self, area: Area) -> _Cast:
        street = area.street
        def by(username):
            return Actor.staff(db.session.scalar(select(User).where(User.username == username)))
        return _Cast(by(f"sl-{street.district.code.lower()}"), by(f"zb-{street.code.lower()}"),
                     by(f"hc-{street.code.lower()}"))

    def _assignee(self, case: Case) -> Actor:
        if case.assignee_user_id:
            return Actor.staff(db.session.get(User, case.assignee_user_id))
        return Actor.staff(db.session.scalar(
            select(User).where(User.agency_id == case.assignee_agency_id,
                               User.role == Role.AGENCY_STAFF.value).order_by(User.id).limit(1)))

    def _one(self, i: int, reported: datetime, end: datetime) -> None:
        rng = self.rng
        area = rng.choice(self.areas)
        code = rng.choice(list(self.categories))
        road = rng.choice(area.roads).name
        text = rng.choice(self.reports[code]).replace("{road}", road)
        point = shape(area.polygon).representative_point()
        lng = round(point.x + rng.uniform(-0.0004, 0.0004), 6)
        lat = round(point.y + rng.uniform(-0.0004, 0.0004), 6)
        phone = None if rng.random() < 0.2 else f"+86139{rng.randrange(10**8):08d}"
        urgency = "critical" if code == "HF06" else rng.choice(["normal"] * 8 + ["urgent"])
        with clock.travel(reported):
            try:
                case = cases.submit(
                    Actor.resident(), category_code=code, description=text, lat=lat, lng=lng,
                    address=road, urgency=urgency, phone=phone, anonymous=rng.random() < 0.1,
                    channel="demo", photos=[demo_photo((120, 90, 60), "before")],
                )
            except Exception:
                return
        if case.area_id is None:
            return  # a jittered point can fall just outside: it stays unrouted, as in life
        cast = self._cast(area)
        age = end - reported
        t = reported
        step = _Stepper(rng, end)
        # The newest cases stop part-way, so every open state has cases in it.
        stop = "none"
        if age < timedelta(days=20):
            stop = rng.choice(["submitted", "dispatched", "in_progress", "rectified", "none"])
        if stop == "submitted":
            return

        # Triage: a few rejected or merged, the newest still waiting.
        t = step.after(t, minutes=(5, 90))
        if t is None:
            return
        fate = rng.random()
        with clock.travel(t):
            if fate < 0.04:
                cases.reject(case, cast.dispatcher, reason="不属于城市管理职责范围")
                return
            if fate < 0.07:
                target = db.session.scalar(
                    select(Case).where(Case.category_id == case.category_id,
                                       Case.id != case.id,
                                       Case.district_id == case.district_id,
                                       Case.state.in_(["dispatched", "in_progress"]))
                    .order_by(Case.id.desc()).limit(1))
                if target is not None:
                    cases.merge(case, cast.dispatcher, into=target)
                    return
            cases.dispatch(case, cast.dispatcher)
        if stop == "dispatched":
            return
        assignee = self._assignee(case)
        if fate > 0.97:
            t = step.after(t, minutes=(10, 60))
            if t is None:
                return
            with clock.travel(t):
                cases.return_case(case, assignee, reason="该问题不在本责任区范围内")
            return

        late = rng.random() < 0.07
        t = step.after(t, minutes=(5, 100))
        if t is None:
            return
        with clock.travel(t):
            cases.sign_for(case, assignee)
        if stop == "in_progress":
            return
        # Extensions and holds are asked for before the deadline they would move.
        if rng.random() < 0.05 and age > timedelta(days=20) \
                and t + timedelta(minutes=30) < case.due_at:
            with clock.travel(t + timedelta(minutes=30)):
                cases.request_extension(case, assignee, reason="需协调产权单位，申请延期",
                                        new_due_at=case.due_at + timedelta(days=3))
            with clock.travel(t + timedelta(hours=2)):
                cases.approve_extension(case, cast.supervisor)
            t = t + timedelta(hours=2)
        if code == "LD02" and rng.random() < 0.5 and t + timedelta(minutes=20) < case.due_at:
            with clock.travel(t + timedelta(minutes=20)):
                cases.request_hold(case, assignee, reason="已进入违法建设查处法定程序")
            with clock.travel(t + timedelta(hours=1)):
                cases.approve_hold(case, cast.supervisor)
            return

        due = case.work_due_at
        if late:
            fix_at = due + timedelta(hours=rng.uniform(1, 30))
        else:
            fix_at = t + (due - t) * rng.uniform(0.2, 0.95)
        fix_at = max(fix_at, t + timedelta(minutes=10))
        if fix_at > end:
            return
        with clock.travel(fix_at):
            cases.rectify(case, assignee, note="已现场整改完毕",
                          photos=[demo_photo((40, 120, 80), "after")])
        if stop == "rectified":
            return
        for attempt in range(2):
            check_at = step.after(fix_at, minutes=(30, 600))
            if check_at is None:
                return
            passed = attempt == 1 or rng.random() > 0.08
            with clock.travel(check_at):
                cases.verify(case, cast.inspector, passed=passed,
                             note="核查通过" if passed else "现场仍有残留，需返工",
                             photos=[] if passed else [demo_photo((150, 40, 40), "rework")])
            if passed:
                break
            fix_at = step.after(check_at, minutes=(60, 900))
            if fix_at is None:
                return
            with clock.travel(fix_at):
                cases.rectify(case, assignee, note="已返工整改",
                              photos=[demo_photo((40, 120, 80), "after")])
        self._rate(case, check_at, step)

    def _unrouted(self, end: datetime) -> None:
        """Two reports from the middle of the Yangtze: outside every area, they wait for a
        dispatcher to place them."""
        for hours, (lng, lat) in ((3, (114.2905, 30.5702)), (30, (114.3051, 30.5601))):
            with clock.travel(end - timedelta(hours=hours)):
                cases.submit(Actor.resident(), category_code="HF99", channel="demo",
                             description="江滩码头附近有漂浮垃圾和破损栏杆", lat=lat, lng=lng,
                             address="长江江滩", phone=f"+86137{hours:08d}")

    def _rate(self, case: Case, closed: datetime, step) -> None:
        follower = case.reporter
        if follower is None or self.rng.random() < 0.25:
            return
        at = step.after(closed, minutes=(30, 2000))
        if at is None:
            return
        score = self.rng.choices([1, 2, 3], weights=[70, 20, 10])[0]
        with clock.travel(at):
            cases.rate(case, Actor.resident(follower), score=score,
                       comment="" if score != 3 else "处理不彻底")


class _Stepper:
    def __init__(self, rng: random.Random, end: datetime):
        self.rng, self.end = rng, end

    def after(self, t: datetime, minutes: tuple[int, int]) -> datetime | None:
        nxt = t + timedelta(minutes=self.rng.uniform(*minutes))
        return nxt if nxt <= self.end else None

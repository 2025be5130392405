"""Demo data for the staff intake channels: the patrol and hotline rules of the demo
catalogue, an inspector's reports of today (one fixed on the spot) and a hotline caller
with earlier cases. Idempotent: nothing is added once a patrol case exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from shapely.geometry import shape
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Case, Category, Street, User
from app.services import clock, hotline, intake, patrol

#: Categories a patrol report dispatches at once (quick, unambiguous street problems).
PATROL_AT_ONCE = ("LD03", "LD04", "LD06", "LD07", "LD09", "HF02")
#: Left to residents and dispatchers: an inspector on a daytime round cannot witness it.
PATROL_BARRED = ("HF05",)
DEMO_CALLER = "+8613900001234"


def seed_rules() -> None:
    ids = {c.code: c.id for c in db.session.scalars(select(Category))}
    for code in PATROL_AT_ONCE:
        if code in ids:
            intake.set_rule("patrol", ids[code], allowed=True, dispatch_at_once=True)
    for code in PATROL_BARRED:
        if code in ids:
            intake.set_rule("patrol", ids[code], allowed=False, dispatch_at_once=False)
    db.session.commit()


def seed_cases() -> None:
    if db.session.scalar(select(Case.id).where(Case.channel == "patrol").limit(1)):
        return
    from app.demo.seed import demo_photo

    inspector = db.session.scalar(select(User).where(User.username == "patrol"))
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    if inspector is None or operator is None:
        return
    area = db.session.scalar(select(Area).join(Street, Street.id == Area.street_id)
                             .where(Street.id == inspector.street_id).order_by(Area.code))
    point = shape(area.polygon).representative_point()
    app = current_app
    paused = app.config.get("OUTBOX_DELIVERY", True)
    app.config["OUTBOX_DELIVERY"] = False  # demo data is not texted to anyone
    try:
        now = datetime.now(UTC)
        for minutes, code, note, fixed, dx in (
                (90, "LD09", "电线杆上贴满小广告", False, 0.0),
                (60, "LD04", "店门口堆放纸箱杂物", True, 0.0003),
                (30, "LD02", "小区围墙外新搭砖房", False, -0.0003)):
            with clock.travel(now - timedelta(minutes=minutes)):
                patrol.submit(inspector, patrol.PatrolReport(
                    category=code, note=note, lat=round(point.y, 6),
                    lng=round(point.x + dx, 6), photos=[demo_photo((90, 90, 140), "patrol")],
                    fixed=fixed, after_photos=[demo_photo((40, 120, 80), "after")]))
        for days, code, text in ((9, "LD03", "小区门口人行道上停满了私家车"),
                                 (2, "HF04", "人行道地砖松动，老人差点绊倒")):
            with clock.travel(now - timedelta(days=days)):
                hotline.take(operator, phone=DEMO_CALLER, description=text, category=code,
                             area_id=area.id, address=area.roads[0].name if area.roads else "")
        db.session.commit()
    finally:
        app.config["OUTBOX_DELIVERY"] = paused

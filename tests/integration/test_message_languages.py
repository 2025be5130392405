"""Every text message the system writes, to residents and to staff, for every event and
every reminder and escalation, reads in Chinese for a Chinese reader: no English word is
left in it (tracking codes, links and the SMS commands residents type aside)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseEvent, OutboxMessage
from app.services import cases, clock, sweep, timers
from app.services.actors import Actor
from app.services.notifications import display_code
from tests.factories import photo
from workflows.escalation import Audience, Step

WORD = re.compile(r"[A-Za-z]{2,}")
LINK = re.compile(r"https?://\S+")
#: Commands a resident texts back ("CX <code>" asks for progress, "TD" unsubscribes).
COMMANDS = {"CX", "TD"}


def english_words(body: str) -> list[str]:
    text = LINK.sub(" ", body)
    for code in db.session.scalars(select(Case.code)):
        text = text.replace(display_code(code), " ").replace(code, " ")
    return [w for w in WORD.findall(text) if w not in COMMANDS]


def outbox() -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def kind(message: OutboxMessage) -> str:
    """Which message this is: the event that caused it and who reads it, or the step."""
    if message.dedupe_key and message.dedupe_key.startswith("step:"):
        return "step:" + message.dedupe_key.split(":")[2].split("@")[0]
    event = db.session.get(CaseEvent, message.event_id) if message.event_id else None
    reader = "staff" if message.user_id or (message.dedupe_key or "").endswith(":staff") \
        else "resident"
    channel = db.session.get(Case, message.case_id).channel
    return f"{reader}:{event.action if event else '?'}:{channel}"


def walk_every_event(city, t0) -> None:
    """A web report and an SMS report (placed and unplaced) through the closed loop with
    its detours: rejection, reassignment, rework, closure, rating link, reopening, and the
    sweep's reminders and three levels of escalation."""
    resident = Actor.resident()
    at = t0
    with clock.travel(at):
        web = cases.submit(resident, category_code="LD09", description="小广告",
                           lat=city.POINT[1], lng=city.POINT[0], phone="13900001111",
                           photos=[photo()])
        cases.submit(resident, category_code="LD04", description="杂物", phone="13900002222",
                     channel="sms", address="黄浦路", area_id=city.area2.id)
        cases.submit(resident, category_code="LD04", description="杂物", phone="13900003333",
                     channel="sms")
        rejected = cases.submit(resident, category_code="LD07", description="垃圾",
                                lat=city.POINT[1], lng=city.POINT[0], phone="13900004444")
        cases.reject(rejected, city.actor(city.dispatcher), reason="重复上报")
        cases.dispatch(web, city.actor(city.dispatcher))
        cases.reassign(web, city.actor(city.chief), assignee_user_id=city.member.id,
                       reason="由楼长处理")
        cases.sign_for(web, city.actor(city.member))
    # Reminders (response and rectification), then a breach escalated three levels.
    for hours in (6, 24, 30, 33, 40, 60, 90):
        with clock.travel(at + timedelta(hours=hours)):
            sweep.sweep()
    at += timedelta(hours=100)
    with clock.travel(at):
        cases.rectify(web, city.actor(city.member), note="已清理", photos=[photo()])
        cases.verify(web, city.actor(city.inspector), passed=False, note="未清理干净",
                      photos=[photo()])
        cases.rectify(web, city.actor(city.member), note="已清理", photos=[photo()])
        cases.verify(web, city.actor(city.inspector), passed=True)
        cases.reopen(web, city.actor(city.street_supervisor), reason="市民不满意")


def test_every_message_to_residents_and_staff_reads_in_chinese(city, t0):
    walk_every_event(city, t0)
    messages = outbox()
    kinds = {kind(m) for m in messages}
    # Each kind of message this walk must have produced (a missing one means the walk no
    # longer reaches it, and the check below would pass unseen).
    assert {"resident:submit:web", "resident:submit:sms", "resident:reject:web",
            "resident:dispatch:web", "resident:rectify:web", "resident:verify_pass:web",
            "resident:reopen:web", "staff:dispatch:web", "staff:reassign:web"} <= kinds, kinds
    assert {"step:remind", "step:escalate"} <= kinds, kinds
    untranslated = {m.body: english_words(m.body) for m in messages if english_words(m.body)}
    assert not untranslated, untranslated


def test_every_reminder_and_escalation_reads_in_chinese(city, t0):
    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")
        cases.dispatch(case, city.actor(city.dispatcher))
    steps = [Step(f"remind-{clock_}", "remind", clock_, Audience.ASSIGNEE, threshold=0.8)
             for clock_ in ("response", "rectify", "verify")]
    steps += [Step(f"escalate-{n}", "escalate", "rectify", Audience.STREET, level=n)
              for n in (1, 2, 3)]
    for step in steps:
        text = timers.step_text(case, step, "zh_Hans_CN")
        assert text.startswith("【路长制】"), text
        assert not english_words(text), text


def test_a_road_chiefs_new_case_message_names_the_area_and_the_road(city, t0):
    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")
        cases.dispatch(case, city.actor(city.dispatcher))
    body = db.session.scalar(select(OutboxMessage.body).where(
        OutboxMessage.to_phone == city.chief.phone))
    assert "解放大道沿线" in body and "解放大道" in body
    assert "-。" not in body and "：-" not in body


def test_every_reply_to_a_residents_text_reads_in_chinese(city, t0):
    """The SMS channel's own replies: help, questions, a case's status in every state."""
    from flask_babel import force_locale

    from app.services import sms
    from workflows.sms.dialogue import Awaiting

    walk_every_event(city, t0)
    with force_locale("zh_Hans_CN"):
        replies = [sms.help_text(), *(sms.question(a) for a in Awaiting)]
        replies += [sms.status_text(c) for c in db.session.scalars(select(Case))]
    assert len(replies) >= 8
    untranslated = {r: english_words(r) for r in replies if english_words(r)}
    assert not untranslated, untranslated

"""SMS that residents can rely on (issue 18): a resident's language never flips on a
command, the stretch of road is the one meant (house number, landmark, cross street, an
earlier report, else one question), a danger is not kept waiting, an opted-out number is
told, and an MMS photo is fetched and attached once however many processes sweep."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Area,
    Attachment,
    Case,
    Contact,
    OutboxMessage,
    Road,
    SmsConversation,
    SmsMedia,
    SmsOptOut,
)
from app.services import mms, places, sms
from app.services.notifications import display_code
from tests.factories import box
from tests.sms_helpers import fake_twilio, reply_of, serve_media, text
from workflows.sms import segments

PHONE = "+8613900001111"
ZH = "【路长制】"


@pytest.fixture()
def twilio(ctx):
    yield from fake_twilio(ctx)


@pytest.fixture(autouse=True)
def fresh_understanding(ctx):
    sms.invalidate()
    yield
    sms.invalidate()


@pytest.fixture()
def media_server():
    yield from serve_media()


def cases_now() -> list[Case]:
    return list(db.session.scalars(select(Case).order_by(Case.id)))


def language_of(phone: str = PHONE) -> str:
    return db.session.scalar(select(Contact.language).where(Contact.phone == phone))


@pytest.fixture()
def second_section(city) -> Area:
    """中山大道 runs on into another district's street: a second section, at 武珞路, with
    house numbers 201-399 (the first section has 1-199)."""
    area = Area(code="WC01-02", street_id=city.far_area.street_id, name_zh="中山大道(武珞路)段",
                name_en="Zhongshan Ave (Wuluo Rd)", polygon=box(114.342, 30.538))
    area.roads.append(Road(name="中山大道", aliases=[], numbers=[[201, 399]]))
    area.roads.append(Road(name="武珞路", aliases=[]))
    db.session.add(area)
    first = db.session.scalar(select(Road).where(Road.area_id == city.area3.id))
    first.numbers = [[1, 199]]
    db.session.commit()
    sms.invalidate()
    return area


# -- 1. the language never flips by accident ----------


def test_commands_codes_and_acknowledgements_never_switch_a_chinese_resident_to_english(
        city, client, twilio):
    receipt = reply_of(text(client, "中山大道井盖不见了"))
    case = cases_now()[0]
    code = display_code(case.code)
    assert f'"CX {code}"' in receipt  # the command written so it is copied right
    for message in (f"CX{case.code[:4]}-{case.code[4:]}", f'回复"CX {code}"查询进度',
                    f"回复CX{code}查询进度", "HELP", "ok", "STOP", "START", "Start."):
        reply = reply_of(text(client, message))
        assert reply.startswith(ZH), (message, reply)
        assert language_of() == "zh_Hans_CN", message


def test_a_glued_code_and_the_receipts_own_words_ask_for_that_case(city, client, twilio):
    text(client, "中山大道井盖不见了")
    case = cases_now()[0]
    for message in (f"CX{case.code}", f"回复CX{display_code(case.code)}查询进度",
                    f"cx {case.code.lower()}"):
        assert display_code(case.code) in reply_of(text(client, message)), message


def test_progress_without_a_code_answers_with_the_latest_case(city, client, twilio):
    text(client, "中山大道井盖不见了")
    text(client, "解放大道有人乱停车")
    latest = cases_now()[-1]
    for message in ("查询进度", "进度", "我的投诉"):
        reply = reply_of(text(client, message))
        assert display_code(latest.code) in reply and "帮助" not in reply, message


def test_english_prose_switches_the_language_and_a_single_word_does_not(city, client, twilio):
    text(client, "中山大道井盖不见了")
    reply_of(text(client, "pothole"))
    assert language_of() == "zh_Hans_CN"
    reply = reply_of(text(client, "a car is parked on the pavement of Jiefang Ave"))
    assert language_of() == "en" and reply.startswith("[roadchief]")
    reply_of(text(client, "好的"))  # an acknowledgement: still English
    assert language_of() == "en"


def test_start_resumes_like_the_chinese_word(city, client, twilio):
    text(client, "中山大道井盖不见了")
    text(client, "TD")
    assert db.session.scalar(select(func.count()).select_from(SmsOptOut)) == 1
    reply = reply_of(text(client, "START"))
    assert reply.startswith(ZH) and "恢复" in reply
    assert db.session.scalar(select(func.count()).select_from(SmsOptOut)) == 0


# -- 2 and 3. the right stretch of road ----------


def test_a_road_through_two_districts_asks_which_stretch_and_the_answer_places_it(
        city, client, twilio, second_section):
    question = reply_of(text(client, "中山大道有辆车停在人行道上"))
    assert "中山大道哪一段" in question and cases_now() == []
    conversation = db.session.scalars(select(SmsConversation)).one()
    assert conversation.status == "open" and conversation.area_id is None
    receipt = reply_of(text(client, "武珞路口那边"))
    case = cases_now()[0]
    assert case.area_id == second_section.id and case.category.code == "LD03"
    assert "中山大道(武珞路)段" in receipt  # the receipt names the section it chose


def test_an_answer_that_does_not_tell_leaves_the_case_for_a_dispatcher(
        city, client, twilio, second_section):
    text(client, "中山大道有辆车停在人行道上")
    receipt = reply_of(text(client, "就在路边"))
    case = cases_now()[0]
    assert case.area_id is None and "中山大道" in case.address and receipt.startswith(ZH)


def test_a_house_number_names_the_stretch(city, client, twilio, second_section):
    reply_of(text(client, "中山大道250号门口乱停车"))
    assert cases_now()[0].area_id == second_section.id
    reply_of(text(client, "中山大道18号门口乱停车", phone="+8613900002222"))
    assert cases_now()[1].area_id == city.area3.id


def test_a_cross_street_names_the_stretch(city, client, twilio, second_section):
    text(client, "中山大道与武珞路路口乱停车")
    assert cases_now()[0].area_id == second_section.id


def test_an_earlier_report_names_the_stretch(city, client, twilio, second_section):
    text(client, "武珞路有人乱停车")  # this resident reports around 武珞路
    text(client, "中山大道有人乱扔垃圾")
    assert [c.area_id for c in cases_now()] == [city.far_area.id, second_section.id]


def test_a_landmark_the_administrator_adds_answers_where(city, client, twilio, second_section):
    from tests.integration.test_sms_delivery import login

    login(client, city.admin)
    page = client.get("/admin/landmarks")
    assert page.status_code == 200
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/admin/landmarks", data={
        "csrf_token": token, "name": "楚河汉街", "aliases": "汉街, 汉街步行街",
        "lat": "30.540", "lng": "114.344", "active": "y"})
    assert response.status_code == 302
    bad = client.post("/admin/landmarks", data={"csrf_token": token, "name": "远方",
                                                "lat": "10", "lng": "10", "active": "y"})
    assert bad.status_code == 422  # a point in no area is refused, nothing is written
    text(client, "汉街门口有人乱停车")
    assert cases_now()[0].area_id == second_section.id
    text(client, "中山大道汉街旁边有人乱停车", phone="+8613900003333")
    assert cases_now()[1].area_id == second_section.id
    assert second_section.id in [c.id for c in places.search("汉街")]  # the web form's search


def test_a_landmark_page_is_for_administrators_only(city, client):
    from tests.integration.test_sms_delivery import login

    login(client, city.dispatcher)
    assert client.get("/admin/landmarks").status_code == 403


# -- 9. a danger does not wait ----------


def test_a_missing_manhole_cover_waiting_for_its_place_is_a_case_at_once(
        city, client, twilio, second_section):
    reply = reply_of(text(client, "中山大道井盖没了，很危险"))
    case = cases_now()[0]
    assert case.category.code == "HF06" and case.area_id is None and case.state == "submitted"
    assert "中山大道" in case.address and display_code(case.code) in reply
    assert db.session.scalar(select(func.count()).select_from(SmsConversation).where(
        SmsConversation.status == "open")) == 0


# -- 7. an opted-out number is told ----------


def test_a_report_from_an_opted_out_number_says_progress_messages_are_off(city, client, twilio):
    text(client, "TD")
    receipt = reply_of(text(client, "解放大道有人乱停车"))
    assert "START" in receipt and "退订" in receipt
    assert segments(receipt) <= 2


# -- 6. photos once ----------


def _sweep_in_a_child(app, barrier) -> None:
    db.engine.dispose(close=False)  # the parent's connections are not ours
    with app.app_context():
        barrier.wait(20)
        mms.fetch()
        db.session.remove()
    os._exit(0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_one_photo_is_fetched_and_attached_once_by_several_processes(
        city, client, twilio, media_server, app):
    base, seen = media_server
    text(client, "解放大道井盖不见了", media=[(f"{base}/photo.jpg", "image/jpeg")])
    db.session.remove()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    children = [context.Process(target=_sweep_in_a_child, args=(app, barrier))
                for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert all(child.exitcode == 0 for child in children)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
    assert len([p for p, _a in seen if p == "/photo.jpg"]) == 1  # downloaded once
    assert db.session.scalars(select(SmsMedia.status)).one() == "attached"
    assert mms.fetch() == 0


def test_a_rejected_photo_is_told_to_the_resident(city, client, twilio, media_server):
    base, _seen = media_server
    text(client, "解放大道井盖不见了", media=[(f"{base}/notes.txt", "text/plain")])
    assert mms.fetch() == 0
    row = db.session.scalars(select(SmsMedia)).one()
    assert row.status == "rejected"
    told = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.dedupe_key == f"mms{row.id}:rejected")).one()
    assert told.to_phone == PHONE and "照片" in told.body
    assert mms.fetch() == 0  # told once


# -- 2. a correction moves the case before triage ------------------------------------------


def test_a_correction_within_the_window_moves_the_case_before_triage(
        city, client, twilio, second_section):
    from app.models import CaseEvent

    text(client, "中山大道18号门口乱停车")
    case = cases_now()[0]
    assert case.area_id == city.area3.id
    reply = reply_of(text(client, "不对，是武珞路口那段"))
    db.session.refresh(case)
    assert case.area_id == second_section.id and case.district_id == city.other_district.id
    assert display_code(case.code) in reply and "中山大道(武珞路)段" in reply
    assert len(cases_now()) == 1
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id.desc())).first()
    assert event.actor_role == "resident" and event.data["place_before"]["area_id"] == \
        city.area3.id


def test_a_correction_after_triage_does_not_move_the_case(city, client, twilio, second_section):
    from app.services import cases
    from app.services.actors import Actor

    text(client, "中山大道18号门口乱停车")
    case = cases.dispatch(cases_now()[0], Actor.staff(city.dispatcher))
    text(client, "不对，是武珞路口那段")
    db.session.refresh(case)
    assert case.area_id == city.area3.id  # a dispatcher has it: they decide now


# -- 5. one case per problem -------------------------------------------------------------


def test_a_whole_new_report_while_a_question_waits_is_its_own_case(city, client, twilio):
    text(client, "门口有人乱停车")  # "where?" is asked
    text(client, "解放大道有人乱扔垃圾")  # another problem, somewhere: not the answer
    made = cases_now()
    assert sorted(c.category.code for c in made) == ["LD03", "LD07"]
    kept = next(c for c in made if c.category.code == "LD03")
    assert kept.area_id is None  # kept for a dispatcher, nothing lost
    assert db.session.scalar(select(func.count()).select_from(SmsConversation).where(
        SmsConversation.status == "open")) == 0


def test_the_same_problem_twice_is_told_it_is_already_a_case(city, client, twilio):
    text(client, "解放大道有人乱停车，堵住了路")
    first = cases_now()[0]
    reply = reply_of(text(client, "解放大道还是有人乱停车！"))
    assert len(cases_now()) == 1 and display_code(first.code) in reply and "已反映" in reply
    reply_of(text(client, "解放大道有人乱停车", phone="+8613900004444"))  # someone else
    assert len(cases_now()) == 2


def test_a_repeated_report_with_a_photo_adds_the_photo_to_the_case(city, client, twilio,
                                                                   media_server):
    base, _seen = media_server
    text(client, "解放大道有人乱停车")
    text(client, "解放大道有人乱停车", media=[(f"{base}/photo.jpg", "image/jpeg")])
    assert len(cases_now()) == 1
    assert mms.fetch() == 1
    assert db.session.scalar(select(Attachment.case_id)) == cases_now()[0].id


def test_the_per_phone_limit_answers_politely_and_keeps_the_message(city, client, twilio):
    from app.models import InboundMessage

    config = client.application.config
    enabled = config.get("RATELIMIT_ENABLED", True)  # a browser test may have switched it off
    config["REPORT_LIMIT_PER_PHONE"], config["RATELIMIT_ENABLED"] = "2 per hour", True
    try:
        text(client, "解放大道有人乱停车")
        text(client, "黄浦路有人乱扔垃圾")
        reply = reply_of(text(client, "中山大道有人摆摊"))
    finally:
        config["REPORT_LIMIT_PER_PHONE"] = "5 per hour; 20 per day"
        config["RATELIMIT_ENABLED"] = enabled
    assert len(cases_now()) == 2 and "12345" in reply and reply.startswith(ZH)
    assert db.session.scalar(select(InboundMessage.body).order_by(InboundMessage.id.desc())
                             .limit(1)) == "中山大道有人摆摊"


# -- bad input: replays and signatures --------------------------------------------------------


def test_every_new_conversation_replayed_gives_the_same_reply_and_changes_nothing(
        city, client, twilio, second_section):
    from app.models import CaseEvent, InboundMessage

    steps = [("SMr0", "中山大道有辆车停在人行道上"), ("SMr1", "武珞路口那边"),
             ("SMr2", "不对，是解放大道"), ("SMr3", "中山大道与武珞路路口乱停车"),
             ("SMr4", "查询进度"), ("SMr5", "START")]
    for sid, body in steps:
        first = reply_of(text(client, body, sid=sid.ljust(34, "0")))
        counts = [db.session.scalar(select(func.count()).select_from(m))
                  for m in (Case, CaseEvent, InboundMessage, SmsConversation, OutboxMessage)]
        again = reply_of(text(client, body, sid=sid.ljust(34, "0")))
        assert again == first, body
        assert counts == [db.session.scalar(select(func.count()).select_from(m))
                          for m in (Case, CaseEvent, InboundMessage, SmsConversation,
                                    OutboxMessage)], body


def test_a_bad_signature_stores_nothing_even_for_a_landmark_report(city, client, twilio):
    from app.models import InboundMessage
    from tests.sms_helpers import post_signed

    response = post_signed(client, "/sms/inbound", {"MessageSid": "SM" + "9" * 32,
                                                    "From": PHONE, "Body": "江汉路步行街乱停车"},
                           signature="bad")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_an_administrator_deletes_a_landmark_and_it_is_no_longer_understood(
        city, client, twilio, second_section):
    from app.models import AuditEntry, Landmark
    from app.services import landmarks
    from tests.integration.test_sms_delivery import login

    landmark = Landmark(name="楚河汉街", name_en="", aliases=["汉街"], lat=30.540, lng=114.344,
                        active=True, updated_at=clock_now())
    db.session.add(landmark)
    db.session.commit()
    landmarks.invalidate()
    login(client, city.admin)
    page = client.get("/admin/landmarks").get_data(as_text=True)
    assert "楚河汉街" in page and "中山大道(武珞路)段" in page  # the area its point is in
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(f"/admin/landmarks/{landmark.id}/delete",
                       data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Landmark)) == 0
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity == "landmark")
                             .order_by(AuditEntry.id.desc()).limit(1)) == "delete"
    text(client, "汉街门口有人乱停车")
    assert cases_now() == []  # "where?" is asked again


def clock_now():
    from app.services import clock

    return clock.now()


def test_an_administrator_gives_a_road_its_house_numbers_on_the_area_form(city, client, twilio):
    from app.services.admin import places as admin_places

    roads = admin_places.parse_roads("中山大道 | 中山路 | 1-199, 401-599\n武珞路")
    assert roads[0]["numbers"] == [[1, 199], [401, 599]] and "numbers" not in roads[1]
    bad = admin_places.parse_roads("中山大道 | | 199-1")
    problems = admin_places.Problems()
    admin_places.check_roads(problems, bad)
    assert "roads" in problems  # told, not stored
    area = city.area3
    admin_places._set_roads(area, roads)
    db.session.commit()
    assert "1-199, 401-599" in admin_places.roads_text(area)
    sms.invalidate()
    text(client, "中山大道450号门口乱停车")
    assert cases_now()[0].area_id == area.id

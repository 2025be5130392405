"""The SMS channel as a resident and Twilio see it: POST /sms/inbound, signed, answered in
TwiML, in the sender's language, once per MessageSid."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Case,
    Contact,
    InboundMessage,
    OutboxMessage,
    Rating,
    SmsConversation,
    SmsOptOut,
)
from app.services import cases, clock, sms
from app.services.actors import Actor
from tests.factories import photo
from tests.sms_helpers import fake_twilio, new_sid, post_signed, reply_of, sign, text
from workflows.sms import segments

PHONE = "+8613900001111"


@pytest.fixture()
def twilio(ctx):
    yield from fake_twilio(ctx)


@pytest.fixture(autouse=True)
def fresh_understanding(ctx):
    sms.invalidate()
    yield
    sms.invalidate()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def only_case() -> Case:
    return db.session.scalars(select(Case)).one()


# -- the signature -----------------------------------------------------------------------------


def test_a_bad_signature_is_refused_and_nothing_is_stored(city, client, twilio):
    params = {"MessageSid": new_sid(), "From": PHONE, "Body": "中山大道乱停车"}
    response = post_signed(client, "/sms/inbound", params, signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert count(InboundMessage) == 0 and count(Case) == 0 and count(Contact) == 0


def test_a_missing_signature_is_refused(city, client, twilio):
    response = client.post("/sms/inbound", data={"MessageSid": new_sid(), "From": PHONE,
                                                 "Body": "中山大道乱停车"})
    assert response.status_code == 403 and count(InboundMessage) == 0


def test_a_signature_for_another_body_is_refused(city, client, twilio):
    params = {"MessageSid": new_sid(), "From": PHONE, "Body": "中山大道乱停车"}
    forged = dict(params, Body="中山大道井盖没了")
    response = post_signed(client, "/sms/inbound", forged,
                           signature=sign("/sms/inbound", params))
    assert response.status_code == 403 and count(Case) == 0


def test_without_an_auth_token_every_request_is_refused(city, client):
    params = {"MessageSid": new_sid(), "From": PHONE, "Body": "中山大道乱停车"}
    assert post_signed(client, "/sms/inbound", params).status_code == 403


def test_the_signature_is_checked_against_the_public_url_behind_a_proxy(city, client, twilio):
    # The app sees http://localhost/...; Twilio signed https://roadchief.example.cn/...
    params = {"MessageSid": new_sid(), "From": PHONE, "Body": "中山大道乱停车"}
    public = sign("/sms/inbound", params)
    response = client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": public},
                           base_url="http://10.0.0.5:8000")
    assert response.status_code == 200


def test_a_signed_request_without_a_message_sid_is_a_bad_request(city, client, twilio):
    assert post_signed(client, "/sms/inbound", {"From": PHONE, "Body": "x"}).status_code == 400
    assert count(InboundMessage) == 0


# -- a report in one message --------------------------------------------------------------------


def test_a_report_with_problem_and_place_becomes_a_case_and_the_reply_gives_its_code(
        city, client, twilio):
    response = text(client, "解放大道黄浦路口有辆车停在人行道上")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert response.get_data(as_text=True).startswith("<?xml")
    case = only_case()
    assert case.channel == "sms" and case.category.code == "LD03"
    assert case.area_id == city.area.id  # no area holds both roads: the first road's
    assert case.address == "解放大道与黄浦路路口"
    assert case.reporter.phone == PHONE
    reply = reply_of(response)
    assert f"{case.code[:4]}-{case.code[4:]}" in reply and "乱停" in reply
    assert segments(reply) <= 2


def test_the_received_message_is_the_reply_and_is_not_sent_again(city, client, twilio):
    reply = reply_of(text(client, "中山大道有人摆摊卖水果"))
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.body == reply and row.status == "sent" and row.provider_id == "twiml"
    assert twilio.calls == []  # no network call in the request path


def test_an_english_message_gets_an_english_reply(city, client, twilio):
    reply = reply_of(text(client, "car parked on the pavement at 中山大道 again"))
    assert reply.startswith("[roadchief] Received") and "illegal parking" in reply
    assert only_case().reporter.language == "en"


def test_the_same_message_sid_twice_makes_one_case_and_the_same_reply(city, client, twilio):
    sid = new_sid()
    first = text(client, "中山大道井盖不见了", sid=sid)
    again = text(client, "中山大道井盖不见了", sid=sid)
    assert first.status_code == again.status_code == 200
    assert reply_of(first) == reply_of(again) != ""
    assert count(Case) == 1 and count(InboundMessage) == 1 and count(OutboxMessage) == 1


def test_a_replayed_question_is_not_asked_twice(city, client, twilio):
    sid = new_sid()
    first = reply_of(text(client, "门口有人乱停车", sid=sid))
    assert reply_of(text(client, "门口有人乱停车", sid=sid)) == first
    assert count(SmsConversation) == 1


# -- the one follow-up question -----------------------------------------------------------------


def test_an_unknown_place_is_asked_for_and_the_answer_makes_the_case(city, client, twilio):
    question = reply_of(text(client, "门口有人乱停车，车主电话打不通"))
    assert count(Case) == 0 and segments(question) <= 2
    conversation = db.session.scalars(select(SmsConversation)).one()
    assert conversation.status == "open" and conversation.awaiting == "place"
    receipt = reply_of(text(client, "在中山大道"))
    case = only_case()
    assert case.category.code == "LD03" and case.area_id == city.area3.id
    assert case.description == "门口有人乱停车，车主电话打不通\n在中山大道"
    assert case.code in receipt.replace("-", "")
    db.session.refresh(conversation)
    assert conversation.status == "done" and conversation.case_id == case.id


def test_an_unclear_problem_is_asked_for(city, client, twilio):
    # (The test city's areas have no English names: the road is written in Chinese.)
    en = reply_of(text(client, "I want to report something on 中山大道",
                       phone="+447700900123"))
    assert en.startswith("[roadchief] What is the problem?")
    reply_of(text(client, "flyers everywhere", phone="+447700900123"))
    assert only_case().category.code == "LD09"


def test_a_resident_who_cannot_say_where_leaves_the_case_unrouted(city, client, twilio):
    text(client, "楼下有人乱倒建筑垃圾")
    text(client, "不知道路名")
    case = only_case()
    assert case.category.code == "LD08" and case.area_id is None
    assert case.unrouted_reason == "no_area" and case.state == "submitted"


def test_a_problem_that_is_still_unclear_becomes_other(city, client, twilio):
    text(client, "中山大道这边有点情况")
    text(client, "说不上来，你们来看看吧")
    assert only_case().category.code == "HF99"


def test_an_expired_conversation_is_kept_as_an_unrouted_case(city, client, twilio, t0):
    with clock.travel(t0):
        text(client, "门口有人乱停车")
    with clock.travel(t0 + timedelta(minutes=31)):
        assert sms.expire_conversations() == 1
    case = only_case()
    assert case.area_id is None and case.category.code == "LD03"
    receipt = db.session.scalars(select(OutboxMessage)).one()
    assert receipt.to_phone == PHONE and receipt.provider_id != "twiml"  # told by SMS
    assert [m["To"] for m in twilio.sent] == [PHONE]


def test_a_new_message_after_expiry_starts_afresh(city, client, twilio, t0):
    with clock.travel(t0):
        text(client, "门口有人乱停车")
    with clock.travel(t0 + timedelta(minutes=45)):
        text(client, "中山大道井盖不见了")
    codes = sorted(c.category.code for c in db.session.scalars(select(Case)))
    assert codes == ["HF06", "LD03"]  # the old one kept (unrouted), the new one routed


def test_the_conversation_time_is_configurable(city, client, twilio, t0):
    client.application.config["SMS_CONVERSATION_MINUTES"] = 5
    try:
        with clock.travel(t0):
            text(client, "门口有人乱停车")
        assert db.session.scalar(select(SmsConversation.expires_at)) == t0 + timedelta(minutes=5)
    finally:
        client.application.config["SMS_CONVERSATION_MINUTES"] = 30


def test_an_empty_conversation_just_expires(city, client, twilio, t0):
    with clock.travel(t0):
        text(client, "这里有个问题，麻烦派人来看一下")
    with clock.travel(t0 + timedelta(hours=1)):
        sms.expire_conversations()
    assert count(Case) == 0
    assert db.session.scalar(select(SmsConversation.status)) == "expired"


# -- bad input ----------------------------------------------------------------------------------


def test_an_empty_body_gets_the_help_text(city, client, twilio):
    reply = reply_of(text(client, ""))
    assert "CX" in reply and count(Case) == 0
    assert db.session.scalar(select(InboundMessage.intent)) == "help"


def test_a_greeting_gets_the_help_text(city, client, twilio):
    assert "TD" in reply_of(text(client, "你好"))
    assert count(Case) == 0 and count(SmsConversation) == 0


def test_a_1600_character_message_is_kept_whole_and_answered_briefly(city, client, twilio):
    body = ("中山大道人行道上乱停车，" + "天天都这样，" * 300)[:1600]
    reply = reply_of(text(client, body))
    case = only_case()
    assert case.description == body and len(body) == 1600
    assert segments(reply) <= 2


def test_emoji_and_mixed_scripts_are_understood(city, client, twilio):
    reply = reply_of(text(client, "😡😡 中山大道 shared bike 堆成山 🚲🚲"))
    case = only_case()
    assert case.category.code == "HF02" and case.area_id == city.area3.id
    assert "😡" in case.description and reply


def test_every_reply_fits_in_two_segments(city, client, twilio):
    messages = ["你好", "门口有人乱停车", "中山大道", "CX ABCDEFGH", "查询", "1", "TD", "START",
                "help", "hello there friend", "I want to report a problem"]
    for i, message in enumerate(messages):
        reply = reply_of(text(client, message, phone=f"+86139000022{i:02d}"))
        assert segments(reply) <= 2, (message, reply)


# -- commands -----------------------------------------------------------------------------------


def dispatched_case(city, client) -> Case:
    text(client, "中山大道井盖不见了")
    case = only_case()
    return cases.dispatch(case, Actor.staff(city.dispatcher))


def test_a_query_gives_the_status_and_time_limit(city, client, twilio):
    case = dispatched_case(city, client)
    reply = reply_of(text(client, f"CX {case.code[:4]}-{case.code[4:]}"))
    assert case.code[:4] in reply and "已派遣" in reply  # the state, in Chinese
    assert case.work_due_at is not None


def test_a_query_in_english_is_answered_in_english(city, client, twilio):
    case = dispatched_case(city, client)
    reply = reply_of(text(client, f"query {case.code}", phone="+447700900123"))
    assert "Dispatched" in reply and "to be fixed by" in reply


def test_a_query_without_a_code_answers_for_the_latest_report(city, client, twilio):
    case = dispatched_case(city, client)
    assert case.code[:4] in reply_of(text(client, "查询"))


def test_a_query_for_someone_elses_code_has_no_personal_data(city, client, twilio):
    text(client, "中山大道15号门口井盖不见了，我是张三")
    case = only_case()
    reply = reply_of(text(client, f"查询 {case.code}", phone="+8613700009999"))
    assert case.code[:4] in reply
    for private in ("1111", "张三", "15号", "中山大道", PHONE):
        assert private not in reply


def test_a_query_for_an_unknown_code_says_so(city, client, twilio):
    reply = reply_of(text(client, "CX ZZZZ-ZZZZ", phone="+447700900123"))
    # A bare command has no words to tell the language by: Chinese, the default.
    assert "ZZZZ-ZZZZ" in reply and "未找到" in reply


def closed_case(city, client, t0) -> Case:
    with clock.travel(t0):
        text(client, "中山大道电线杆上贴满了小广告")  # the road chief's own category
        case = only_case()
        cases.dispatch(case, Actor.staff(city.dispatcher))
    with clock.travel(t0 + timedelta(hours=1)):
        cases.sign_for(case, Actor.staff(city.chief3))
        cases.rectify(case, Actor.staff(city.chief3), note="已更换井盖", photos=[photo()])
        cases.verify(case, Actor.staff(city.district_supervisor), passed=True)
    return case


def test_the_closing_message_asks_for_a_rating_and_the_reply_is_recorded(city, client, twilio,
                                                                          t0):
    case = closed_case(city, client, t0)
    asking = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.to_phone == PHONE).order_by(OutboxMessage.id.desc())).first()
    assert "1" in asking and "3" in asking
    with clock.travel(t0 + timedelta(hours=3)):
        reply = reply_of(text(client, "1"))
    rating = db.session.scalars(select(Rating)).one()
    assert rating.case_id == case.id and rating.score == 1 and rating.channel == "sms"
    assert not rating.needs_follow_up and case.code[:4] in reply


def test_dissatisfied_flags_the_case_for_follow_up(city, client, twilio, t0):
    closed_case(city, client, t0)
    with clock.travel(t0 + timedelta(hours=3)):
        reply = reply_of(text(client, "3 还是没修好", phone=PHONE))
    rating = db.session.scalars(select(Rating)).one()
    assert rating.score == 3 and rating.needs_follow_up and rating.comment == "还是没修好"
    assert reply


def test_a_rating_when_no_case_waits_for_one_is_refused_kindly(city, client, twilio):
    dispatched_case(city, client)  # open, not waiting for a rating
    reply = reply_of(text(client, "2", phone=PHONE))
    assert count(Rating) == 0 and reply
    other = reply_of(text(client, "2", phone="+447700900123"))
    assert "暂无待评价" in other


def test_a_second_rating_is_refused(city, client, twilio, t0):
    closed_case(city, client, t0)
    with clock.travel(t0 + timedelta(hours=3)):
        text(client, "1")
        reply = reply_of(text(client, "3"))
    assert count(Rating) == 1 and reply


def test_td_stops_notifications_and_start_resumes_them(city, client, twilio):
    stop = reply_of(text(client, "退订"))
    assert db.session.scalar(select(SmsOptOut.phone)) == PHONE and stop
    case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                        area_id=city.area.id, phone=PHONE)
    cases.dispatch(case, Actor.staff(city.dispatcher))
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_phone == PHONE)) == 0
    text(client, "START")
    cases.reject(cases.submit(Actor.resident(), category_code="LD09", description="x",
                              area_id=city.area.id, phone=PHONE),
                 Actor.staff(city.dispatcher), reason="重复")
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_phone == PHONE)) == 2  # received, rejected with the reason


def test_anything_else_gets_help(city, client, twilio):
    reply = reply_of(text(client, "help", phone="+447700900123"))
    assert reply.startswith("[roadchief] To report a problem")


# -- MMS: stored in the webhook, fetched later ---------------------------------------------------


def test_photos_are_stored_with_the_message_and_not_fetched_in_the_request(city, client, twilio):
    from app.models import SmsMedia

    urls = [("https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1",
             "image/jpeg")]
    text(client, "中山大道井盖不见了", media=urls)
    media = db.session.scalars(select(SmsMedia)).one()
    assert media.status == "pending" and media.case_id == only_case().id
    assert twilio.calls == []


def test_a_keyword_the_city_adds_to_its_catalogue_is_understood(city, client, twilio):
    from app.models import Category

    category = db.session.scalars(select(Category).where(Category.code == "HF08")).one()
    category.keywords = [*category.keywords, "充电桩"]
    db.session.commit()
    sms.invalidate()  # (otherwise within a minute)
    text(client, "中山大道的充电桩坏了")
    assert only_case().category.code == "HF08"


def test_a_category_the_city_switched_off_is_not_chosen(city, client, twilio):

    db.session.execute(update_category("LD09", active=False))
    db.session.commit()
    sms.invalidate()
    reply = text(client, "中山大道电线杆上贴满了小广告")
    # Another entry, or (the pole is only where the flyers are) a question: never LD09.
    made = db.session.scalars(select(Case)).all()
    assert reply.status_code == 200 and all(c.category.code != "LD09" for c in made), made


def update_category(code, **values):
    from sqlalchemy import update

    from app.models import Category

    return update(Category).where(Category.code == code).values(**values)

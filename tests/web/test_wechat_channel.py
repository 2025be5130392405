"""The WeChat official account as a resident and WeChat's servers see it: POST
/wechat/callback, signed (and in the encrypted mode sealed with AES), answered with passive
replies by the same conversation engine as SMS, once per MsgId; photos fetched through the
media API of a local fake of WeChat; progress notifications as template messages."""

from __future__ import annotations

import math
import time
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attachment,
    Case,
    Contact,
    InboundMessage,
    OutboxMessage,
    SmsConversation,
    SmsMedia,
)
from app.services import cases, coordinates, delivery, mms, routing, sms
from tests.factories import City
from tests.wechat_helpers import (
    OPENID,
    OTHER_AES_KEY,
    OTHER_OPENID,
    TOKEN,
    FakeWeChat,
    configure,
    image_xml,
    jpeg_bytes,
    location_xml,
    new_msg_id,
    post_encrypted,
    post_plain,
    signature,
    text_xml,
    unconfigure,
)

TEMPLATES = {"dispatch": "TPL-DISPATCH-0001",
             "rectify": {"id": "TPL-RECTIFY-0002",
                         "fields": {"thing1": "category", "character_string2": "code",
                                    "time3": "time", "thing4": "message"}}}


@pytest.fixture()
def fake_wechat():
    fake = FakeWeChat()
    fake.media["MEDIA-photo-1"] = ("image/jpeg", jpeg_bytes())
    fake.media["MEDIA-notes"] = ("text/plain", b"not a photo")
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture()
def plain(ctx, fake_wechat):
    configure(ctx, fake_wechat, templates=TEMPLATES)
    sms.invalidate()
    yield fake_wechat
    unconfigure(ctx)
    sms.invalidate()


@pytest.fixture()
def sealed(ctx, fake_wechat):
    configure(ctx, fake_wechat, encrypted=True, templates=TEMPLATES)
    sms.invalidate()
    yield fake_wechat
    unconfigure(ctx)
    sms.invalidate()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def nothing_stored() -> bool:
    return all(count(m) == 0 for m in (InboundMessage, Contact, Case, SmsConversation,
                                       SmsMedia, OutboxMessage))


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    return math.hypot(dx, (a[1] - b[1]) * 110_540)


def gcj(point: tuple[float, float]) -> tuple[float, float]:
    """Where WeChat's map (GCJ-02) puts a WGS-84 spot."""
    return coordinates.wgs84_to_gcj02(*point)


# -- the server check and the switch -----------------------------------------------------------


def test_the_server_check_echoes_only_a_signed_request(city, client, plain):
    query = {"signature": signature(TOKEN, "1700000000", "abc"), "timestamp": "1700000000",
             "nonce": "abc", "echostr": "5837397520514510000"}
    ok = client.get("/wechat/callback", query_string=query)
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "5837397520514510000"
    forged = client.get("/wechat/callback", query_string=dict(query, nonce="abd"))
    assert forged.status_code == 403


def test_without_a_token_the_channel_is_not_there(city, client):
    assert client.get("/wechat/callback").status_code == 404
    assert post_plain(client, text_xml("中山大道乱停车")).response.status_code == 404
    assert nothing_stored()


# -- a conversation in plaintext mode -----------------------------------------------------------


def test_a_report_in_one_message_makes_a_wechat_case_and_replies_with_its_code(
        city, client, plain):
    sent = post_plain(client, text_xml("中山大道有车停在人行道上"))
    assert sent.response.status_code == 200
    case = db.session.scalars(select(Case)).one()
    assert case.channel == "wechat" and case.area_id == city.area3.id
    assert "已收到" in sent.reply and f"{case.code[:4]}-{case.code[4:]}" in sent.reply
    contact = db.session.scalars(select(Contact)).one()
    assert contact.wechat_openid == OPENID and contact.phone.startswith("wx-")
    receipt = db.session.scalars(select(OutboxMessage)).one()
    # "Received" went as the passive reply: recorded as sent, never sent again.
    assert (receipt.channel, receipt.status, receipt.provider_id) == ("wechat", "sent",
                                                                     "passive")
    assert plain.calls == []  # nothing called WeChat's API during the callback


def test_a_text_then_a_location_places_the_case_at_the_converted_point(city, client, plain):
    asked = post_plain(client, text_xml("门口有人占道经营卖水果"))
    assert "在哪里" in asked.reply and "位置" in asked.reply  # "or send your location"
    assert count(Case) == 0
    spot = City.POINT  # WGS-84, inside area 解放大道沿线
    shown = gcj(spot)
    # Unconverted, WeChat's GCJ-02 point lies hundreds of metres away, in another area.
    assert metres(shown, spot) > 300 and routing.locate(*shown) != city.area
    placed = post_plain(client, location_xml(*shown, label="湖北省武汉市江岸区解放大道"))
    case = db.session.scalars(select(Case)).one()
    assert case.channel == "wechat" and case.category.code == "HF01"  # 占道经营
    assert case.area_id == city.area.id
    assert metres((case.lng, case.lat), spot) < 1
    assert "已收到" in placed.reply and case.code[:4] in placed.reply


def test_a_location_first_then_the_problem(city, client, plain):
    post_plain(client, location_xml(*gcj(City.POINT2), label="黄浦路"))
    assert count(Case) == 0 and count(SmsConversation) == 1
    made = post_plain(client, text_xml("有辆车停在人行道上"))
    case = db.session.scalars(select(Case)).one()
    assert case.area_id == city.area2.id and metres((case.lng, case.lat), City.POINT2) < 1
    assert "已收到" in made.reply


def test_a_location_label_is_the_place_not_a_second_problem(city, client, plain):
    # WeChat's map labels the spot with a place name; "停车场" is no illegal-parking report.
    asked = post_plain(client, text_xml("路边电线杆上有人乱贴小广告"))
    assert count(Case) == 0 and "位置" in asked.reply
    placed = post_plain(client, location_xml(*gcj(City.POINT2), label="武汉广场停车场"))
    case = db.session.scalars(select(Case)).one()
    assert case.category.code == "LD09" and case.area_id == city.area2.id
    assert case.code[:4] in placed.reply


def test_a_location_alone_labelled_with_a_problem_word_asks_what_the_problem_is(
        city, client, plain):
    asked = post_plain(client, location_xml(*gcj(City.POINT2), label="黎黄陂路 垃圾中转站"))
    assert count(Case) == 0 and count(SmsConversation) == 1
    assert "问题" in asked.reply
    post_plain(client, text_xml("有辆车停在人行道上"))
    case = db.session.scalars(select(Case)).one()
    assert case.category.code == "LD03" and case.area_id == city.area2.id


def test_a_location_outside_every_area_is_kept_for_a_dispatcher(city, client, plain):
    post_plain(client, text_xml("有车停在人行道上"))
    post_plain(client, location_xml(*gcj(City.NOWHERE)))
    case = db.session.scalars(select(Case)).one()
    assert case.area_id is None and case.unrouted_reason is not None
    assert metres((case.lng, case.lat), City.NOWHERE) < 1


def test_a_photo_then_the_report_attaches_the_photo_once(city, client, plain):
    asked = post_plain(client, image_xml("MEDIA-photo-1"))
    assert "问题" in asked.reply and count(Case) == 0
    post_plain(client, text_xml("中山大道乱停车"))
    case = db.session.scalars(select(Case)).one()
    media = db.session.scalars(select(SmsMedia)).one()
    assert media.case_id == case.id and media.status == "pending"
    assert plain.of("media/get") == []  # not fetched in the callback
    assert mms.fetch() == 1
    assert mms.fetch() == 0  # once
    assert count(Attachment) == 1
    downloads = plain.of("media/get")
    assert len(downloads) == 1 and downloads[0]["query"]["media_id"] == "MEDIA-photo-1"


def test_a_media_that_is_not_a_photo_is_rejected_and_the_resident_told_on_wechat(
        city, client, plain):
    post_plain(client, image_xml("MEDIA-notes"))
    post_plain(client, text_xml("中山大道乱停车"))
    mms.fetch()
    media = db.session.scalars(select(SmsMedia)).one()
    assert media.status == "rejected" and count(Attachment) == 0
    told = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.dedupe_key.like("mms%"))).one()
    assert told.channel == "wechat"
    delivery.deliver()  # the sweep sends what the photo fetch wrote
    sent = plain.of("message/custom/send")  # no template for this kind: a service message
    assert sent and sent[-1]["json"]["touser"] == OPENID


def test_commands_work_as_by_sms(city, client, plain):
    post_plain(client, text_xml("中山大道乱停车"))
    case = db.session.scalars(select(Case)).one()
    answer = post_plain(client, text_xml(f"CX {case.code}"))
    assert f"{case.code[:4]}-{case.code[4:]}" in answer.reply
    help_ = post_plain(client, text_xml("帮助"))
    assert help_.reply.startswith("【路长制】")


def test_a_voice_message_is_answered_but_not_stored(city, client, plain):
    from tests.wechat_helpers import message_xml

    sent = post_plain(client, message_xml("voice", new_msg_id(), MediaId="v1", Format="amr"))
    assert sent.response.status_code == 200 and sent.reply
    assert nothing_stored()


def test_following_the_account_is_welcomed_with_how_to_report(city, client, plain):
    from tests.wechat_helpers import message_xml

    sent = post_plain(client, message_xml("event", Event="subscribe", EventKey=""))
    assert "【路长制】" in sent.reply and nothing_stored()


# -- replays and forgeries ---------------------------------------------------------------------


def test_a_replayed_message_gets_the_same_reply_and_stores_nothing_new(city, client, plain):
    xml = text_xml("中山大道有车停在人行道上")
    first = post_plain(client, xml)
    again = post_plain(client, xml)  # WeChat retries when no answer came within 5 s
    assert again.reply == first.reply and first.reply
    assert count(Case) == 1 and count(InboundMessage) == 1 and count(OutboxMessage) == 1


def test_a_replayed_image_is_stored_once(city, client, plain):
    xml = image_xml("MEDIA-photo-1")
    assert post_plain(client, xml).reply == post_plain(client, xml).reply
    assert count(SmsMedia) == 1 and count(InboundMessage) == 1


def test_a_bad_signature_is_refused_and_nothing_is_stored(city, client, plain):
    sent = post_plain(client, text_xml("中山大道乱停车"), token="not-the-token")
    assert sent.response.status_code == 403 and nothing_stored()
    missing = client.post("/wechat/callback", data=text_xml("中山大道乱停车").encode(),
                          content_type="text/xml")
    assert missing.status_code == 403 and nothing_stored()


def signed_query(age: int = 0) -> dict[str, str]:
    """A callback query WeChat could have signed ``age`` seconds ago (a fresh nonce)."""
    timestamp, nonce = str(int(time.time()) - age), f"q{uuid.uuid4().hex}"
    return {"signature": signature(TOKEN, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, "openid": OPENID}


def test_a_signed_url_older_than_five_minutes_is_refused(city, client, plain):
    # The signature covers no body: a signed URL read from an access log must not carry one.
    for age in (360, -360, 3600):  # a margin: a slow machine takes a while to answer
        stale = client.post("/wechat/callback", query_string=signed_query(age),
                            data=text_xml("中山大道乱停车").encode(), content_type="text/xml")
        assert stale.status_code == 403 and nothing_stored()
    fresh = client.post("/wechat/callback", query_string=signed_query(240),
                        data=text_xml("中山大道乱停车").encode(), content_type="text/xml")
    assert fresh.status_code == 200 and count(Case) == 1


def test_a_signed_url_replayed_with_another_body_is_refused(city, client, plain):
    query = signed_query()
    xml = text_xml("中山大道有车停在人行道上")
    first = client.post("/wechat/callback", query_string=query, data=xml.encode(),
                        content_type="text/xml")
    assert first.status_code == 200 and count(Case) == 1
    forged = client.post("/wechat/callback", query_string=query, content_type="text/xml",
                         data=text_xml("黄浦路有车停在人行道上", openid=OTHER_OPENID).encode())
    assert forged.status_code == 403
    assert count(Case) == 1 and count(InboundMessage) == 1 and count(Contact) == 1
    # WeChat's own retry of a slow callback (the same query, the same body) is answered.
    again = client.post("/wechat/callback", query_string=query, data=xml.encode(),
                        content_type="text/xml")
    code = db.session.scalars(select(Case)).one().code
    assert again.status_code == 200 and code[4:] in again.get_data(as_text=True)
    assert count(InboundMessage) == 1


@pytest.mark.parametrize("body", [b"", b"<xml>", b"\x00\x01", b"<xml><MsgType>text</MsgType></xml>",
                                  "<xml>中".encode("gbk")])
def test_a_signed_body_that_is_no_message_is_refused(city, client, plain, body):
    response = client.post("/wechat/callback", query_string=signed_query(), data=body,
                           content_type="text/xml")
    assert response.status_code in (400, 403) and nothing_stored()


def test_a_huge_body_is_refused(city, client, plain):
    query = signed_query()
    body = text_xml("中" * 40_000).encode()
    response = client.post("/wechat/callback", query_string=query, data=body,
                           content_type="text/xml")
    assert response.status_code == 413 and nothing_stored()


# -- the encrypted (安全) mode --------------------------------------------------------------------


def test_an_encrypted_conversation_with_text_location_and_image(city, client, sealed):
    asked = post_encrypted(client, image_xml("MEDIA-photo-1"))
    assert asked.response.status_code == 200 and "问题" in asked.reply
    asked = post_encrypted(client, text_xml("门口有人占道经营卖水果"))
    case = db.session.scalars(select(Case)).one()  # the answer to "what and where?"
    assert case.channel == "wechat" and "已收到" in asked.reply
    assert mms.fetch() == 1 and count(Attachment) == 1
    # A second report: the problem, then where it is, as a location.
    post_encrypted(client, text_xml("有车停在人行道上"))
    placed = post_encrypted(client, location_xml(*gcj(City.POINT3)))
    second = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
    assert second.area_id == city.area3.id and metres((second.lng, second.lat),
                                                      City.POINT3) < 1
    assert second.code[:4] in placed.reply


def test_encrypted_mode_refuses_a_plaintext_message(city, client, sealed):
    sent = post_plain(client, text_xml("中山大道乱停车"))
    assert sent.response.status_code == 403 and nothing_stored()


def test_a_message_sealed_with_another_key_is_refused(city, client, sealed):
    sent = post_encrypted(client, text_xml("中山大道乱停车"), aes_key=OTHER_AES_KEY)
    assert sent.response.status_code == 403 and nothing_stored()


def test_a_message_sealed_for_another_account_is_refused(city, client, sealed):
    sent = post_encrypted(client, text_xml("中山大道乱停车"), app_id="wx0000000000000000")
    assert sent.response.status_code == 403 and nothing_stored()


def test_an_encrypted_replay_is_idempotent(city, client, sealed):
    xml = text_xml("中山大道有车停在人行道上")
    first, again = post_encrypted(client, xml), post_encrypted(client, xml)
    assert first.reply and again.reply == first.reply
    assert count(Case) == 1 and count(InboundMessage) == 1


# -- progress notifications --------------------------------------------------------------------


def _wechat_case(client, city) -> Case:
    post_plain(client, text_xml("解放大道有车停在人行道上"))
    return db.session.scalars(select(Case)).one()


def test_progress_goes_as_a_template_message_through_the_api(city, client, plain):
    case = _wechat_case(client, city)
    cases.dispatch(case, city.actor(city.dispatcher))
    row = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.contact_id.is_not(None), OutboxMessage.status != "sent",
        OutboxMessage.provider_id != "passive")).all()
    assert row == []  # delivered after commit
    sent = plain.of("message/template/send")
    assert len(sent) == 1
    payload = sent[0]["json"]
    assert payload["touser"] == OPENID and payload["template_id"] == "TPL-DISPATCH-0001"
    assert f"{case.code[:4]}-{case.code[4:]}" in payload["data"]["keyword1"]["value"]
    assert "办理" in payload["data"]["first"]["value"]
    assert payload["url"].endswith(f"/track/{case.code}")
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.event_id.is_not(None), OutboxMessage.channel == "wechat",
        OutboxMessage.provider_id != "passive")).one()
    assert message.status == "sent" and message.provider_id.isdigit()
    assert plain.of("token")  # the access token came from the fake, too


def test_the_time_in_a_template_is_in_the_residents_language(city, client, plain):
    case = _wechat_case(client, city)
    contact = db.session.scalars(select(Contact)).one()
    contact.language = "en"
    db.session.commit()
    cases.dispatch(case, city.actor(city.dispatcher))  # sent from a Chinese-speaking context
    (sent,) = plain.of("message/template/send")
    data = sent["json"]["data"]
    assert "was sent to" in data["first"]["value"]  # the message itself is in English
    assert "月" not in data["keyword2"]["value"]
    assert any(m in data["keyword2"]["value"] for m in ("Dec", "Jan", "Nov", "Feb", "Oct",
                                                          "Mar", "Sep", "Apr", "Aug", "May",
                                                          "Jun", "Jul"))


def test_a_long_value_is_shortened_for_its_field_never_refused(city, client, plain):
    from app.services import wechat_api

    template_id, data = wechat_api.template_data(
        TEMPLATES["rectify"], {"category": "机动车占用人行道、盲道或消防通道违法停车问题",
                               "code": "ABCD-EFGH", "message": "很" * 300, "time": "12月8日"})
    assert template_id == "TPL-RECTIFY-0002"
    assert len(data["thing1"]["value"]) == 20 and data["thing1"]["value"].endswith("…")
    assert data["character_string2"]["value"] == "ABCD-EFGH"
    assert len(data["thing4"]["value"]) == 20


def test_a_passing_failure_is_retried_and_a_blocked_resident_fails_for_good(
        city, client, plain, ctx):
    case = _wechat_case(client, city)
    plain.script = [-1]  # "system busy"
    cases.dispatch(case, city.actor(city.dispatcher))
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == "wechat", OutboxMessage.provider_id.is_(None))).one()
    assert message.status == "pending" and message.next_attempt_at is not None
    message.next_attempt_at = None
    db.session.commit()
    assert delivery.deliver() == 1
    db.session.refresh(message)
    assert message.status == "sent" and len(plain.of("message/template/send")) == 2
    plain.script = [43004]  # the resident unfollowed the account
    contact = db.session.scalars(select(Contact)).one()
    row = OutboxMessage(dedupe_key="t:blocked", channel="wechat", to_phone=contact.phone,
                        contact_id=contact.id, case_id=case.id, language="zh_Hans_CN",
                        body="【路长制】测试", status="pending", created_at=message.created_at)
    db.session.add(row)
    db.session.commit()
    delivery.deliver([row.id])
    db.session.refresh(row)
    assert row.status == "failed" and "43004" in row.last_error


def test_a_resident_who_texted_hears_by_sms_and_one_on_wechat_by_wechat(city, client, plain):
    from tests.sms_helpers import fake_twilio, text

    gen = fake_twilio(client.application)
    twilio = next(gen)
    try:
        text(client, "解放大道有车停在人行道上", phone="+8613900002222")
        post_plain(client, text_xml("解放大道乱停车", openid=OTHER_OPENID))
        for case in db.session.scalars(select(Case)).all():
            cases.dispatch(case, city.actor(city.dispatcher))
        to_residents = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.contact_id.is_not(None), OutboxMessage.event_id.is_not(None),
            OutboxMessage.provider_id.not_in(("twiml", "passive")))).all()
        assert sorted(m.channel for m in to_residents) == ["sms", "wechat"]
        numbers = [m["To"] for m in twilio.sent]
        assert "+8613900002222" in numbers and not any(n.startswith("wx-") for n in numbers)
        assert [c["json"]["touser"] for c in plain.of("message/template/send")] == \
            [OTHER_OPENID]
    finally:
        next(gen, None)


def test_the_template_delivery_report_is_recorded(city, client, plain):
    from tests.wechat_helpers import message_xml

    case = _wechat_case(client, city)
    cases.dispatch(case, city.actor(city.dispatcher))
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == "wechat", OutboxMessage.status == "sent",
        OutboxMessage.provider_id != "passive")).one()
    post_plain(client, message_xml("event", Event="TEMPLATESENDJOBFINISH",
                                   MsgID=int(message.provider_id), Status="success"))
    db.session.refresh(message)
    assert message.delivery_status == "delivered"


# -- hostile input -------------------------------------------------------------------------------


HOSTILE = ["\x01", "99999999999999999999999", "-1", "1e309", "NaN", "abc", "", "x" * 5000,
           "<![CDATA[", "]]>", "&#0;", "\u202e\U0001F600", "' OR 1=1--"]


@pytest.mark.parametrize("mode", ["plain", "sealed"])
def test_no_hostile_field_gives_a_server_error(city, client, fake_wechat, ctx, mode):
    from xml.sax.saxutils import escape

    from tests.wechat_helpers import message_xml

    configure(ctx, fake_wechat, encrypted=mode == "sealed", templates=TEMPLATES)
    send = post_plain if mode == "plain" else post_encrypted
    try:
        for value in HOSTILE:
            for query in ({"signature": value, "timestamp": value, "nonce": value,
                           "echostr": value, "msg_signature": value, "encrypt_type": value},):
                assert client.get("/wechat/callback", query_string=query).status_code < 500
                assert client.post("/wechat/callback", query_string=query,
                                   data=value.encode()).status_code < 500
            safe = escape(value)
            bodies = [
                message_xml("text", new_msg_id(), Content=value),
                message_xml("location", new_msg_id(), Location_X=safe, Location_Y=safe,
                            Label=value),
                message_xml("image", new_msg_id(), MediaId=value, PicUrl=value),
                message_xml("text", None, Content="中山大道乱停车").replace(
                    "</xml>", f"<MsgId>{safe}</MsgId></xml>"),
                message_xml(safe or "text", new_msg_id(), Content="x"),
                message_xml("text", new_msg_id(), openid=safe, Content="中山大道乱停车"),
                message_xml("event", None, Event=value, MsgID=safe, Status=value),
            ]
            for body in bodies:
                status = send(client, body).response.status_code
                assert status < 500, (value, body[:200])
    finally:
        unconfigure(ctx)


def test_a_template_without_an_id_stops_the_app_at_start_up(app):
    from app import create_app

    with pytest.raises(ValueError, match="dispatch"):
        create_app({"TESTING": True, "REDIS_URL": None,
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                    "WECHAT_TEMPLATES": {"dispatch": {"fields": {"thing1": "code"}}}})


def test_wechat_cases_are_a_channel_of_their_own_in_the_figures(city, client, plain):
    from flask_babel import force_locale

    from app.services.metrics_dashboard import member_names

    with force_locale("zh_Hans_CN"):
        assert member_names("channel", ["wechat", "sms"]) == {"wechat": "微信", "sms": "短信"}
    with force_locale("en"):
        assert member_names("channel", ["wechat"]) == {"wechat": "WeChat"}


def test_the_whole_loop_on_wechat_ends_with_a_rating_sent_from_wechat(city, client, plain):
    from app.models import Rating
    from tests.resident_helpers import close_by_staff

    case = _wechat_case(client, city)
    close_by_staff(city, case)
    kinds = [c["json"].get("template_id") or "text" for c in plain.calls if c["json"]]
    # dispatch has a template; rectify has one with named fields; the others go as text.
    assert "TPL-DISPATCH-0001" in kinds and "TPL-RECTIFY-0002" in kinds and "text" in kinds
    closing = plain.of("message/custom/send")[-1]["json"]
    assert closing["touser"] == OPENID and "1" in closing["text"]["content"]
    thanks = post_plain(client, text_xml("1"))
    rating = db.session.scalars(select(Rating)).one()
    assert (rating.score, rating.channel) == (1, "wechat") and case.code[:4] in thanks.reply


def test_the_usual_closure_uses_the_close_template_when_only_that_is_set(
        city, client, plain, ctx):
    from tests.resident_helpers import close_by_staff

    ctx.config["WECHAT_TEMPLATES"] = dict(TEMPLATES, close="TPL-CLOSE-0003")
    case = _wechat_case(client, city)
    close_by_staff(city, case)  # closed by a passed check (verify_pass), as usual
    closing = [c["json"] for c in plain.of("message/template/send")
               if c["json"]["template_id"] == "TPL-CLOSE-0003"]
    assert len(closing) == 1 and closing[0]["touser"] == OPENID
    assert f"{case.code[:4]}-{case.code[4:]}" in closing[0]["data"]["keyword1"]["value"]
    # "closed, please rate" never went as a customer-service text (refused after 48 h).
    assert not [c for c in plain.of("message/custom/send")
                if case.code[:4] in c["json"]["text"]["content"]
                and "1" in c["json"]["text"]["content"] and "评价" in c["json"]["text"][
                    "content"]]


def test_a_template_for_an_unknown_kind_stops_the_app_at_start_up(app):
    from app import create_app

    for templates in ({"closed": "TPL-1"}, {"verify": "TPL-1", "dispatch": "TPL-2"}):
        with pytest.raises(ValueError, match="unknown kind"):
            create_app({"TESTING": True, "REDIS_URL": None,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "WECHAT_TEMPLATES": templates})


def test_erasing_a_wechat_resident_forgets_the_openid(city, client, plain):
    from app.services import retention

    case = _wechat_case(client, city)
    contact = retention.find(OPENID)  # the admin finds them by the OpenID
    assert contact is not None and contact.id == case.reporter_contact_id
    assert retention.export(contact, city.admin)["wechat_openid"] == OPENID
    retention.erase(contact, city.admin, "本人申请")
    db.session.refresh(contact)
    assert contact.wechat_openid is None and not contact.phone.startswith("wx-")
    assert retention.find(OPENID) is None
    # Writing again later is a new contact: nothing links it to the erased one.
    post_plain(client, text_xml("帮助"))
    assert count(Contact) == 2


def test_td_on_wechat_stops_the_progress_messages(city, client, plain):
    case = _wechat_case(client, city)
    stopped = post_plain(client, text_xml("TD"))
    assert "START" in stopped.reply or "恢复" in stopped.reply
    cases.dispatch(case, city.actor(city.dispatcher))
    delivery.deliver()
    assert plain.of("message/template/send") == [] and plain.of("message/custom/send") == []


def test_unfollowing_stops_the_messages_and_following_again_resumes_them(city, client, plain):
    from app.models import SmsOptOut
    from tests.wechat_helpers import message_xml

    case = _wechat_case(client, city)
    for _ in range(2):  # WeChat may deliver an event twice
        post_plain(client, message_xml("event", Event="unsubscribe", EventKey=""))
    assert count(SmsOptOut) == 1
    cases.dispatch(case, city.actor(city.dispatcher))
    assert plain.of("message/template/send") == []
    post_plain(client, message_xml("event", Event="subscribe", EventKey=""))
    assert count(SmsOptOut) == 0
    post_plain(client, text_xml("TD"))
    post_plain(client, message_xml("event", Event="subscribe", EventKey=""))
    assert count(SmsOptOut) == 1  # following again does not undo a TD

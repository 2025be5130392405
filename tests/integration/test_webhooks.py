"""Signed webhooks: an administrator's subscriber hears of each case event it asked for,
signed, in order per case and once each, even after being down for an hour (a real HTTP
receiver on a local port is taken down and brought back)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import WebhookDelivery
from app.services import admin, cases, clock, webhooks
from app.services.actors import Actor
from app.services.admin import webhooks as subscribers
from tests.factories import photo
from tests.webhook_receiver import Receiver

SECRET = "s3cret-for-the-city-platform"


class Form(dict):
    def getlist(self, name):
        value = self.get(name)
        return value if isinstance(value, list) else ([value] if value else [])


@pytest.fixture()
def receiver():
    found = Receiver(SECRET)
    found.start()
    yield found
    found.stop()


def subscribe(city, url, **more):
    subscriber, _secret = subscribers.create(city.admin, Form(
        name="city operation platform", url=url, secret=SECRET, **more))
    admin.commit()  # as the admin page does: every process's kept subscribers are dropped
    return subscriber


def report(city, point=None):
    lng, lat = point or city.POINT
    return cases.submit(Actor.resident(None), category_code="LD03", description="占道停车",
                        lat=lat, lng=lng, channel="open311")


def work_on(city, case):
    case = cases.dispatch(case, city.actor(city.dispatcher))
    staff = city.actor(city.traffic_staff)
    case = cases.sign_for(case, staff)
    return cases.rectify(case, staff, note="已拖离", photos=[photo()])


def test_each_event_is_delivered_signed_with_its_idempotency_key(city, receiver, t0):
    subscribe(city, receiver.url)
    with clock.travel(t0):
        case = report(city)
        cases.dispatch(case, city.actor(city.dispatcher))
        assert webhooks.deliver_due() == {"sent": 2, "retry": 0, "failed": 0}
    assert receiver.bad_signatures == 0
    kinds = [body["kind"] for body in receiver.received]
    assert kinds == ["case.submit", "case.dispatch"]
    assert receiver.received[1]["case"]["state"] == "dispatched"
    assert receiver.received[1]["id"] in receiver.keys
    with clock.travel(t0 + timedelta(minutes=1)):
        assert webhooks.deliver_due() == {"sent": 0, "retry": 0, "failed": 0}  # once each


def test_a_subscriber_down_for_an_hour_receives_everything_afterwards_in_order(
        city, receiver, t0):
    subscribe(city, receiver.url)
    receiver.stop()
    with clock.travel(t0):
        first, second = report(city), report(city)
    for minutes in range(0, 61, 5):  # the sweep's passes while the receiver is down
        with clock.travel(t0 + timedelta(minutes=minutes)):
            if minutes == 20:
                work_on(city, first)
            if minutes == 40:
                cases.dispatch(second, city.actor(city.dispatcher))
            webhooks.deliver_due()
    assert receiver.received == []
    waiting = db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.status == "pending"))
    assert waiting == 6
    receiver.start()
    with clock.travel(t0 + timedelta(minutes=70)):
        done = webhooks.deliver_due()
    assert done["sent"] == 6 and receiver.repeats == 0 and receiver.bad_signatures == 0
    by_case: dict[str, list[str]] = {}
    for body in receiver.received:
        by_case.setdefault(body["case"]["service_request_id"], []).append(body["event"]["action"])
    assert sorted(by_case.values()) == [["submit", "dispatch"],
                                        ["submit", "dispatch", "sign_for", "rectify"]]


def test_a_subscriber_hears_only_the_kinds_and_the_place_it_asked_for(city, receiver, t0):
    subscribe(city, receiver.url, event_kinds=["dispatch"], district_id=str(city.district.id))
    with clock.travel(t0):
        here, far = report(city), report(city, city.FAR_POINT)
        cases.dispatch(here, city.actor(city.dispatcher))
        cases.dispatch(far, city.actor(city.far_dispatcher))
        webhooks.deliver_due()
    assert [(b["kind"], b["case"]["district_id"]) for b in receiver.received] == [
        ("case.dispatch", city.district.id)]


def test_a_delivery_that_keeps_failing_is_failed_visibly_and_can_be_sent_again(
        city, client, receiver, t0, app):
    subscriber = subscribe(city, receiver.url, event_kinds=["submit"])
    receiver.stop()
    with clock.travel(t0):
        report(city)
        webhooks.deliver_due()
    with clock.travel(t0 + timedelta(hours=25)):
        assert webhooks.deliver_due()["failed"] == 1
    [failed] = db.session.scalars(select(WebhookDelivery)).all()
    assert failed.status == "failed" and failed.last_error
    from tests.admin_helpers import sign_in

    sign_in(client, city.admin)
    page = client.get(f"/admin/webhooks/{subscriber.id}").get_data(as_text=True)
    assert f'data-delivery="{failed.idempotency_key}" data-status="failed"' in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(f"/admin/webhooks/deliveries/{failed.id}/resend",
                           data={"csrf_token": token})
    assert response.status_code == 302
    receiver.start()
    with clock.travel(t0 + timedelta(hours=26)):
        assert webhooks.deliver_due()["sent"] == 1
    assert [b["kind"] for b in receiver.received] == ["case.submit"]


def test_a_receiver_refuses_a_forged_or_stale_delivery():
    body = b'{"kind":"case.submit"}'
    signature = webhooks.sign(SECRET, 1_800_000_000, body)
    assert webhooks.verify(SECRET, "1800000000", body, signature, now=1_800_000_010)
    assert not webhooks.verify(SECRET, "1800000000", body + b" ", signature, now=1_800_000_010)
    assert not webhooks.verify("another secret", "1800000000", body, signature,
                               now=1_800_000_010)
    assert not webhooks.verify(SECRET, "1800000000", body, signature, now=1_800_001_000)


def test_registering_a_subscriber_checks_its_address_and_secret(city):
    from app.services.admin import Invalid

    with pytest.raises(Invalid) as refused:
        subscribers.create(city.admin, Form(name="x", url="ftp://x", secret="short"))
    assert set(refused.value.problems) == {"url", "secret"}
    made, secret = subscribers.create(city.admin, Form(name="x", url="https://x.example.cn/h"))
    assert len(secret) >= 32 and made.secret == secret

"""A worker killed mid-send leaves its message "sending". The sweep asks the provider —
Twilio's own client, talking HTTP to a local stand-in for Twilio's REST API — whether it
took the message: taken, the row is sent (with its SID and status); not taken, or failed
there, it is sent again, and after the last attempt goes to a person; a provider that
cannot be asked is asked again later, and after a day the row goes to a person. Never is
a message left failed when it was not sent, nor sent twice when it was."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select
from twilio.http.http_client import TwilioHttpClient

from app.extensions import db
from app.models import OutboxMessage
from app.services import cases, clock, delivery
from app.services.actors import Actor
from tests.sms_helpers import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER

TWILIO = "https://api.twilio.com"


class FakeTwilio:
    """Twilio's Messages resource on 127.0.0.1: create, fetch by SID, list by To/From."""

    def __init__(self):
        self.messages: list[dict] = []
        self.failing = False
        self.requests: list[tuple[str, str]] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                fake.requests.append(("GET", self.path))
                if fake.failing:
                    return self._answer(503, {"code": 20503, "message": "unavailable",
                                              "status": 503})
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                base = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages"
                if url.path == base + ".json":
                    found = [m for m in reversed(fake.messages)
                             if m["to"] == query.get("To") and m["from"] == query.get("From")]
                    return self._answer(200, {
                        "messages": found, "next_page_uri": None, "page": 0,
                        "page_size": int(query.get("PageSize", 50)), "uri": self.path,
                        "first_page_uri": self.path, "previous_page_uri": None})
                sid = url.path.removeprefix(base + "/").removesuffix(".json")
                for m in fake.messages:
                    if m["sid"] == sid:
                        return self._answer(200, m)
                return self._answer(404, {"code": 20404, "message": "not found",
                                          "status": 404})

            def do_POST(self):  # noqa: N802
                fake.requests.append(("POST", self.path))
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                message = fake.add(form["To"], form["Body"], "queued")
                return self._answer(201, message)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, to: str, body: str, status: str, created: datetime | None = None) -> dict:
        message = {"sid": f"SM{len(self.messages) + 1:032d}", "account_sid": ACCOUNT_SID,
                   "to": to, "from": FROM_NUMBER, "body": body, "status": status,
                   "error_code": 30003 if status == "undelivered" else None,
                   "date_created": format_datetime(created or datetime.now(UTC)),
                   "direction": "outbound-api", "num_segments": "1"}
        self.messages.append(message)
        return message

    @property
    def created(self) -> int:
        return sum(1 for method, _ in self.requests if method == "POST")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class LocalTwilioHttp(TwilioHttpClient):
    """Twilio's own HTTP client, sent to the local stand-in instead of api.twilio.com."""

    def __init__(self, base: str):
        super().__init__(timeout=5)
        self.local = base

    def request(self, method, url, *args, **kwargs):
        return super().request(method, url.replace(TWILIO, self.local), *args, **kwargs)


@pytest.fixture()
def twilio(ctx):
    fake = FakeTwilio()
    ctx.config.update(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                      TWILIO_FROM_NUMBER=FROM_NUMBER,
                      TWILIO_HTTP_CLIENT=LocalTwilioHttp(fake.base), OUTBOX_DELIVERY=False)
    yield fake
    ctx.config.update(TWILIO_ACCOUNT_SID=None, TWILIO_AUTH_TOKEN=None, TWILIO_FROM_NUMBER=None,
                      TWILIO_HTTP_CLIENT=None, OUTBOX_DELIVERY=True)
    fake.close()


def interrupted(city, at) -> OutboxMessage:
    """A report's message, claimed by a worker that then died."""
    with clock.travel(at):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")
        message = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.case_id == case.id)).one()
        assert delivery.claim(message.id)
    db.session.refresh(message)
    assert message.status == "sending"
    return message


def sweep_at(moment):
    with clock.travel(moment):
        delivery.deliver()


def test_a_message_twilio_took_before_the_worker_died_is_recorded_sent(city, t0, twilio):
    message = interrupted(city, t0)
    taken = twilio.add(message.to_phone, message.body, "delivered", created=t0)
    sweep_at(t0 + timedelta(minutes=11))
    db.session.refresh(message)
    assert (message.status, message.provider_id) == ("sent", taken["sid"])
    assert message.delivery_status == "delivered"
    assert twilio.created == 0  # not sent twice


def test_a_message_twilio_never_got_is_sent_again(city, t0, twilio):
    message = interrupted(city, t0)
    twilio.add(message.to_phone, "another message", "delivered", created=t0)
    sweep_at(t0 + timedelta(minutes=11))
    db.session.refresh(message)
    assert message.status == "sent" and twilio.created == 1
    assert twilio.messages[-1]["body"] == message.body
    assert message.provider_id == twilio.messages[-1]["sid"]


def test_a_message_that_failed_at_twilio_is_sent_again(city, t0, twilio):
    message = interrupted(city, t0)
    twilio.add(message.to_phone, message.body, "undelivered", created=t0)
    sweep_at(t0 + timedelta(minutes=11))
    db.session.refresh(message)
    assert message.status == "sent" and twilio.created == 1


def test_a_message_with_a_sid_is_looked_up_by_it(city, t0, twilio):
    message = interrupted(city, t0)
    taken = twilio.add(message.to_phone, message.body, "sent", created=t0)
    message.provider_id = taken["sid"]
    db.session.commit()
    sweep_at(t0 + timedelta(minutes=11))
    db.session.refresh(message)
    assert message.status == "sent"
    assert ("GET", f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{taken['sid']}.json") \
        in twilio.requests


def test_after_the_last_attempt_an_unsent_message_goes_to_a_person(city, t0, twilio, app,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "SMS_MAX_ATTEMPTS", 1)
    message = interrupted(city, t0)
    sweep_at(t0 + timedelta(minutes=11))
    db.session.refresh(message)
    assert message.status == "failed" and twilio.created == 0
    assert "interrupted before the provider took it" in message.last_error
    assert "send it again" in message.last_error


def test_when_twilio_cannot_be_asked_the_message_waits_then_goes_to_a_person(city, t0, twilio):
    message = interrupted(city, t0)
    twilio.failing = True
    sweep_at(t0 + timedelta(minutes=11))
    db.session.refresh(message)
    assert message.status == "sending"  # asked again at the next sweep
    sweep_at(t0 + timedelta(hours=25))
    db.session.refresh(message)
    assert message.status == "failed" and "could not be asked" in message.last_error
    assert twilio.created == 0


def test_a_message_still_being_sent_is_left_alone(city, t0, twilio):
    message = interrupted(city, t0)
    sweep_at(t0 + timedelta(minutes=2))  # inside SMS_SENDING_TIMEOUT_SECONDS
    db.session.refresh(message)
    assert message.status == "sending" and twilio.requests == []

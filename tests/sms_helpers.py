"""Helpers for the SMS tests: requests signed the way Twilio signs them, a fake Twilio
HTTP client that records every call, and the demo city's gazetteer as plain data."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import shapely.geometry
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+15005550006"
BASE = "https://roadchief.example.cn"  # PUBLIC_BASE_URL of the test app
CITY_FILE = Path(__file__).resolve().parent.parent / "app" / "demo" / "wuhan_city.json"
_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032d}"


def sign(path: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(BASE + path, params)


def post_signed(client, path: str, params: dict, *, signature: str | None = None):
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(path, params)}
    return client.post(path, data=params, headers=headers)


def text(client, body: str, *, phone: str = "+8613900001111", sid: str | None = None,
         media: list[tuple[str, str]] = ()):
    """A resident's text message as Twilio posts it to /sms/inbound."""
    params = {"MessageSid": sid or new_sid(), "AccountSid": ACCOUNT_SID, "From": phone,
              "To": FROM_NUMBER, "Body": body, "NumMedia": str(len(media))}
    for i, (url, content_type) in enumerate(media):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = content_type
    return post_signed(client, "/sms/inbound", params)


def reply_of(response) -> str:
    """The text of the TwiML <Message>, or "" when the reply is empty."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(response.get_data(as_text=True))
    message = root.find("Message")
    return message.text or "" if message is not None else ""


@dataclass
class FakeTwilioHttp(HttpClient):
    """Stands in for Twilio's REST API. ``script`` holds what the next calls answer: an
    HTTP status (201 makes a message), or an exception to raise (a timeout)."""

    script: list = field(default_factory=list)
    calls: list = field(default_factory=list)

    def __post_init__(self):
        import logging

        super().__init__(logging.getLogger("fake-twilio"), False, None)

    def request(self, method, uri, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        self.calls.append({"method": method, "uri": uri, "data": dict(data or {}),
                           "auth": auth})
        outcome = self.script.pop(0) if self.script else 201
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome >= 400:
            return Response(outcome, json.dumps({"code": 20500 if outcome >= 500 else 21211,
                                                 "message": "fake failure", "status": outcome}))
        sid = f"SMout{len(self.calls):029d}"
        return Response(outcome, json.dumps({
            "sid": sid, "status": "queued", "to": (data or {}).get("To"),
            "from": (data or {}).get("From"), "body": (data or {}).get("Body"),
            "account_sid": ACCOUNT_SID}))

    @property
    def sent(self) -> list[dict]:
        return [c["data"] for c in self.calls if c["uri"].endswith("/Messages.json")]


def fake_twilio(ctx):
    """For a fixture: Twilio credentials configured, its REST API replaced by a recording
    fake (yields the fake)."""
    fake = FakeTwilioHttp()
    ctx.config.update(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                      TWILIO_FROM_NUMBER=FROM_NUMBER, TWILIO_HTTP_CLIENT=fake)
    from app.services import sms

    sms.invalidate()
    yield fake
    ctx.config.update(TWILIO_ACCOUNT_SID=None, TWILIO_AUTH_TOKEN=None, TWILIO_FROM_NUMBER=None,
                      TWILIO_HTTP_CLIENT=None)
    sms.invalidate()


def serve_media():
    """For a fixture: a stand-in for Twilio's media URLs on 127.0.0.1 that answers only
    with the account's basic-auth credentials and records what it was asked. Yields
    (base URL, [(path, Authorization header), ...])."""
    import base64
    import http.server
    import io
    import threading

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buf, format="JPEG")
    files = {"/photo.jpg": ("image/jpeg", buf.getvalue()),
             "/notes.txt": ("text/plain", b"hello")}
    seen = []
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append((self.path, self.headers.get("Authorization")))
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.end_headers()
                return
            if self.path not in files:
                self.send_response(500)
                self.end_headers()
                return
            content_type, body = files[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def demo_areas() -> list[dict]:
    """The demo city's areas as the plain data ``Gazetteer.from_data`` takes (ids in file
    order)."""
    data = json.loads(CITY_FILE.read_text(encoding="utf-8"))
    areas, next_id = [], itertools.count(1)
    for district in data["districts"]:
        for street in district["streets"]:
            for area in street["areas"]:
                numbers = LANDMARKS["numbers"].get(area["code"], {})
                centre = shapely.geometry.shape(area["polygon"]).centroid
                areas.append({"id": next(next_id), "code": area["code"], "name": area["name_zh"],
                              "name_en": area["name_en"], "street": street["code"],
                              "center": [centre.x, centre.y],
                              "roads": [{**r, "numbers": numbers.get(r["name"], [])}
                                        for r in area["roads"]]})
    return areas


LANDMARKS = json.loads((CITY_FILE.parent / "wuhan_landmarks.json").read_text(encoding="utf-8"))


def demo_landmarks(areas: list[dict]) -> list[dict]:
    """The demo landmarks as ``Gazetteer.from_data`` takes them (each in its area)."""
    ids = {a["code"]: a["id"] for a in areas}
    return [{"name": m["name"], "aliases": [*m["aliases"], m["name_en"]], "area_id": ids[m["area"]]}
            for m in LANDMARKS["landmarks"]]

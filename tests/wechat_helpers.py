"""Helpers for the WeChat tests: callbacks signed (and encrypted) the way WeChat's servers
do it, and a local fake of WeChat's API (access token, temporary media, template and
customer-service messages) that wechatpy's client is pointed at."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from PIL import Image

TOKEN = "roadchiefWeChatToken2026"
APP_ID = "wx5823bf96d3bd56c7"
APP_SECRET = "test-app-secret-0123456789abcdef"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # 43 characters, as WeChat gives it
OTHER_AES_KEY = "kWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2D"
ACCOUNT = "gh_3c884a361561"  # the official account's own id (ToUserName)
OPENID = "oR5GjjgEhCMJFyzaVZdrxZ2zRRF4"
OTHER_OPENID = "oR5GjjgEhCMJFyzaVZdrxZ2zXXXX"
_msg_ids = itertools.count(6234567890123456001)
_nonces = itertools.count(1)


def new_msg_id() -> int:
    return next(_msg_ids)


def signature(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """WeChat's SHA-1 over the sorted strings (written here, not taken from the SDK)."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, *extra])).encode()).hexdigest()


def message_xml(kind: str, msg_id: int | None = None, openid: str = OPENID, **fields) -> str:
    parts = [f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
             f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
             f"<CreateTime>{int(time.time())}</CreateTime>",
             f"<MsgType><![CDATA[{kind}]]></MsgType>"]
    for name, value in fields.items():
        parts.append(f"<{name}><![CDATA[{value}]]></{name}>" if isinstance(value, str)
                     else f"<{name}>{value}</{name}>")
    if msg_id is not None:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


def text_xml(content: str, msg_id: int | None = None, **kw) -> str:
    return message_xml("text", msg_id or new_msg_id(), Content=content, **kw)


def location_xml(lng: float, lat: float, label: str = "", msg_id: int | None = None,
                 **kw) -> str:
    """A location message: WeChat puts the latitude in Location_X (GCJ-02)."""
    return message_xml("location", msg_id or new_msg_id(), Location_X=f"{lat:.6f}",
                       Location_Y=f"{lng:.6f}", Scale=16, Label=label, **kw)


def image_xml(media_id: str, msg_id: int | None = None, **kw) -> str:
    return message_xml("image", msg_id or new_msg_id(),
                       PicUrl=f"http://mmbiz.qpic.cn/mmbiz/{media_id}/0", MediaId=media_id,
                       **kw)


@dataclass
class Sent:
    response: object
    reply: str  # the text of the passive reply ("" for none)


def post_plain(client, xml: str, *, token: str = TOKEN, sign: str | None = None) -> Sent:
    timestamp, nonce = str(int(time.time())), f"n{next(_nonces)}"
    query = {"signature": sign or signature(token, timestamp, nonce),
             "timestamp": timestamp, "nonce": nonce, "openid": OPENID}
    response = client.post("/wechat/callback", query_string=query, data=xml.encode(),
                           content_type="text/xml")
    return Sent(response, _reply_text(response.get_data(as_text=True))
                if response.status_code == 200 else "")


def post_encrypted(client, xml: str, *, aes_key: str = AES_KEY, app_id: str = APP_ID,
                   token: str = TOKEN) -> Sent:
    """A message as WeChat sends it in the encrypted (安全) mode; the reply is opened with
    the account's key and its signature checked."""
    from wechatpy.crypto import WeChatCrypto

    timestamp, nonce = str(int(time.time())), f"n{next(_nonces)}"
    envelope = WeChatCrypto(token, aes_key, app_id).encrypt_message(xml, nonce, timestamp)
    root = ET.fromstring(envelope)
    query = {"signature": signature(TOKEN, timestamp, nonce), "timestamp": timestamp,
             "nonce": nonce, "openid": OPENID, "encrypt_type": "aes",
             "msg_signature": root.findtext("MsgSignature")}
    body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{root.findtext('Encrypt')}]]></Encrypt></xml>")
    response = client.post("/wechat/callback", query_string=query, data=body.encode(),
                           content_type="text/xml")
    if response.status_code != 200:
        return Sent(response, "")
    return Sent(response, open_reply(response.get_data(as_text=True)))


def open_reply(sealed: str) -> str:
    """The text of an encrypted passive reply, after checking its signature."""
    from wechatpy.crypto import WeChatCrypto

    if not sealed or sealed == "success":
        return ""
    root = ET.fromstring(sealed)
    encrypt = root.findtext("Encrypt")
    timestamp, nonce = root.findtext("TimeStamp"), root.findtext("Nonce")
    assert root.findtext("MsgSignature") == signature(TOKEN, timestamp, nonce, encrypt)
    return _reply_text(WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
        sealed, root.findtext("MsgSignature"), timestamp, nonce))


def _reply_text(xml: str) -> str:
    if not xml or xml == "success":
        return ""
    root = ET.fromstring(xml)
    assert root.findtext("MsgType") == "text"
    assert root.findtext("ToUserName") and root.findtext("FromUserName") == ACCOUNT
    return root.findtext("Content") or ""


def jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buf, format="JPEG")
    return buf.getvalue()


@dataclass
class FakeWeChat:
    """WeChat's API on 127.0.0.1: an access token for the right AppID and secret, the
    temporary media it holds, and template / customer-service messages it records.
    ``script`` holds errcodes the next message sends answer with (0: sent)."""

    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    script: list[int] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)
    tokens_issued: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/"

    def of(self, path: str) -> list[dict]:
        return [c for c in self.calls if c["path"] == "/cgi-bin/" + path]

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _call(self, body: bytes | None) -> tuple[str, dict]:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.calls.append({"path": url.path, "query": query,
                                   "json": json.loads(body) if body else None})
                return url.path, query

            def do_GET(self):  # noqa: N802 - the http.server name
                path, query = self._call(None)
                if path == "/cgi-bin/token":
                    if (query.get("appid"), query.get("secret")) != (APP_ID, APP_SECRET):
                        return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
                    fake.tokens_issued += 1
                    return self._json({"access_token": f"TOKEN{fake.tokens_issued}",
                                       "expires_in": 7200})
                if query.get("access_token") != f"TOKEN{fake.tokens_issued}":
                    return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                if path == "/cgi-bin/media/get" and query.get("media_id") in fake.media:
                    content_type, data = fake.media[query["media_id"]]
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return None
                return self._json({"errcode": 40007, "errmsg": "invalid media_id"})

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path, query = self._call(body)
                if query.get("access_token") != f"TOKEN{fake.tokens_issued}":
                    return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                errcode = fake.script.pop(0) if fake.script else 0
                if errcode:
                    return self._json({"errcode": errcode, "errmsg": "fake failure"})
                if path == "/cgi-bin/message/template/send":
                    return self._json({"errcode": 0, "errmsg": "ok",
                                       "msgid": 200000 + len(fake.calls)})
                return self._json({"errcode": 0, "errmsg": "ok"})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def configure(app, fake: FakeWeChat | None, *, encrypted: bool = False,
              templates: dict | None = None) -> None:
    app.config.update(
        WECHAT_TOKEN=TOKEN, WECHAT_APP_ID=APP_ID, WECHAT_APP_SECRET=APP_SECRET,
        WECHAT_ENCODING_AES_KEY=AES_KEY if encrypted else None,
        WECHAT_TEMPLATES=templates if templates is not None else {},
        WECHAT_API_BASE_URL=fake.base if fake else "http://127.0.0.1:9/cgi-bin/")


def unconfigure(app) -> None:
    app.config.update(WECHAT_TOKEN=None, WECHAT_APP_ID=None, WECHAT_APP_SECRET=None,
                      WECHAT_ENCODING_AES_KEY=None, WECHAT_TEMPLATES={})

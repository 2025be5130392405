"""A local stand-in for Tencent Cloud SMS's API (sms.tencentcloudapi.com), for the real
SDK to talk to: it checks each request's TC3-HMAC-SHA256 signature with the secret key
(as Tencent does), records what the SDK sent, and answers SendSms and
PullSmsSendStatusByPhoneNumber from a script."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import itertools
import json
import threading
from datetime import UTC, datetime

SECRET_ID = "AKIDtestsecretid0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdef"
APP_ID = "1400000001"
SIGN = "路长制"
TOKEN = "cb-token-3f9a1c0e77d24b5e"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def tc3_signature(secret_key: str, headers, body: bytes) -> str:
    """The signature Tencent computes for a POST with a JSON body (its TC3 rules)."""
    timestamp = int(headers["X-TC-Timestamp"])
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(("POST", "/", "", f"content-type:{headers['Content-Type']}\n"
                           f"host:{headers['Host']}\n", "content-type;host",
                           hashlib.sha256(body).hexdigest()))
    to_sign = "\n".join(("TC3-HMAC-SHA256", str(timestamp), f"{date}/sms/tc3_request",
                         hashlib.sha256(canonical.encode()).hexdigest()))
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencentSms:
    """``script``: what the next SendSms answers: "Ok", an error code for the whole
    request ("InternalError.Timeout"), "status:<code>" for a refused number, or an HTTP
    status (int). ``reports``: what PullSmsSendStatusByPhoneNumber lists."""

    def __init__(self):
        self.script: list = []
        self.requests: list[dict] = []
        self.reports: list[dict] = []
        self.failing_lookup = False
        self._serials = itertools.count(1)
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                action = self.headers.get("X-TC-Action", "")
                auth = self.headers.get("Authorization", "")
                given = auth.rpartition("Signature=")[2]
                signed = bool(given) and hmac.compare_digest(
                    given, tc3_signature(SECRET_KEY, self.headers, body))
                params = json.loads(body or b"{}")
                fake.requests.append({"action": action, "params": params, "signed": signed,
                                      "authorization": auth,
                                      "version": self.headers.get("X-TC-Version")})
                if not signed:
                    return self._answer(200, fake.error("AuthFailure.SignatureFailure"))
                if action == "SendSms":
                    return fake.send(self, params)
                if action == "PullSmsSendStatusByPhoneNumber":
                    if fake.failing_lookup:
                        return self._answer(200, fake.error("InternalError.Timeout"))
                    found = [r for r in fake.reports
                             if r["PhoneNumber"] == params.get("PhoneNumber")]
                    return self._answer(200, {"Response": {
                        "PullSmsSendStatusSet": found, "RequestId": "req-pull"}})
                return self._answer(200, fake.error("InvalidAction"))

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def error(code: str) -> dict:
        return {"Response": {"Error": {"Code": code, "Message": f"fake {code}"},
                             "RequestId": "req-error"}}

    def send(self, handler, params: dict):
        outcome = self.script.pop(0) if self.script else "Ok"
        if isinstance(outcome, int):
            return handler._answer(outcome, {"message": "unavailable"})
        if outcome != "Ok" and not outcome.startswith("status:"):
            return handler._answer(200, self.error(outcome))
        code = outcome.removeprefix("status:")
        serial = f"2433:{next(self._serials):020d}"
        phone = params["PhoneNumberSet"][0]
        return handler._answer(200, {"Response": {"SendStatusSet": [{
            "SerialNo": serial if code == "Ok" else "", "PhoneNumber": phone, "Fee": 1,
            "SessionContext": params.get("SessionContext", ""), "Code": code,
            "Message": "send success" if code == "Ok" else f"fake {code}",
            "IsoCode": "CN"}], "RequestId": "req-send"}})

    @property
    def sent(self) -> list[dict]:
        return [r["params"] for r in self.requests if r["action"] == "SendSms"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def reply_payload(text: str, mobile: str = "13900001111", time: int = 1765100000,
                  sign: str = SIGN) -> dict:
    """A resident's reply as Tencent's 回复回调 posts it."""
    return {"extend": "", "mobile": mobile, "nationcode": "86", "sign": sign, "text": text,
            "time": time}


def status_payload(sid: str, mobile: str = "13900001111", ok: bool = True) -> list[dict]:
    """A delivery report as Tencent's 状态回调 posts it."""
    return [{"user_receive_time": "2026-12-07 10:00:05", "nationcode": "86", "mobile": mobile,
             "report_status": "SUCCESS" if ok else "FAIL",
             "errmsg": "DELIVRD" if ok else "MK:0001",
             "description": "用户短信送达成功" if ok else "用户短信接收失败", "sid": sid}]

"""Tencent Cloud SMS (腾讯云短信) as an SMS gateway, through its official SDK.

Sending: ``SendSms`` (API 2021-01-11) with the approved template of the message's kind
and its parameters (``sms_templates``), the city's approved signature and its SmsSdkAppId.
The row's id goes along as ``SessionContext``, so that a message whose sending was cut off
can be found again: ``PullSmsSendStatusByPhoneNumber`` lists what Tencent sent to that
number, each with its SerialNo and SessionContext. That list holds only messages with a
status report, and the report of a switched-off phone can come hours later: a message
absent there may still have been taken. So absence is not an answer: the row keeps waiting
(each sweep asks again) until ``SMS_INTERRUPTED_GIVE_UP_SECONDS`` have passed since its
claim, and only then is it sent again (or, after its last attempt, left to a person) —
a duplicate is possible only for a report later than that.

Callbacks (状态回调 and 回复回调): Tencent posts JSON to the URLs set in its console and
documents no signature on them. They are authenticated by a secret token in the URL
(``TENCENT_SMS_CALLBACK_TOKEN``, compared in constant time; masked in the app's and nginx's
logs) and optionally by the source network (``TENCENT_SMS_CALLBACK_NETWORKS``); nothing else.
The content checks are sanity checks, not authentication: a status report counts only for a
message we sent (its SerialNo) to that very number, and a reply must name our signature,
which is the public 签名 text every resident sees."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from app.models import OutboxMessage
from app.services import clock, sms_templates
from app.services.gateway import PermanentError, ProviderMessage, TransientError

log = logging.getLogger(__name__)

#: Error codes worth another try later: Tencent's own trouble, rate limits, the network,
#: a message package that ran out (topped up, it sends). Anything else is for good.
TRANSIENT = ("InternalError", "RequestLimitExceeded", "ClientNetworkError",
             "ServerNetworkError", "LimitExceeded.DeliveryFrequencyLimit",
             "FailedOperation.InsufficientBalanceInSmsPackage")
#: What a status report says, as the outbox's delivery statuses.
REPORT_STATUS = {"SUCCESS": "delivered", "FAIL": "undelivered"}
LOOKUP_LIMIT = 100


def is_transient(code: str) -> bool:
    return any(code == t or code.startswith(t + ".") for t in TRANSIENT)


def session_context(message: OutboxMessage) -> str:
    return f"roadchief:{message.id}"


class TencentSender:
    """One outbox row → one ``SendSms`` request for its template."""

    def __init__(self, secret_id: str, secret_key: str, app_id: str, sign: str,
                 region: str = "ap-guangzhou", endpoint: str = "sms.tencentcloudapi.com",
                 timeout: int = 15):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        scheme, _, host = endpoint.rpartition("://")
        http = HttpProfile(protocol=scheme or "https", endpoint=host, reqTimeout=timeout)
        self.client = sms_client.SmsClient(credential.Credential(secret_id, secret_key),
                                           region, ClientProfile(httpProfile=http))
        self.app_id, self.sign = app_id, sign

    def send_message(self, message: OutboxMessage) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        try:
            template_id, values = sms_templates.render(
                message.kind or "text",
                message.params if message.kind else {"text": message.body})
        except LookupError as exc:  # no template: retrying cannot help
            raise PermanentError(str(exc)) from exc
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [message.to_phone]
        request.SmsSdkAppId = self.app_id
        request.SignName = self.sign
        request.TemplateId = template_id
        request.TemplateParamSet = values
        request.SessionContext = session_context(message)
        try:
            answer = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise _error(exc.get_code() or "", exc.get_message()) from exc
        except OSError as exc:  # anything the SDK did not wrap: the network
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        status = (answer.SendStatusSet or [None])[0]
        if status is None:
            raise TransientError("Tencent answered without a send status")
        if (status.Code or "").lower() != "ok":
            raise _error(status.Code or "", status.Message or "")
        return status.SerialNo

    def lookup(self, message: OutboxMessage) -> ProviderMessage | None:
        """What Tencent reported for a message whose sending was cut off: the entry with
        its SerialNo (when the row has one) or its SessionContext, among the reports for
        that number since the row was claimed. Raises when Tencent cannot be asked, and
        when it has no report yet and ``SMS_INTERRUPTED_GIVE_UP_SECONDS`` have not passed
        since the claim (a late report may still come); None after that."""
        from tencentcloud.sms.v20210111 import models

        since = (message.claimed_at or message.created_at) - timedelta(minutes=5)
        request = models.PullSmsSendStatusByPhoneNumberRequest()
        request.BeginTime = int(since.timestamp())
        request.EndTime = int(clock.now().timestamp())
        request.Offset = 0
        request.Limit = LOOKUP_LIMIT
        request.PhoneNumber = message.to_phone
        request.SmsSdkAppId = self.app_id
        answer = self.client.PullSmsSendStatusByPhoneNumber(request)
        context = session_context(message)
        for found in answer.PullSmsSendStatusSet or []:
            if (message.provider_id and found.SerialNo == message.provider_id) \
                    or found.SessionContext == context:
                status = REPORT_STATUS.get((found.ReportStatus or "").upper(), "sent")
                return ProviderMessage(found.SerialNo, status,
                                       None if status == "delivered" else found.Description)
        give_up = current_app.config.get("SMS_INTERRUPTED_GIVE_UP_SECONDS", 86400)
        claimed = message.claimed_at or message.created_at
        if claimed is not None and claimed.tzinfo is None:
            claimed = claimed.replace(tzinfo=clock.now().tzinfo)
        if claimed is not None and clock.now() - claimed < timedelta(seconds=give_up):
            raise NotReported(f"Tencent has no report of message {message.id} yet")
        return None


class NotReported(TransientError):
    """Tencent lists no report for a message yet: whether it took it is not known."""


def _error(code: str, message: str) -> Exception:
    text = f"Tencent {code}: {message}"[:1000]
    return TransientError(text) if is_transient(code) else PermanentError(text)


def sender() -> TencentSender:
    cfg = current_app.config
    return TencentSender(cfg["TENCENT_SECRET_ID"], cfg["TENCENT_SECRET_KEY"],
                         cfg["TENCENT_SMS_APP_ID"], cfg["TENCENT_SMS_SIGN"],
                         cfg.get("TENCENT_SMS_REGION") or "ap-guangzhou",
                         cfg.get("TENCENT_SMS_ENDPOINT") or "sms.tencentcloudapi.com",
                         cfg.get("TENCENT_SMS_TIMEOUT_SECONDS", 15))


REQUIRED = ("TENCENT_SECRET_ID", "TENCENT_SECRET_KEY", "TENCENT_SMS_APP_ID",
            "TENCENT_SMS_SIGN", "TENCENT_SMS_CALLBACK_TOKEN")


def missing_settings(config) -> list[str]:
    """Settings absent or unusable (said at the app's start)."""
    found = [f"{name} is not set" for name in REQUIRED if not config.get(name)]
    try:
        callback_networks(config)
    except ValueError as exc:
        found.append(f"TENCENT_SMS_CALLBACK_NETWORKS: {exc}")
    return found


def callback_networks(config) -> list:
    return [ipaddress.ip_network(n.strip(), strict=False)
            for n in (config.get("TENCENT_SMS_CALLBACK_NETWORKS") or "").split(",")
            if n.strip()]


# -- callbacks --------------------------------------------------------------------------------


def authentic(token: str, remote_addr: str | None) -> bool:
    """The callback URL's secret token, and (when configured) its source network."""
    cfg = current_app.config
    expected = cfg.get("TENCENT_SMS_CALLBACK_TOKEN") or ""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return False
    networks = callback_networks(cfg)  # checked at the app's start
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


@dataclass(frozen=True)
class Report:
    sid: str
    phone: str
    status: str  # delivered / undelivered
    error: str | None


def reports(payload) -> list[Report]:
    """The status reports of one 状态回调 (a JSON array); malformed entries are left out."""
    found = []
    for item in payload if isinstance(payload, list) else []:
        if not isinstance(item, dict):
            continue
        sid, status = str(item.get("sid") or "")[:64], REPORT_STATUS.get(
            str(item.get("report_status") or "").upper())
        phone = phone_of(item)
        if sid and status and phone:
            found.append(Report(sid, phone, status,
                                None if status == "delivered"
                                else str(item.get("errmsg") or "")[:16] or None))
    return found


def phone_of(item: dict) -> str | None:
    """The E.164 number of a callback's ``nationcode`` and ``mobile``; None if unusable."""
    from app.services.contacts import normalize_phone
    from app.services.errors import InvalidInput

    nation = "".join(ch for ch in str(item.get("nationcode") or "86") if ch.isdigit())[:4]
    mobile = "".join(ch for ch in str(item.get("mobile") or "") if ch.isdigit())[:15]
    if not mobile:
        return None
    try:
        return normalize_phone(f"+{nation}{mobile}")
    except InvalidInput:
        return None


def inbound_sid(item: dict) -> str:
    """A reply carries no message id: one is made from what it says, so that the same
    callback posted again is recognised (and answered once)."""
    key = "|".join(str(item.get(k) or "") for k in ("nationcode", "mobile", "time", "extend",
                                                     "sign", "text"))
    return "TC" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]

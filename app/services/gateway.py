"""What a message gateway is, for the outbox (services/delivery): Twilio, Tencent Cloud
SMS and the console are gateways of the "sms" channel; another channel (WeChat ...)
brings its own and registers it with ``delivery.register_channel``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from app.models import OutboxMessage


@dataclass(frozen=True)
class ProviderMessage:
    """What the provider knows of one message: its id there, its status, an error."""

    sid: str
    status: str
    error_code: str | int | None = None


class TransientError(Exception):
    """The provider may take the message later: retry."""


class PermanentError(Exception):
    """Retrying will not help (a bad number, a refused message)."""


class Gateway(Protocol):
    def send_message(self, message: OutboxMessage) -> str:
        """Send one outbox row; the provider's id for it. Raises TransientError (tried
        again with backoff) or PermanentError (failed, with the reason shown to staff)."""

    def lookup(self, message: OutboxMessage) -> ProviderMessage | None:
        """What the provider knows of a row whose sending was cut off: None when it never
        took it; raises when it cannot be asked now."""

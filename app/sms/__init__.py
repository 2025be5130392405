"""The SMS channel: Twilio's inbound webhook (replies in TwiML), its delivery reports,
Tencent Cloud SMS's callbacks (replies and status reports), and the staff page that shows
the outbox."""

from flask import Blueprint

bp = Blueprint("sms", __name__, url_prefix="/sms", cli_group="sms")

from app.sms import routes, tencent  # noqa: E402,F401

"""The SMS channel: Twilio's inbound webhook, replies in TwiML."""

from flask import Blueprint

bp = Blueprint("sms", __name__, url_prefix="/sms")

from app.sms import routes  # noqa: E402,F401

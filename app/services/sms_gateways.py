"""Which SMS gateway the city runs, and whether it is ready to run: checked when the
gateway is configured (the server's start, ``flask sms check-templates``, the admin page),
so that nothing is found missing when a message is already being sent."""

from __future__ import annotations

import logging

from flask import Flask, current_app

from app.services import sms_templates, tencent_sms
from app.services.delivery import GATEWAYS, TWILIO_SETTINGS, gateway_name

log = logging.getLogger(__name__)


def name(app: Flask | None = None) -> str:
    return gateway_name((app or current_app).config)


def settings_problems(app: Flask) -> list[str]:
    """What the configuration alone lacks (no database needed)."""
    chosen = app.config.get("SMS_GATEWAY") or ""
    if chosen and chosen not in GATEWAYS:
        return [f"SMS_GATEWAY={chosen!r} is none of {', '.join(GATEWAYS)}"]
    if chosen == "tencent":
        return tencent_sms.missing_settings(app.config)
    if chosen == "twilio":  # named, so meant: never the console instead
        return [f"SMS_GATEWAY=twilio needs {key}" for key in TWILIO_SETTINGS
                if not app.config.get(key)]
    return []


def problems() -> list[str]:
    """Everything that keeps the configured gateway from sending (in an app context)."""
    return settings_problems(current_app) + sms_templates.problems()


def init_app(app: Flask) -> None:
    """At the app's start: an SMS_GATEWAY that names no gateway, or Tencent or Twilio
    without its settings, stops the app here; kinds without a template are logged as errors (the app
    still starts, for an administrator to fill them in; gunicorn does not serve)."""
    found = settings_problems(app)
    if found:
        raise RuntimeError("SMS gateway: " + "; ".join(found))
    if sms_templates.gateway_needs_templates(app):
        # Said at every start (and every flask command); gunicorn refuses to serve.
        try:
            with app.app_context():
                found = sms_templates.problems()
        except Exception:  # no database yet: gunicorn's check and check-templates tell
            log.warning("SMS gateway %s: the template mapping could not be read", name(app),
                        exc_info=True)
            return
        for problem in found:
            log.error("SMS gateway %s: %s", name(app), problem)


def check_on_start(app: Flask) -> None:
    """The server's start (gunicorn): a template gateway lacking a template for some kind
    of message refuses to serve, naming them. Fill the mapping first (admin → SMS
    templates, with the gateway still Twilio or the console), then switch."""
    with app.app_context():
        found = problems()
    if found:
        for problem in found:
            log.error("SMS gateway %s: %s", name(app), problem)
        raise SystemExit("SMS gateway not ready: " + "; ".join(found))

"""The report limits: per client address and per phone number (Flask-Limiter, its storage:
Redis in production). Only a stored report counts (``deduct_when``: the view answered
with a redirect), so a form sent back for corrections costs the resident nothing. A
storage that fails never stops a report (``RATELIMIT_SWALLOW_ERRORS``).

Flask-Limiter tests the windows before the view and counts the report after it, so two
reports sent at the same instant may both take a window's last place: one report over the
limit, at worst, for a limit that is there to stop floods."""

from __future__ import annotations

from flask import current_app, request

from app.extensions import limiter
from app.services.contacts import normalize_phone
from app.services.errors import InvalidInput


def _limits_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def _stored(response) -> bool:
    return response.status_code in (302, 303)


def _given_phone() -> str:
    return (request.form.get("phone") or "").strip()


def _phone_key() -> str:
    try:
        return normalize_phone(_given_phone()) or ""
    except InvalidInput:
        return "invalid"


def limited(view):
    """Apply the report limits to a view's POST (shared by every view that stores a
    report or sends a text for one)."""
    view = limiter.shared_limit(
        lambda: current_app.config["REPORT_LIMIT_PER_PHONE"], scope="report-phone",
        key_func=_phone_key, methods=["POST"], deduct_when=_stored,
        exempt_when=lambda: _limits_off() or not _given_phone())(view)
    return limiter.shared_limit(
        lambda: current_app.config["REPORT_LIMIT_PER_ADDRESS"], scope="report-address",
        methods=["POST"], deduct_when=_stored, exempt_when=_limits_off)(view)

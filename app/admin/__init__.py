"""Administration: places, people, catalogue and limits, calendar, bulk import and export,
API keys and the audit log. Administrators only."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The blueprint's hooks and front page, then one module per section.
from app.admin import (  # noqa: E402,F401
    api_keys,
    assessment,
    audit,
    calendar,
    catalogue,
    exchange,
    intake_rules,
    landmarks,
    people,
    places,
    privacy,
    routes,
    sms_templates,
    transfer,
)

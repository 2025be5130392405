"""Administration: places, people, catalogue and limits, calendar, bulk import and export,
API keys and the audit log. Administrators only."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import landmarks, routes  # noqa: E402,F401

"""/hotline: the hotline operator's console (12345 坐席) and follow-up calls (回访)."""

from flask import Blueprint

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

from app.hotline import routes  # noqa: E402,F401

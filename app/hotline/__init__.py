"""/hotline: the hotline operator's console (12345 坐席) and follow-up calls (回访)."""

from flask import Blueprint

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

from app.auth.access import refuse_control_characters  # noqa: E402

bp.before_request(refuse_control_characters)


from app.hotline import routes  # noqa: E402,F401

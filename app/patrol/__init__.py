"""/patrol: a patrolling inspector reports what they find, on a phone."""

from flask import Blueprint

bp = Blueprint("patrol", __name__, url_prefix="/patrol")

from app.auth.access import refuse_control_characters  # noqa: E402

bp.before_request(refuse_control_characters)


from app.patrol import routes  # noqa: E402,F401

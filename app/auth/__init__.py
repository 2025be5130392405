"""Staff sign-in, sign-out and password change (Flask-Login, argon2)."""

from datetime import timedelta

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.extensions import login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


@bp.record_once
def _remember_cookie(state) -> None:
    # "Remember me" keeps a phone signed in for a fortnight, not Flask-Login's year; the
    # cookie is never readable by scripts and stays on this site.
    config = state.app.config
    config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=14))
    config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")


from app.auth import routes  # noqa: E402,F401
from app.auth.access import require_roles  # noqa: E402,F401

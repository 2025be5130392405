"""Staff sign-in, sign-out and password change (Flask-Login, argon2)."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from app.auth import routes  # noqa: E402,F401

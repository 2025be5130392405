"""Staff work queues: dispatcher triage, road chief and agency queues, inspection,
supervision. Phone-first; every page scoped by role and place."""

from flask import Blueprint

bp = Blueprint("work", __name__, url_prefix="/work")

from app.work import navigation, phone, photos, routes, tasks  # noqa: E402,F401

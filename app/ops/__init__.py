"""Operations: the state of the queue, the sweep and the outbox, for staff; /healthz for a
load balancer."""

from flask import Blueprint

bp = Blueprint("ops", __name__)

from app.ops import routes  # noqa: E402,F401

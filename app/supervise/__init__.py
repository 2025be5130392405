"""Supervision: the SLA figures for supervisors (street, district, city), their drill-down,
rankings, open overdue cases, hotspots, exports and the printable monthly bulletin.
Also the ``flask metrics`` commands that rebuild and check the daily figures."""

from flask import Blueprint

bp = Blueprint("supervise", __name__, url_prefix="/supervise", cli_group="metrics")

from app.supervise import campaigns_routes, cli, origins, routes, tasks_routes  # noqa: E402,F401,I001
from app.supervise import assessment_cli, assessment_routes, points_routes  # noqa: E402,F401

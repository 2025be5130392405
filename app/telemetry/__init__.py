"""What an operator reads: structured JSON logs with a request id on every line
(``logs``) and Prometheus metrics at ``/metrics`` (``metrics``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.telemetry import logs, metrics

    logs.init_app(app)
    metrics.init_app(app)

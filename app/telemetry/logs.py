"""Structured logs (structlog): one JSON object per line on stderr, each with the request
id of the request it belongs to, so a supervisor's complaint about one case can be followed
across hosts. The id comes from nginx (``X-Request-ID``, its ``$request_id``) or is made
here, and is sent back in the response.

Every line of the standard library's loggers (Flask, SQLAlchemy, RQ, ours) goes through the
same processors. ``LOG_FORMAT=console`` prints readable lines for a developer instead."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

import structlog
from flask import Flask, current_app, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_configured = False
_formatter: logging.Formatter | None = None
log = structlog.get_logger("roadchief")


def configure(fmt: str = "json", level: str = "INFO") -> None:
    """Once per process: structlog and the standard library share the processors."""
    global _configured
    if _configured:
        return
    _configured = True
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer = (structlog.dev.ConsoleRenderer() if fmt == "console"
                else structlog.processors.JSONRenderer(ensure_ascii=False))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    global _formatter
    _formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer])
    root = logging.getLogger()
    root.addHandler(handler(sys.stderr))
    root.setLevel(level.upper())


def handler(stream) -> logging.Handler:
    """A handler that writes this process's log lines (as configured) to a stream."""
    out = logging.StreamHandler(stream)
    out.setFormatter(_formatter)
    return out


#: A URL variable whose name contains this is a secret (the Tencent callback token, a rating
#: link's token): it never reaches a log line.
SECRET_VARIABLE = "token"
MASK = "[masked]"


def logged_path() -> str:
    """The request's path as logged: the values of secret URL variables masked."""
    path, args = request.path, request.view_args
    methods = getattr(request.routing_exception, "valid_methods", None)
    if args is None and methods:  # the route exists, not for this method (405)
        try:
            args = current_app.create_url_adapter(request).match(method=methods[0])[1]
        except Exception:  # no route after all: nothing to mask
            args = None
    for name, value in (args or {}).items():
        if SECRET_VARIABLE in name.lower() and value:
            path = path.replace(str(value), MASK)
    return path


def init_app(app: Flask) -> None:
    configure(app.config.get("LOG_FORMAT", "json"), app.config.get("LOG_LEVEL", "INFO"))

    @app.before_request
    def _bind_request() -> None:
        given = request.headers.get("X-Request-ID", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_id, g.request_started = rid, time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)

    @app.after_request
    def _log_request(response):
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
            log.info("request", method=request.method, path=logged_path(),
                     route=request.url_rule.rule if request.url_rule else None,
                     status=response.status_code,
                     ms=round((time.perf_counter() - g.request_started) * 1000, 1))
        return response

    @app.teardown_request
    def _unbind(exc) -> None:
        structlog.contextvars.clear_contextvars()


def action_line(case, event, actor, started: float) -> dict:
    """The fields of an action's log line, read before the commit expires them."""
    return {"case": case.code, "case_id": case.id, "action": event.action,
            "from_state": event.from_state, "to_state": event.to_state,
            "actor_role": actor.role.value, "actor_user_id": actor.user_id,
            "actor_contact_id": event.actor_contact_id, "version": event.version,
            "started": started}


def case_action(line: dict) -> None:
    """One line per action taken through the door: who, what, which case, from → to, and
    how long the door took (from its checks to the commit)."""
    started = line.pop("started")
    log.info("case_action", **line, ms=round((time.perf_counter() - started) * 1000, 1))

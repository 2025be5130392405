"""Web glue shared by every blueprint: template helpers, error pages, the login loader."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import get_locale, refresh
from flask_login import current_user

from app import base_map, labels
from app.extensions import login_manager
from app.services.errors import ServiceError
from app.services.i18n import datetime_in
from app.services.notifications import display_code


def register(app: Flask) -> None:
    @login_manager.user_loader
    def load_user(session_id: str):
        """The user a session names, if that session was not signed out and its password
        is still the one signed in with."""
        from app.services import staff_sessions

        return staff_sessions.load(session_id)

    @app.before_request
    def fresh_request_state():
        # Babel and Flask-Login cache the locale and the user on the app context, which a
        # request may share (CLI, tests); each request decides its own.
        refresh()
        g.pop("_login_user", None)

    @app.context_processor
    def helpers():
        locale = str(get_locale())
        return {
            "current_user": current_user,  # resolved only where a template uses it
            "labels": labels,
            "locale": locale,
            "is_zh": locale.startswith("zh"),
            "display_code": display_code,
            "when": lambda d: datetime_in(locale, d),
            # the base map for a map's data-basemap attribute, and "open in a map" links
            "base_map": lambda: base_map.base_map(current_app.config).for_browser(),
            "open_in_map": lambda lat, lng: base_map.base_map(current_app.config)
            .open_link(lat, lng),
        }

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=str(exc.message), field=exc.field), exc.status
        return render_template("error.html", message=exc.message), exc.status

    @app.errorhandler(404)
    def not_found(exc):
        return render_template("error.html", message=None, status=404), 404

"""Web glue shared by every blueprint: template helpers, error pages, the login loader."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, get_translations, refresh
from flask_login import current_user
from jinja2 import pass_context

from app import labels
from app.extensions import login_manager
from app.services.errors import ServiceError
from app.services.i18n import datetime_in
from app.services.notifications import display_code


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer made once per set of
    keys instead of twice a request (opening and saving)."""

    _kept: tuple | None = None  # (keys, serializer)

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]


def signed_in() -> bool:
    """Whether a staff member is signed in. A visitor with neither a signed-in session nor
    a remember-me cookie (nearly every resident) is not: Flask-Login is not asked, which
    would first hash their address and browser for its session protection."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if "_user_id" not in session and cookie not in request.cookies:
        return False
    return current_user.is_authenticated


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

    # Jinja's _() asks Flask-Babel for the catalogue on every string, three look-ups of
    # its request context each; here the locale is asked once per string and each
    # locale's catalogue is kept (the same object Flask-Babel keeps; force_locale holds).
    catalogues: dict = {}

    def catalogue():
        locale = get_locale()
        found = catalogues.get(locale)
        if found is None:
            found = get_translations()
            if locale is not None:
                catalogues[locale] = found
        return found

    # Within a page the catalogue is looked up once (helpers() below puts it in the
    # page's context); a macro imported without context looks it up per string.
    @pass_context
    def gettext(context, s):
        return (context.get("_catalogue") or catalogue()).ugettext(s)

    app.jinja_env.install_gettext_callables(
        gettext=gettext,
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )

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
            "_catalogue": catalogue(),
        }

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=str(exc.message), field=exc.field), exc.status
        return render_template("error.html", message=exc.message), exc.status

    @app.errorhandler(404)
    def not_found(exc):
        return render_template("error.html", message=None, status=404), 404

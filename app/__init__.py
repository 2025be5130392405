"""roadchief: case management for city street governance."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session

from app.config import INSTANCE, Config


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE), static_folder="../static")
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    INSTANCE.mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        # Address and scheme only: the host comes from PUBLIC_BASE_URL where it matters.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from app import input_guard, models  # noqa: F401 - models: register them with the metadata

    input_guard.register(app)  # first: no extension's before_request sees a NUL byte
    from app import static_version

    static_version.register(app)
    from app.database import custom_plans, ping_after_idle
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            custom_plans(engine)
    if not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        with app.app_context():
            for engine in db.engines.values():
                ping_after_idle(engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])
    from app.services import replica, storage

    storage.init_app(app)  # a photo store that cannot work stops the app here
    from app.services import sms_gateways

    sms_gateways.init_app(app)  # and so does an SMS gateway named but not configured
    replica.init_app(app)  # and so does a replica URL that cannot name a replica
    migrate.init_app(app, db, directory=str(Config.MIGRATIONS))
    babel.init_app(
        app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"]
    )
    csrf.init_app(app)
    # Templates get current_user as Flask-Login's lazy proxy (its own context processor
    # would load the user for every page, hashing a resident's address and browser first).
    login_manager.init_app(app, add_context_processor=False)
    app.config["RATELIMIT_STORAGE_URI"] = (app.config.get("RATELIMIT_STORAGE_URI")
                                           or app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    from app import telemetry

    telemetry.init_app(app)  # first: every later hook's log lines carry the request id

    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.hotline import bp as hotline_bp
    from app.open311 import bp as open311_bp
    from app.ops import bp as ops_bp
    from app.patrol import bp as patrol_bp
    from app.public import bp as public_bp
    from app.sms import bp as sms_bp
    from app.supervise import bp as supervise_bp
    from app.wechat import bp as wechat_bp
    from app.work import bp as work_bp

    for blueprint in (public_bp, auth_bp, work_bp, sms_bp, admin_bp, supervise_bp, ops_bp,
                      open311_bp, patrol_bp, hotline_bp, wechat_bp):
        app.register_blueprint(blueprint)

    from app import cli, cli_operations, guards, scheduler, web
    from app.services import reference_data

    cli.register(app)
    cli_operations.register(app)
    web.register(app)
    guards.register(app)
    scheduler.register(app)
    reference_data.register(app)
    return app


def select_locale() -> str:
    """?lang= (remembered in the session), then the browser's Accept-Language, where any
    zh variant means Simplified Chinese; Chinese is the default."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    for lang, _quality in request.accept_languages:
        tag = lang.lower()
        if tag.startswith("zh"):
            return "zh_Hans_CN"
        if tag.startswith("en"):
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]

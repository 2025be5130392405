"""The WeChat official account's callback: the server check (GET) and residents' messages
(POST), answered with passive replies. Off (404) until WECHAT_TOKEN is set."""

from flask import Blueprint

bp = Blueprint("wechat", __name__, url_prefix="/wechat")


@bp.record_once
def _check_config(state) -> None:
    from app.services.wechat_api import check_templates

    check_templates(state.app.config.get("WECHAT_TEMPLATES") or {})


from app.wechat import routes  # noqa: E402,F401

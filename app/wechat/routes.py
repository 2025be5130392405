"""WeChat routes: thin. WeChat signs every callback (so CSRF does not apply: there is no
browser session); a request that is not WeChat's is refused before anything is stored."""

from __future__ import annotations

import logging

from flask import Response, abort, request

from app.extensions import csrf
from app.services import wechat
from app.wechat import bp

log = logging.getLogger(__name__)


def _available() -> None:
    if not wechat.enabled():
        abort(404)


@bp.get("/callback")
def verify():
    _available()
    try:
        echo = wechat.verify(request.args)
    except wechat.Refused as exc:
        log.warning("WeChat server check refused: %s", exc)
        abort(403)
    return Response(echo, mimetype="text/plain")


@bp.post("/callback")
@csrf.exempt
def callback():
    _available()
    if (request.content_length or 0) > wechat.BODY_LIMIT:
        abort(413)
    body = request.get_data(cache=False)[:wechat.BODY_LIMIT + 1]
    if len(body) > wechat.BODY_LIMIT:
        abort(413)
    try:
        answer = wechat.handle(wechat.open_message(request.args, body))
    except wechat.Refused as exc:
        log.warning("WeChat callback refused: %s", exc)
        abort(403)
    except UnicodeDecodeError:
        abort(400)
    return Response(wechat.seal(answer.xml, request.args) or "success",
                    mimetype="application/xml")

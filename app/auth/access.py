"""Who may open a page: ``@require_roles(Role.DISPATCHER, ...)`` on a view signs the
visitor in first, then refuses other roles with a clear 403 page. Place scoping (which
cases) is not decided here but in the queries and ``actors.can_see``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from workflows.lifecycle import Role


def require_roles(*roles: Role | str) -> Callable:
    allowed = frozenset(Role(r).value for r in roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                message = _l("Your role cannot open this page.")
                return render_template("error.html", message=message), 403
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapped

    return decorator


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never send someone on to another host after a form."""
    if not target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None  # a line break would split the Location header
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}


def has_control_characters(values) -> bool:
    """Whether any text holds a NUL or another control character (PostgreSQL cannot keep a
    NUL; the others are never typed)."""
    return any(not _CONTROL.isdisjoint(v) for v in values if isinstance(v, str))


def refuse_control_characters():
    """A blueprint's ``before_request``: a NUL or control character in any field or query
    value is refused with a clear message (400) before a view reads it."""
    if not has_control_characters([*request.args.values(), *request.form.values()]):
        return None
    message = _("The form holds characters that cannot be kept (control characters). "
                "Please type it again.")
    if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=message), 400
    return render_template("error.html", message=message), 400

"""Errors the services raise, each with a message in the user's language and an HTTP
status for the web layers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class ServiceError(Exception):
    status = 400

    def __init__(self, message, field: str | None = None):
        self.message = message  # a lazy string: rendered in the request's language
        self.field = field
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(ServiceError):
    status = 422


class NotFound(ServiceError):
    status = 404

    def __init__(self, message=None, field: str | None = None):
        super().__init__(message or _l("No such case."), field)


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    """Someone else changed the case first, or the same thing was already done."""

    status = 409


class NotAllowed(ServiceError):
    """The state machine refuses the action in the case's current state."""

    status = 409

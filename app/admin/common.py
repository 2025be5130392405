"""What the administration's sections share: the row a URL names, a form page with its
status, and the one way a change is committed and reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, render_template

from app.extensions import db
from app.services.admin import Invalid, commit

T = TypeVar("T")


def get_or_404(model, ident):
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def form_page(template: str, status: int = 200, **context):
    return render_template(template, **context), status


def save(change: Callable[[], T], done: str | Callable[[T], str] | None = None
         ) -> tuple[T | None, Invalid | None]:
    """Run ``change`` (which stages rows and audit entries), commit, and flash ``done``
    (a text, or one made from the change's result). A change refused as Invalid is rolled
    back and returned, for the page to show its problems."""
    try:
        result = change()
        commit()
    except Invalid as exc:
        db.session.rollback()
        return None, exc
    if done is not None:
        flash(done(result) if callable(done) else done)
    return result, None


def act(change: Callable[[], T], done: str | Callable[[T], str] | None = None) -> T | None:
    """``save`` for a button that goes back to a page: every problem is flashed."""
    result, problem = save(change, done)
    if problem is not None:
        for message in (problem.problems.values() if problem.problems else [problem.message]):
            flash(str(message), "error")
    return result

"""Public pages. Nothing here shows personal data of residents or staff."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, Category
from app.public import bp
from workflows.lifecycle import State


@bp.get("/")
def index():
    counts = dict(db.session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
    recent = db.session.scalars(
        select(Case).where(Case.state.not_in([State.REJECTED.value, State.MERGED.value]))
        .order_by(Case.created_at.desc()).limit(12)
    ).all()
    categories = db.session.scalars(select(Category).order_by(Category.sort)).all()
    return render_template("public/index.html", counts=counts, states=list(State),
                           recent=recent, categories=categories)

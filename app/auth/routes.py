"""Staff sign-in routes: read the form, ask ``services.accounts``, render."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from app.auth import bp
from app.auth.access import safe_next
from app.auth.forms import LoginForm, PasswordForm
from app.extensions import limiter
from app.services import accounts, origins, staff_sessions
from app.services.errors import InvalidInput


def _limits_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


@bp.route("/login", methods=["GET", "POST"])
# Besides each account's lockout: one address may not try many accounts (or lock them all).
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               exempt_when=_limits_off, scope="login")
def login():
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("work.home"))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data,
                                         origins.client_address())
        except accounts.SignInRefused as exc:
            error, status = exc.message, exc.status
        else:
            staff_sessions.start(user)
            login_user(user, remember=form.remember.data)
            return redirect(next_url or url_for("work.home"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form, error=error, next_url=next_url), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        staff_sessions.end(current_user._get_current_object())
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data,
                                     form.repeat.data)
        except InvalidInput as exc:
            error, status = exc.message, exc.status
        else:
            # The new password ends every other session; this one signs in again.
            login_user(current_user._get_current_object(), remember=False)
            flash(_("Your password is changed."), "success")
            return redirect(url_for("work.home"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/password.html", form=form, error=error,
                           min_length=accounts.MIN_PASSWORD_LENGTH), status


@bp.errorhandler(RateLimitExceeded)
def too_many_sign_ins(exc: RateLimitExceeded):
    error = _("Too many sign-in attempts from this network. Please wait a few minutes and "
              "try again.")
    return render_template("auth/login.html", form=LoginForm(), error=error,
                           next_url=safe_next(request.values.get("next"))), 429


@bp.errorhandler(CSRFError)
def form_expired(exc):
    flash(_("The form had expired. Please try again."), "error")
    if request.path == url_for("auth.logout"):
        return redirect(url_for("work.home"))
    return redirect(request.url)

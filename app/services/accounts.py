"""Staff accounts: checking a password (argon2, rehashed when the parameters change),
locking an account after repeated failures, and changing a password.

A lock is a wall-clock window (``User.locked_until``): while it lasts, not even the right
password opens the account, so guessing gains nothing; it ends by itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.services import clock
from app.services.errors import Forbidden, InvalidInput
from app.services.i18n import local_time

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10

# OWASP's argon2id setting (19 MiB, 2 passes, 1 lane): about 40 ms a sign-in on one core
# of a small 2-core server, so sign-ins under load stay well under a second, where the
# library's default (64 MiB, 3 passes, 4 lanes) took over a second each on such a
# machine. A stored hash with other parameters still verifies and is rehashed to these.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Checked when the username is unknown, so that a wrong name costs as long as a wrong
# password and the answer time does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class SignInRefused(Forbidden):
    """Wrong name or password, a disabled account, or a locked one."""

    status = 401


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _locked_message(until: datetime):
    return _l("Too many failed sign-ins: this account is locked until %(time)s. "
              "Try again then, or ask an administrator.",
              time=local_time(until))


def authenticate(username: str, password: str) -> User:
    """The user whose name and password these are, or :class:`SignInRefused` with a
    message for the person at the keyboard. Counts failures and locks the account after
    MAX_FAILURES in a row; a success clears the count. Commits."""
    username = (username or "").strip()
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        _matches(_DUMMY_HASH, password or "")
        raise SignInRefused(_l("Wrong username or password."))
    now = clock.now()
    if user.locked_until is not None:
        if user.locked_until > now:
            raise SignInRefused(_locked_message(user.locked_until))
        user.failed_logins, user.locked_until = 0, None  # the lock has run out
    if not _matches(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            db.session.commit()
            raise SignInRefused(_locked_message(user.locked_until))
        db.session.commit()
        raise SignInRefused(_l("Wrong username or password."))
    if not user.active:
        db.session.commit()
        raise SignInRefused(_l("This account is disabled. Ask an administrator."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str, repeat: str) -> None:
    """Replace the user's password after checking the current one. Commits."""
    if not _matches(user.password_hash, current or ""):
        raise InvalidInput(_l("Your current password is not right."), field="current")
    new = new or ""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_l("A password needs at least %(n)s characters.",
                              n=MIN_PASSWORD_LENGTH), field="new")
    if new != (repeat or ""):
        raise InvalidInput(_l("The two new passwords are not the same."), field="repeat")
    if new == current:
        raise InvalidInput(_l("Choose a password different from the current one."),
                           field="new")
    if new.strip().lower() == user.username.lower():
        raise InvalidInput(_l("Your password may not be your username."), field="new")
    user.password_hash = hash_password(new)
    db.session.commit()

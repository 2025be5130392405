"""Staff accounts: checking a password (argon2, rehashed when the parameters change),
locking an account name from one address after repeated failures, and changing a
password.

A lock is a wall-clock window: while it lasts, not even the right password opens the
account from that address, so guessing gains nothing; it ends by itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, SignInAttempt, User
from app.services import clock, origins
from app.services.errors import Forbidden, InvalidInput
from app.services.i18n import local_time

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10
EVERYWHERE = "*"  # the address of an administrator's unlock

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
    return _l("Too many failed sign-ins for this account from here: try again after %(time)s, "
              "or ask an administrator.", time=local_time(until))


def authenticate(username: str, password: str, address: str = "") -> User:
    """The user whose name and password these are, or :class:`SignInRefused` with a
    message for the person at the keyboard. Commits.

    MAX_FAILURES failures for one account name *from one address* within LOCK_MINUTES
    lock that name from that address only: an attacker elsewhere cannot lock its owner
    out. Unknown names are counted and locked the same way, and every refusal costs one
    password check, so neither the answer nor its time tells which names exist. Every
    failure is recorded (``SignInAttempt``) and written to the audit log; a success is
    recorded too (its network is a staff network for the rating check)."""
    typed = (username or "").strip()[:64]
    name = typed.lower()
    address = (address or "")[:45]
    now = clock.now()
    user = db.session.scalar(select(User).where(func.lower(User.username) == name))
    until = _locked_until(name, address, now)
    if until is not None:
        _matches(_DUMMY_HASH, password or "")
        _failed(name, user, address, now, "locked")
        raise SignInRefused(_locked_message(until))
    if user is None or not _matches(user.password_hash, password or ""):
        if user is None:
            _matches(_DUMMY_HASH, password or "")
        _failed(name, user, address, now, "unknown account" if user is None else "wrong password")
        until = _locked_until(name, address, now)
        if until is not None:
            raise SignInRefused(_locked_message(until))
        raise SignInRefused(_l("Wrong username or password."))
    if not user.active:
        _failed(name, user, address, now, "disabled")
        raise SignInRefused(_l("This account is disabled. Ask an administrator."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.add(SignInAttempt(at=now, username=name, user_id=user.id, address=address,
                                 network=origins.network_of(address), ok=True))
    db.session.commit()
    return user


def _locked_until(name: str, address: str, now: datetime) -> datetime | None:
    """When the lock on this name from this address ends, if it is locked now: the
    failures since the last success, within the window, counted; the lock lasts until
    the oldest of the last MAX_FAILURES leaves the window. An administrator's unlock
    (:func:`forgive_failures`) counts as a success from every address."""
    window = timedelta(minutes=LOCK_MINUTES)
    since = now - window
    last_ok = db.session.scalar(select(func.max(SignInAttempt.at)).where(
        SignInAttempt.username == name, SignInAttempt.address.in_((address, EVERYWHERE)),
        SignInAttempt.ok.is_(True)))
    if last_ok is not None and last_ok > since:
        since = last_ok
    failures = db.session.scalars(
        select(SignInAttempt.at).where(SignInAttempt.username == name,
                                       SignInAttempt.address == address,
                                       SignInAttempt.ok.is_(False), SignInAttempt.at > since,
                                       SignInAttempt.reason != "locked")
        .order_by(SignInAttempt.at.desc()).limit(MAX_FAILURES)).all()
    if len(failures) < MAX_FAILURES:
        return None
    return failures[-1] + window


def forgive_failures(user: User, reason: str = "unlocked") -> None:
    """An administrator unlocked the account: earlier failures no longer count, from any
    address. Staged, committed with the caller's change."""
    db.session.add(SignInAttempt(at=clock.now(), username=user.username.lower()[:64],
                                 user_id=user.id, address=EVERYWHERE, network="-", ok=True,
                                 reason=reason))


def _failed(name: str, user: User | None, address: str, now: datetime, reason: str) -> None:
    db.session.add(SignInAttempt(at=now, username=name, user_id=user.id if user else None,
                                 address=address, network=origins.network_of(address),
                                 ok=False, reason=reason))
    db.session.add(AuditEntry(at=now, user_id=user.id if user else None, username=name,
                              entity="failed_sign_in", entity_key=name, action="create",
                              source="sign-in", after={"reason": reason, "address": address}))
    db.session.commit()


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

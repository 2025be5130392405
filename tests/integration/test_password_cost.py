"""Sign-in cost a small 2-core server sustains: argon2id at OWASP's setting (19 MiB,
2 passes, 1 lane); an account hashed with the library's heavier default is rehashed to
it at its next sign-in."""

from argon2 import PasswordHasher
from argon2.low_level import Type

from app.extensions import db
from app.services import accounts
from tests.work_helpers import PASSWORD


def test_new_passwords_are_hashed_at_the_documented_cost():
    stored = accounts.hash_password("a long enough password")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert Type.ID.name.lower() in stored


def test_a_heavier_hash_is_rehashed_at_sign_in(city):
    city.chief.password_hash = PasswordHasher().hash(PASSWORD)  # m=65536,t=3,p=4
    db.session.commit()
    accounts.authenticate("chief", PASSWORD)
    db.session.refresh(city.chief)
    assert "$m=19456,t=2,p=1$" in city.chief.password_hash

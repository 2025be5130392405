"""API keys for the Open311 endpoint: the token is shown once and only its hash is kept;
a revoked key stops working; each key has its own rate."""

import hashlib

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, AuditEntry
from app.services.admin import Invalid, api_keys, commit


def test_a_new_key_authenticates_and_only_its_hash_is_stored(city):
    key, token = api_keys.create(city.admin, "12345热线", "120")
    commit()
    assert token.startswith(f"rc_{key.prefix}_") and len(token) > 40
    assert key.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str([c for c in db.session.execute(select(ApiKey.__table__)).one()])
    assert api_keys.authenticate(token).id == key.id
    assert api_keys.rate_limit(key) == "120 per minute"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "api_key"))
    assert entry.after["prefix"] == key.prefix and "secret_hash" not in entry.after


def test_a_wrong_or_malformed_token_is_refused(city):
    key, token = api_keys.create(city.admin, "hotline", 60)
    commit()
    for bad in (token[:-1] + ("x" if token[-1] != "x" else "y"), f"rc_{key.prefix}_", "",
                None, "Bearer " + token, "rc_deadbeef_" + token.split("_", 2)[2]):
        assert api_keys.authenticate(bad) is None


def test_a_revoked_key_stops_working_and_cannot_be_revoked_twice(city):
    key, token = api_keys.create(city.admin, "hotline", 60)
    commit()
    api_keys.revoke(city.admin, key)
    commit()
    assert api_keys.authenticate(token) is None
    with pytest.raises(Invalid):
        api_keys.revoke(city.admin, key)


def test_the_rate_can_be_changed_within_bounds(city):
    key, _ = api_keys.create(city.admin, "hotline", 60)
    api_keys.set_rate(city.admin, key, "600")
    commit()
    assert key.rate_per_minute == 600
    for bad in ("0", "100000", "fast"):
        with pytest.raises(Invalid):
            api_keys.set_rate(city.admin, key, bad)


def test_a_key_needs_a_name(city):
    with pytest.raises(Invalid) as refused:
        api_keys.create(city.admin, " ", 60)
    assert "name" in refused.value.problems

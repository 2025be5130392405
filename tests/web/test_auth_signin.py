"""Staff sign-in: argon2 passwords, remember-me, sign-out, lockout after repeated
failures, the password page, and pages closed to the wrong role."""

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from app.extensions import db
from app.models import User
from app.services import accounts, clock
from tests.work_helpers import PASSWORD, client_for, sign_in, token_from


def _failures(name) -> int:
    from app.models import SignInAttempt

    return db.session.query(SignInAttempt).filter_by(username=name, ok=False).count()


def _user(name) -> User:
    db.session.expire_all()
    return db.session.query(User).filter_by(username=name).one()


@pytest.mark.parametrize("who, home", [
    ("dispatcher", "/work/triage"), ("chief", "/work/queue"), ("member", "/work/queue"),
    ("traffic_staff", "/work/queue"), ("inspector", "/work/verify"),
    ("street_supervisor", "/work/supervise"),
])
def test_each_role_lands_on_its_own_work_page(city, app, who, home):
    client = client_for(app, getattr(city, who))
    response = client.get("/work/")
    assert response.status_code == 302 and response.location.endswith(home)
    assert client.get(home).status_code == 200


def test_a_wrong_password_is_refused_with_a_clear_message(city, app):
    client = client_for(app)
    response = sign_in(client, city.chief, password="wrong horse")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert _failures("chief") == 1
    assert client.get("/work/queue").status_code == 302  # still signed out


def test_an_unknown_username_gets_the_same_answer(city, app):
    response = sign_in(client_for(app), "nobody-here")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_the_username_is_not_case_sensitive(city, app):
    response = sign_in(client_for(app), "Chief")
    assert response.status_code == 302


def test_five_failures_lock_the_account_from_that_address_for_fifteen_minutes(city, app, t0):
    client = client_for(app)
    with clock.travel(t0):
        for _ in range(4):
            assert sign_in(client, city.chief, password="guess").status_code == 401
        fifth = sign_in(client, city.chief, password="guess")
    assert fifth.status_code == 401
    assert "Too many failed sign-ins for this account from here" in fifth.get_data(as_text=True)
    with clock.travel(t0 + timedelta(minutes=14)):
        refused = sign_in(client, city.chief)  # even the right password
    assert refused.status_code == 401 and "Too many failed" in refused.get_data(as_text=True)
    with clock.travel(t0 + timedelta(minutes=16)):
        assert sign_in(client, city.chief).status_code == 302


def test_a_lock_from_one_address_does_not_lock_the_owner_out_elsewhere(city, app, t0):
    attacker = client_for(app)
    attacker.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    with clock.travel(t0):
        for _ in range(6):
            sign_in(attacker, city.chief, password="guess")
        owner = client_for(app)
        owner.environ_base["REMOTE_ADDR"] = "203.0.113.20"
        assert sign_in(owner, city.chief).status_code == 302
        assert "Too many failed" in sign_in(attacker, city.chief).get_data(as_text=True)


def test_an_unknown_account_is_locked_with_the_same_words(city, app, t0):
    """Neither the message nor the lock tells whether an account exists."""
    pages = {}
    for name in ("chief", "nobody-here"):
        client = client_for(app)
        with clock.travel(t0):
            for _ in range(5):
                response = sign_in(client, name, password="guess")
        assert response.status_code == 401
        page = response.get_data(as_text=True).replace(name, "NAME")
        pages[name] = re.sub(r'name="csrf_token"[^>]*>', "", page)
    assert "Too many failed sign-ins" in pages["chief"]
    assert pages["chief"] == pages["nobody-here"]


def test_failed_sign_ins_are_in_the_audit_log(city, app):
    from app.models import AuditEntry

    client = client_for(app)
    sign_in(client, city.chief, password="guess")
    sign_in(client, "nobody-here", password="guess")
    entries = db.session.query(AuditEntry).filter_by(entity="failed_sign_in").all()
    assert {(e.entity_key, e.after["reason"]) for e in entries} == {
        ("chief", "wrong password"), ("nobody-here", "unknown account")}
    admin = client_for(app, city.admin)
    page = admin.get("/admin/audit?entity=failed_sign_in").get_data(as_text=True)
    assert "nobody-here" in page and "wrong password" in page


def test_signing_out_ends_the_session_on_the_server(city, app):
    client = client_for(app, city.chief)
    copied = client.get_cookie("session").value
    assert client.post("/auth/logout", data={"csrf_token": client.csrf}).status_code == 302
    thief = client_for(app)
    thief.set_cookie("session", copied)
    response = thief.get("/work/queue")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_the_lock_message_speaks_chinese_by_default(city, app, t0):
    client = client_for(app)
    with clock.travel(t0):
        for _ in range(5):
            response = sign_in(client, city.chief, password="guess", lang="zh_Hans_CN")
    page = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "09:15" in page  # t0 is 09:00 in Wuhan


def test_a_success_clears_earlier_failures(city, app):
    client = client_for(app)
    for _ in range(4):
        sign_in(client, city.chief, password="guess")
    assert sign_in(client, city.chief).status_code == 302
    client.post("/auth/logout", data={"csrf_token": client.csrf})
    for _ in range(4):  # four more: not locked, the earlier four no longer count
        sign_in(client, city.chief, password="guess")
    assert sign_in(client, city.chief).status_code == 302


def test_a_disabled_account_cannot_sign_in(city, app):
    city.member.active = False
    db.session.commit()
    response = sign_in(client_for(app), city.member)
    assert response.status_code == 401
    assert "This account is disabled" in response.get_data(as_text=True)


def test_an_account_disabled_while_signed_in_loses_its_pages(city, app):
    client = client_for(app, city.member)
    city.member.active = False
    db.session.commit()
    response = client.get("/work/queue")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_an_old_hash_is_upgraded_at_sign_in(city, app):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    city.chief.password_hash = weak
    db.session.commit()
    assert sign_in(client_for(app), city.chief).status_code == 302
    upgraded = _user("chief").password_hash
    assert upgraded != weak and "$m=19456,t=2,p=1$" in upgraded  # the documented cost
    assert PasswordHasher().verify(upgraded, PASSWORD)


def test_remember_me_sets_a_lasting_cookie_and_only_when_asked(city, app):
    plain = client_for(app)
    sign_in(plain, city.chief)
    assert plain.get_cookie("remember_token") is None
    remembered = client_for(app)
    response = sign_in(remembered, city.chief, remember=True)
    assert response.status_code == 302
    cookie = remembered.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None
    # The session cookie gone (the browser was closed), the remember cookie signs in again.
    remembered.delete_cookie("session")
    assert remembered.get("/work/queue").status_code == 200


def test_sign_out_ends_the_session(city, app):
    client = client_for(app, city.chief)
    page = client.get("/work/queue").get_data(as_text=True)
    response = client.post("/auth/logout", data={"csrf_token": token_from(page)})
    assert response.status_code == 302 and response.location.endswith("/auth/login")
    assert "You are signed out." in client.get("/auth/login").get_data(as_text=True)
    assert client.get("/work/queue").status_code == 302


def test_sign_out_is_a_form_not_a_link(city, app):
    client = client_for(app, city.chief)
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/work/queue").status_code == 200


def test_staff_pages_ask_for_sign_in_and_come_back_afterwards(city, app):
    client = client_for(app)
    client.get("/auth/login?lang=en")  # the language the message is written in
    response = client.get("/work/queue?state=dispatched")
    assert response.status_code == 302 and "/auth/login?next=" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Please sign in to see this page." in page
    client.csrf = token_from(page)
    signed = client.post("/auth/login?next=/work/queue?state%3Ddispatched",
                         data={"csrf_token": client.csrf, "username": "chief",
                               "password": PASSWORD})
    assert signed.status_code == 302 and signed.location.endswith("/work/queue?state=dispatched")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_after_sign_in_nobody_is_sent_to_another_site(city, app, target):
    client = client_for(app)
    client.csrf = token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", query_string={"next": target},
                           data={"csrf_token": client.csrf, "username": "chief",
                                 "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/work/"


def test_a_sign_in_without_the_form_token_is_refused(city, app):
    client = client_for(app)
    response = client.post("/auth/login", data={"username": "chief", "password": PASSWORD},
                           follow_redirects=True)
    assert "表单已过期" in response.get_data(as_text=True)  # Chinese by default
    assert client.get("/work/queue").status_code == 302


def test_an_empty_form_says_what_is_missing(city, app):
    client = client_for(app)
    client.csrf = token_from(client.get("/auth/login?lang=en").get_data(as_text=True))
    response = client.post("/auth/login", data={"csrf_token": client.csrf, "username": "chief"})
    assert response.status_code == 422
    assert "Please fill this in." in response.get_data(as_text=True)


def test_a_role_may_not_open_another_roles_page(city, app):
    member = client_for(app, city.member)
    for url in ("/work/triage", "/work/verify", "/work/supervise"):
        response = member.get(url)
        assert response.status_code == 403
        assert "Your role cannot open this page." in response.get_data(as_text=True)
    chief = client_for(app, city.chief)
    assert chief.get("/work/triage").status_code == 403
    dispatcher = client_for(app, city.dispatcher)
    assert dispatcher.get("/work/queue").status_code == 403


def test_require_roles_names_its_roles():
    from app.work.routes import supervise

    assert supervise.allowed_roles == {"supervisor", "admin"}


# -- the password page ---------------------------------------------------------------------


def _change(client, current, new, repeat=None):
    page = client.get("/auth/password").get_data(as_text=True)
    return client.post("/auth/password", data={
        "csrf_token": token_from(page), "current": current, "new": new,
        "repeat": new if repeat is None else repeat})


def test_a_person_changes_their_password(city, app):
    client = client_for(app, city.chief)
    response = _change(client, PASSWORD, "a much longer secret")
    assert response.status_code == 302
    assert "Your password is changed." in client.get("/work/queue").get_data(as_text=True)
    assert sign_in(client_for(app), city.chief).status_code == 401
    assert sign_in(client_for(app), city.chief, password="a much longer secret").status_code \
        == 302


def test_a_new_password_ends_every_other_session_but_this_one(city, app):
    phone = client_for(app, city.chief)
    remembered = client_for(app)
    sign_in(remembered, city.chief, remember=True)
    remembered.delete_cookie("session")  # only the remember-me cookie is left
    desk = client_for(app, city.chief)
    assert _change(desk, PASSWORD, "a much longer secret").status_code == 302
    assert desk.get("/work/queue").status_code == 200  # the one who changed it stays in
    for other in (phone, remembered):
        response = other.get("/work/queue")
        assert response.status_code == 302 and "/auth/login" in response.location


def test_one_address_may_not_try_sign_in_after_sign_in(city, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    client = client_for(app)
    answers = [sign_in(client, name, password="not the password", lang="zh_Hans_CN").status_code
               for name in ("chief", "member", "dispatcher")]
    blocked = sign_in(client, city.chief, lang="zh_Hans_CN")  # even the right password
    assert answers == [401, 401, 401] and blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "登录尝试过多" in page and 'name="username"' in page
    assert 0 < int(blocked.headers["Retry-After"]) <= 900
    # The accounts tried are not locked by it: the limit is the address's, not theirs.
    assert _failures("member") == 1


@pytest.mark.parametrize("current, new, repeat, message", [
    ("not it", "a much longer secret", None, "Your current password is not right."),
    (PASSWORD, "short", None, "A password needs at least 10 characters."),
    (PASSWORD, "a much longer secret", "another long secret", "The two new passwords are not"),
    (PASSWORD, PASSWORD, None, "Choose a password different from the current one."),
])
def test_a_bad_password_change_is_refused_and_nothing_changes(city, app, current, new, repeat,
                                                              message):
    client = client_for(app, city.chief)
    before = _user("chief").password_hash
    response = _change(client, current, new, repeat)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _user("chief").password_hash == before


def test_the_password_page_needs_sign_in(city, app):
    response = client_for(app).get("/auth/password")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_the_lockout_rule_is_five_failures_and_fifteen_minutes():
    assert (accounts.MAX_FAILURES, accounts.LOCK_MINUTES) == (5, 15)

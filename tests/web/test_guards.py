"""What every answer holds to: the browser-side defences on every page (a CSP with no inline
script, no framing, no MIME sniffing, a strict referrer policy; HSTS and Secure cookies
behind the HTTPS setting), NUL bytes refused, errors as the app's own page in the
visitor's language, and a database outage answered 503 with a retry hint."""

from __future__ import annotations

import io
import re

import pytest

from app import create_app
from tests.resident_helpers import fresh_limits  # noqa: F401 - an autouse fixture
from tests.work_helpers import client_for, dispatched, token_from

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_every_page_carries_the_defences_and_no_inline_script(city, app, t0):
    case = dispatched(city, t0)
    staff = {f"/work/cases/{case.id}": city.dispatcher,
             "/supervise/bulletin": city.city_supervisor,
             f"/admin/areas/{city.area.id}": city.admin, "/sms/outbox": city.dispatcher,
             "/supervise/rating-origins": city.city_supervisor,
             "/supervise/points": city.city_supervisor,
             "/supervise/points/new": city.city_supervisor,
             "/supervise/assessment": city.city_supervisor,
             "/supervise/coverage": city.city_supervisor, "/admin/assessment": city.admin}
    pages = {"/": None, "/report": None, "/cases": None, f"/track/{case.code}": None,
             "/auth/login": None, **staff}
    for path, user in pages.items():
        response = client_for(app, user).get(path)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1] \
            .split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # not HTTPS here
        page = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(page), path
        assert not INLINE_HANDLER.search(page), path


def test_the_map_tiles_host_may_serve_images(app, client):
    csp = client.get("/").headers["Content-Security-Policy"]
    img = csp.split("img-src")[1].split(";")[0]
    assert "https://tile.openstreetmap.org" in img and "data:" in img


@pytest.fixture()
def https_app(app):
    secure = create_app({"TESTING": True, "HTTPS": True, "SCHEDULER_IN_PROCESS": "off",
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    return secure


def test_behind_https_browsers_are_told_to_stay_and_cookies_are_secure(https_app, city):
    client = client_for(https_app)
    response = client.get("/auth/login", base_url="https://roadchief.example.cn")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in response.headers["Set-Cookie"]
    assert https_app.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize("path", ["/track/AB%00CD", "/cases?category=%00", "/report?lang=%00"])
def test_a_nul_byte_in_a_url_is_a_clear_400(ctx, client, path):
    response = client.get(path, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 400
    assert "空字符" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_form_field_is_a_clear_400(city, app):
    client = client_for(app)
    token = token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login?lang=en", data={"csrf_token": token,
                                                        "username": "chief\x00", "password": "x"})
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_a_wrong_method_gets_the_apps_own_page(ctx, client):
    response = client.delete("/report", headers={"Accept-Language": "en"})
    assert response.status_code == 405
    page = response.get_data(as_text=True)
    assert "That cannot be done on this page." in page and "Road Chief" in page
    assert "Werkzeug" not in page and "Method Not Allowed" not in page


def test_an_oversize_upload_gets_the_apps_own_page_in_the_visitors_language(ctx, app, client):
    big = io.BytesIO(b"\xff" * (app.config["MAX_CONTENT_LENGTH"] + 1024))
    response = client.post("/report", data={"photos": (big, "huge.jpg")},
                           content_type="multipart/form-data",
                           headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "Request Entity Too Large" not in page


# -- the database is down ----------------------------------------------------------------------


@pytest.fixture()
def no_database(app):
    """The app pointed at a PostgreSQL port where nothing listens: every query fails the
    way it does while the database is stopped. (Its settings otherwise match the test
    app's: the extensions are shared objects, and the last init_app sets them.)"""
    # Errors are answered as in production (a test app would raise them to the test).
    down = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False,
                       "SCHEDULER_IN_PROCESS": "off",
                       "SQLALCHEMY_DATABASE_URI":
                           "postgresql+psycopg://postgres@127.0.0.1:9/roadchief?connect_timeout=2"})
    return down


@pytest.mark.parametrize("path, lang, words", [
    ("/report", "zh-CN", "服务暂时不可用"),
    ("/report", "en", "The service is briefly unavailable"),
    ("/track/ABCD2345", "en", "try again in a minute"),
    ("/cases", "zh-CN", "服务暂时不可用"),
    ("/", "en", "The service is briefly unavailable"),
])
def test_with_the_database_down_pages_answer_503_in_the_visitors_language(no_database, path,
                                                                           lang, words):
    response = no_database.test_client().get(path, headers={"Accept-Language": lang})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert words in response.get_data(as_text=True)


def test_with_the_database_down_a_report_sent_answers_503_not_500(no_database):
    client = no_database.test_client()
    response = client.post("/report", data={"description": "路灯杆上贴满了小广告"},
                           headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 503
    assert "服务暂时不可用" in response.get_data(as_text=True)


def test_with_the_database_down_every_get_route_answers_without_a_500(no_database):
    client = no_database.test_client()
    for rule in no_database.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments - {"filename"} and rule.arguments:
            continue
        if rule.endpoint == "static":
            continue
        response = client.get(rule.rule, headers={"Accept-Language": "en"})
        assert response.status_code != 500, rule.rule
        if response.status_code >= 500 and rule.rule != "/healthz":  # healthz: for machines
            assert response.status_code == 503 and response.headers["Retry-After"], rule.rule

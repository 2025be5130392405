"""Open311 bad input: every refusal comes in the specification's own error format (a JSON
list, or <errors> XML) with the status the specification gives, and creates nothing."""

from __future__ import annotations

import pytest

from app.extensions import db, limiter
from app.services.admin import api_keys
from tests.open311_helpers import BASE, counts, errors_of, new_token, post, report_fields

FORMATS = ("json", "xml")


def refused(response, status: int) -> str:
    assert response.status_code == status
    assert response.mimetype == ("application/json" if response.request.path.endswith(".json")
                                 else "text/xml")
    found = errors_of(response)
    assert len(found) == 1 and found[0][0] == status and found[0][1]
    return found[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_without_an_api_key_is_forbidden(city, client, fmt):
    before = counts()
    response = post(client, None, fmt, **report_fields(city))
    assert "api_key" in refused(response, 403)
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_revoked_api_key_is_forbidden(city, client, fmt):
    key, token = api_keys.create(city.admin, "old client", 60)
    api_keys.revoke(city.admin, key)
    db.session.commit()
    before = counts()
    refused(post(client, token, fmt, **report_fields(city)), 403)
    assert counts() == before


def test_a_made_up_api_key_is_forbidden(city, client):
    token = new_token(city)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused(post(client, forged, **report_fields(city)), 403)
    refused(post(client, "not-a-key", **report_fields(city)), 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_code_is_not_found(city, client, fmt):
    token = new_token(city)
    before = counts()
    refused(post(client, token, fmt, **report_fields(city, service_code="ZZ99")), 404)
    refused(client.get(f"{BASE}/services/ZZ99.{fmt}"), 404)
    assert counts() == before


def test_a_missing_service_code_is_a_bad_request(city, client):
    token = new_token(city)
    assert "service_code" in refused(post(client, token, **report_fields(
        city, service_code=None)), 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_jurisdiction_is_not_found_everywhere(city, client, fmt):
    token = new_token(city)
    before = counts()
    refused(post(client, token, fmt, jurisdiction_id="beijing.gov.cn", **report_fields(city)),
            404)
    for path in (f"services.{fmt}", f"services/LD03.{fmt}", f"requests.{fmt}",
                 f"requests/ABCD2345.{fmt}", f"tokens/ABCD2345.{fmt}"):
        refused(client.get(f"{BASE}/{path}?jurisdiction_id=beijing.gov.cn"), 404)
    assert counts() == before


def test_the_configured_jurisdiction_is_accepted(city, client):
    token = new_token(city)
    response = post(client, token, jurisdiction_id="wuhan.gov.cn", **report_fields(city))
    assert response.status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id=wuhan.gov.cn").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_without_a_location_is_a_bad_request(city, client, fmt):
    token = new_token(city)
    before = counts()
    description = refused(post(client, token, fmt, **report_fields(city, lat=None, long=None)),
                          400)
    assert "address_string" in description
    assert counts() == before


@pytest.mark.parametrize("lat, long", [("abc", "114.302"), ("30.6", "east"), ("91", "114.3"),
                                       ("30.6", "181"), ("nan", "114.3"), ("30.6", "inf"),
                                       ("30.6", None)])
def test_bad_numbers_for_the_location_are_a_bad_request(city, client, lat, long):
    token = new_token(city)
    before = counts()
    refused(post(client, token, **report_fields(city, lat=lat, long=long)), 400)
    assert counts() == before


def test_an_unknown_address_id_is_a_bad_request(city, client):
    token = new_token(city)
    before = counts()
    refused(post(client, token, **report_fields(city, lat=None, long=None,
                                                address_id="NOPE-99")), 400)
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("length", [2001, 4001])
def test_a_description_longer_than_a_case_keeps_is_a_bad_request(city, client, fmt, length):
    """The specification allows 4000 characters; a case keeps 2000 (as on the web)."""
    token = new_token(city)
    before = counts()
    description = refused(post(client, token, fmt, **report_fields(
        city, description="长" * length)), 400)
    assert "2000" in description
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_attribute_value_is_a_bad_request(city, client, fmt):
    token = new_token(city)
    before = counts()
    refused(post(client, token, fmt, **report_fields(city, **{"attribute[urgency]": "asap"})),
            400)
    assert counts() == before


def test_an_unknown_attribute_is_a_bad_request(city, client):
    token = new_token(city)
    before = counts()
    refused(post(client, token, **report_fields(city, **{"attribute[colour]": "red"})), 400)
    assert counts() == before


def test_a_bad_phone_number_or_media_url_is_a_bad_request(city, client):
    token = new_token(city)
    before = counts()
    refused(post(client, token, **report_fields(city, phone="12")), 400)
    refused(post(client, token, **report_fields(city, media_url="javascript:alert(1)")), 400)
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", ["start_date=yesterday", "end_date=2026-13-40T00:00:00Z",
                                   "start_date=2026-11-20T00:00:00Z&end_date=2026-11-01T00:00:00Z",
                                   "status=pending"])
def test_a_malformed_date_or_status_in_a_query_is_a_bad_request(city, client, fmt, query):
    refused(client.get(f"{BASE}/requests.{fmt}?{query}"), 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_request_or_token_is_not_found(city, client, fmt):
    refused(client.get(f"{BASE}/requests/ABCD2345.{fmt}"), 404)
    refused(client.get(f"{BASE}/tokens/ABCD2345.{fmt}"), 404)


@pytest.fixture()
def limits_on(app, monkeypatch):
    """Limits on (the browser tests turn them off for the session's app), counters empty."""
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    limiter.reset()
    yield
    limiter.reset()


def test_each_key_has_its_own_rate_limit(city, client, limits_on):
    slow, other = new_token(city, rate=2, name="slow"), new_token(city, rate=60, name="other")
    left = []
    for _ in range(2):
        answer = post(client, slow, **report_fields(city))
        assert answer.status_code == 200 and answer.headers["X-RateLimit-Limit"] == "2"
        left.append(answer.headers["X-RateLimit-Remaining"])
    assert left == ["1", "0"]  # a client can pace itself
    before = counts()
    over = post(client, slow, **report_fields(city))
    assert int(over.headers["Retry-After"]) > 0
    refused(over, 429)
    refused(post(client, slow, "xml", **report_fields(city)), 429)
    assert counts() == before
    assert post(client, other, **report_fields(city)).status_code == 200


def test_an_unknown_method_or_format_is_not_found_in_the_spec_format(city, client):
    refused(client.get(f"{BASE}/requests.csv"), 404)
    refused(client.get(f"{BASE}/nothing.json"), 404)


def test_errors_are_described_in_the_client_language(city, client):
    assert refused(post(client, None, **report_fields(city)), 403) == "未提供 api_key（接口密钥）。"
    english = client.post(f"{BASE}/requests.json", data=report_fields(city),
                          headers={"Accept-Language": "en"})
    assert refused(english, 403) == "api_key was not provided."

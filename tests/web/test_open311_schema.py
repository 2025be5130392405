"""The OpenAPI document of /open311/v2 matches the behaviour: schemathesis generates
requests for every operation (bounded: 25 examples each) against the app in-process and
checks that none is a server error and that every answer (status, content type, JSON
body) is one the document describes."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from app.services import cases
from app.services.actors import Actor
from app.services.admin import api_keys
from tests.open311_helpers import BASE, new_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 25


def test_the_document_describes_every_method_in_both_formats(city, client):
    document = client.get(f"{BASE}/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for fmt in ("json", "xml"):
        for path in ("discovery", "services", "services/{service_code}", "requests",
                     "requests/{service_request_id}", "tokens/{token}",
                     "servicerequestupdates"):
            assert f"/{path}.{fmt}" in document["paths"]
        assert set(document["paths"][f"/requests.{fmt}"]) == {"get", "post"}
        assert set(document["paths"][f"/servicerequestupdates.{fmt}"]) == {"get", "post"}
        names = {p["name"] for p in document["paths"][f"/requests.{fmt}"]["get"]["parameters"]}
        assert {"updated_after", "updated_before", "page", "page_size"} <= names


@pytest.fixture()
def open311_schema(app, city, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)
    lng, lat = city.POINT
    case = cases.submit(Actor.resident(None), category_code="LD03", description="占道停车",
                        lat=lat, lng=lng, channel="open311")
    cases.dispatch(case, Actor.staff(city.dispatcher))
    schema = schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", app)
    partner, token = api_keys.create(city.admin, "12345 platform", 10000)
    api_keys.set_partner(city.admin, partner, city.traffic_staff.username)
    db.session.commit()
    return schema, new_token(city, rate=10000), case.code, token


def test_every_operation_conforms_to_the_document(open311_schema, app):
    schema, token, code, partner = open311_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 18
    for operation in operations:
        strategy = operation.as_strategy()
        if "{service_request_id}" in operation.path or "{token}" in operation.path:
            name = "token" if "{token}" in operation.path else "service_request_id"
            strategy = strategy | operation.as_strategy(path_parameters={name: code})

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case):
            if isinstance(case.body, dict) and "servicerequestupdates" in case.path:
                case.body["api_key"] = partner  # the agency the case is dispatched to
                case.body["service_request_id"] = code
            elif isinstance(case.body, dict):
                case.body["api_key"] = token  # the key is checked by its own tests
                if case.body.get("lat") is not None:  # most made-up area codes are unknown
                    case.body.pop("address_id", None)
            response = case.call(app=app)
            case.validate_response(response, checks=CHECKS)

        conforms()

"""Open311 GeoReport v2: what a client written for the specification sees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import CaseEvent, CaseFollower
from app.services import cases, clock
from app.services.notifications import display_code
from tests.open311_helpers import BASE, new_token, post, report_fields, xml
from tests.resident_helpers import close_by_staff, the_case

REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url", "extended_attributes"]


def submitted(city, client, **fields):
    response = post(client, new_token(city), **report_fields(city, **fields))
    assert response.status_code == 200, response.data
    return the_case(response.get_json()[0]["service_request_id"])


# -- discovery and services -----------------------------------------------------------------


def test_discovery_names_the_specification_and_both_formats(city, client):
    response = client.get(f"{BASE}/discovery.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    endpoint = response.get_json()["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml", "application/json"]


def test_services_list_the_catalogue_with_its_groups(city, client):
    services = client.get(f"{BASE}/services.json").get_json()
    by_code = {s["service_code"]: s for s in services}
    assert {"LD03", "HF06"} <= set(by_code)
    assert by_code["LD03"]["service_name"] == "乱停"
    assert by_code["LD03"]["type"] == "realtime" and by_code["LD03"]["metadata"] is True
    assert by_code["LD03"]["group"] != by_code["HF06"]["group"]
    english = {s["service_code"]: s for s in client.get(
        f"{BASE}/services.json?lang=en").get_json()}
    assert english["HF06"]["group"] == "High-frequency problems"


def test_services_in_xml_follow_the_specification_element_order(city, client):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    service = root.find("service")
    assert [child.tag for child in service] == ["service_code", "service_name", "description",
                                                "metadata", "type", "keywords", "group"]
    assert service.findtext("metadata") == "true"


def test_a_service_definition_offers_urgency_as_a_single_value_list(city, client):
    definition = client.get(f"{BASE}/services/LD03.json").get_json()
    assert definition["service_code"] == "LD03"
    [urgency] = definition["attributes"]
    assert urgency["code"] == "urgency" and urgency["datatype"] == "singlevaluelist"
    assert urgency["variable"] is True and urgency["required"] is False
    assert [v["key"] for v in urgency["values"]] == ["normal", "urgent", "critical"]
    root = xml(client.get(f"{BASE}/services/ld03.xml"))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert [c.tag for c in attribute] == ["variable", "code", "datatype", "required",
                                          "datatype_description", "order", "description",
                                          "values"]
    assert [v.findtext("key") for v in attribute.find("values")] == [
        "normal", "urgent", "critical"]


# -- POST requests ---------------------------------------------------------------------------


def test_a_posted_request_becomes_a_case_through_the_one_door(city, client):
    token = new_token(city)
    response = post(client, token, **report_fields(city, **{"attribute[urgency]": "urgent"}))
    assert response.status_code == 200 and response.mimetype == "application/json"
    [answer] = response.get_json()
    case = the_case(answer["service_request_id"])
    assert answer["service_request_id"] == display_code(case.code)
    assert answer["service_notice"] and "account_id" in answer
    assert (case.state, case.channel, case.urgency) == ("submitted", "open311", "urgent")
    assert case.area_id == city.area.id  # routed by the point, like any report
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert event.action == "submit" and event.data["api_key"] == token.split("_")[1]


def test_a_posted_request_in_xml_answers_with_service_requests(city, client):
    root = xml(post(client, new_token(city), "xml", **report_fields(city)))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [c.tag for c in request] == ["service_request_id", "service_notice", "account_id"]
    assert the_case(request.findtext("service_request_id")).channel == "open311"


def test_an_address_id_places_the_request_in_that_area(city, client):
    case = submitted(city, client, lat=None, long=None, address_id=city.area2.code)
    assert case.area_id == city.area2.id and case.lat is None


def test_an_address_string_alone_is_kept_for_the_dispatcher_to_place(city, client):
    case = submitted(city, client, lat=None, long=None, address_string="黄浦路口")
    assert case.address == "黄浦路口" and case.area_id is None and case.unrouted_reason


def test_a_phone_number_makes_the_reporter_follow_the_case(city, client):
    case = submitted(city, client, phone="13900001111", email="someone@example.cn",
                     first_name="张", last_name="三")
    follower = db.session.scalar(select(CaseFollower).where(CaseFollower.case_id == case.id))
    assert follower is not None and case.reporter.phone == "+8613900001111"


def test_a_request_without_a_description_is_named_by_its_service(city, client):
    case = submitted(city, client, description=None)
    assert case.description == "乱停"


# -- GET requests ----------------------------------------------------------------------------


def test_a_request_shows_the_specification_fields_in_order_and_nothing_personal(city, client):
    case = submitted(city, client, phone="13900001111", first_name="张", last_name="三",
                     address_string="我家楼下", media_url="https://img.example.cn/a.jpg")
    response = client.get(f"{BASE}/requests/{case.code}.json")
    [record] = response.get_json()
    assert list(record) == REQUEST_FIELDS
    assert record["status"] == "open" and record["service_code"] == "LD03"
    assert record["requested_datetime"].endswith("+08:00")
    assert record["address_id"] == city.area.code and record["lat"] == case.lat
    assert record["media_url"] == "https://img.example.cn/a.jpg"
    body = response.get_data(as_text=True)
    for personal in ("13900001111", "1111", "张", "我家楼下", "一辆车停在人行道上"):
        assert personal not in body
    root = xml(client.get(f"{BASE}/requests/{case.code}.xml"))
    assert [c.tag for c in root.find("request")] == REQUEST_FIELDS


def test_a_dispatched_request_shows_its_time_limit_and_unit_never_a_person(city, client, t0):
    city.chief.display_name = "王建国"
    db.session.commit()
    with clock.travel(t0):
        case = submitted(city, client, service_code="LD09")
        cases.dispatch(case, city.actor(city.dispatcher))
        [record] = client.get(f"{BASE}/requests/{display_code(case.code)}.json").get_json()
    assert record["expected_datetime"] == "2026-11-26T17:30:00+08:00"
    assert record["expected_datetime"] == case.due_at.astimezone(clock.zone()).isoformat()
    assert city.area.name_zh in record["agency_responsible"]
    assert city.chief.display_name not in record["agency_responsible"]
    assert record["status"] == "open" and record["service_notice"]


def test_closed_rejected_and_merged_cases_are_closed(city, client):
    done = close_by_staff(city, submitted(city, client))
    refused = cases.reject(submitted(city, client), city.actor(city.dispatcher), reason="重复")
    still = submitted(city, client)
    found = {r["service_request_id"]: r["status"] for r in client.get(
        f"{BASE}/requests.json?service_request_id={done.code},{refused.code},{still.code}"
    ).get_json()}
    assert found == {display_code(done.code): "closed", display_code(refused.code): "closed",
                     display_code(still.code): "open"}
    closed = client.get(f"{BASE}/requests.json?status=closed").get_json()
    assert {r["service_request_id"] for r in closed} == {display_code(done.code),
                                                         display_code(refused.code)}
    open_ = client.get(f"{BASE}/requests.json?status=open").get_json()
    assert [r["service_request_id"] for r in open_] == [display_code(still.code)]


def test_the_list_defaults_to_the_last_90_days(city, client, t0):
    with clock.travel(t0 - timedelta(days=91)):
        old = submitted(city, client)
    with clock.travel(t0 - timedelta(days=89)):
        recent = submitted(city, client)
    with clock.travel(t0):
        found = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").get_json()]
        assert found == [display_code(recent.code)]
        since = client.get(f"{BASE}/requests.json?start_date=2026-08-01T00:00:00%2B08:00"
                           ).get_json()
        assert {r["service_request_id"] for r in since} == {display_code(old.code),
                                                            display_code(recent.code)}
        unescaped = client.get(f"{BASE}/requests.json?start_date=2026-08-01T00:00:00+08:00")
        assert unescaped.get_json() == since
        until = client.get(f"{BASE}/requests.json?end_date=2026-08-27T00:00:00Z").get_json()
        assert [r["service_request_id"] for r in until] == [display_code(old.code)]


def test_the_list_returns_at_most_1000_requests_newest_first(city, client, monkeypatch):
    from app.services import open311

    monkeypatch.setattr(open311, "DEFAULT_LIMIT", 2)
    made = [submitted(city, client) for _ in range(3)]
    found = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").get_json()]
    assert found == [display_code(c.code) for c in reversed(made[1:])]


def test_the_list_filters_by_service_code(city, client):
    parked = submitted(city, client, service_code="LD03")
    submitted(city, client, service_code="LD09")
    found = client.get(f"{BASE}/requests.xml?service_code=LD03,HF06")
    root = xml(found)
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root] == [display_code(parked.code)]


def test_a_token_is_the_tracking_code(city, client):
    case = submitted(city, client)
    [answer] = client.get(f"{BASE}/tokens/{case.code}.json").get_json()
    assert answer == {"service_request_id": display_code(case.code), "token": case.code}
    root = xml(client.get(f"{BASE}/tokens/{case.code}.xml"))
    assert [c.tag for c in root.find("request")] == ["service_request_id", "token"]


def test_reading_needs_no_api_key(city, client):
    assert client.get(f"{BASE}/requests.json").status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200

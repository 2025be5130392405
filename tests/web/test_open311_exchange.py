"""Open311 as real clients use it: input that cannot break an answer, the details
FixMyStreet's client relies on, the change feed with paging, and service request updates
both ways (a partner system's key acting within its account's place)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import ApiKey, Case, CaseEvent, CaseFollower
from app.services import cases, clock
from app.services.actors import Actor
from app.services.admin import api_keys
from app.services.notifications import display_code
from tests.open311_helpers import BASE, counts, errors_of, new_token, post, report_fields, xml
from tests.resident_helpers import close_by_staff, the_case

FORMATS = ("json", "xml")


def submitted(city, client, token=None, **fields):
    response = post(client, token or new_token(city), **report_fields(city, **fields))
    assert response.status_code == 200, response.data
    return the_case(response.get_json()[0]["service_request_id"])


def refused(response, status: int) -> str:
    assert response.status_code == status, response.data
    found = errors_of(response)
    assert len(found) == 1 and found[0][0] == status and found[0][1]
    return found[0][1]


# -- 1. no input can break an answer ------------------------------------------------------------


@pytest.mark.parametrize("method, url, data", [
    ("get", f"{BASE}/requests.json?service_code=LD%0003", None),
    ("get", f"{BASE}/requests/AB%00CD.xml", None),
    ("post", f"{BASE}/requests.json", {"api_key": "rc_ab\x00cd_x", "service_code": "LD03"}),
    ("get", "/track/K7QM%004D2X", None),
    ("get", "/cases?category=%00", None),
    ("post", "/report", {"description": "堵\x00车"}),
    ("post", "/auth/login", {"username": "admin\x00", "password": "x"}),
    ("get", "/no/such/page%00", None),
])
def test_a_nul_byte_anywhere_is_a_bad_request_with_a_message(city, client, method, url, data):
    before = counts()
    response = getattr(client, method)(url, data=data)
    assert response.status_code == 400
    if url.startswith(BASE):
        assert "NUL" in refused(response, 400)
    else:
        assert "NUL" in response.get_data(as_text=True)
    assert counts() == before


def test_a_media_url_with_a_control_character_is_refused(city, client):
    before = counts()
    response = post(client, new_token(city), **report_fields(
        city, media_url="https://img.example.cn/a\x01.jpg"))
    assert "media_url" in refused(response, 400)
    assert counts() == before


def test_control_characters_in_a_description_are_removed_before_it_is_kept(city, client):
    case = submitted(city, client, description="车\x01停在\x1b人行道\x7f上\n第二行")
    assert case.description == "车停在人行道上\n第二行"


def test_the_xml_feed_stays_well_formed_whatever_an_old_record_holds(city, client):
    """A reason stored before control characters were removed cannot break the feed."""
    case = submitted(city, client)
    cases.reject(case, city.actor(city.dispatcher), reason="不属于本部门")
    db.session.execute(update(CaseEvent).where(CaseEvent.action == "reject")
                       .values(reason="不属于\x01本部门\x0c"))
    db.session.commit()
    root = xml(client.get(f"{BASE}/requests.xml"))  # parses: well-formed
    assert root.find("request/status_notes").text == "不予受理：不属于本部门"


# -- 2. GeoReport v2 as real clients use it ----------------------------------------------------


def test_an_empty_optional_attribute_counts_as_not_given(city, client):
    case = submitted(city, client, **{"attribute[urgency]": ""})
    assert case.urgency == "normal"


def test_attributes_this_server_does_not_define_are_ignored(city, client):
    case = submitted(city, client, **{"attribute[colour]": "red", "attribute[urgency]": "urgent",
                                      "attribute[fms_extra_title]": "车"})
    assert case.urgency == "urgent"


def test_a_phone_the_door_cannot_use_is_dropped_and_the_report_kept(city, client):
    case = submitted(city, client, phone="12")
    assert case.reporter_contact_id is None
    assert db.session.scalar(select(CaseFollower).where(CaseFollower.case_id == case.id)) is None
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert event.data["phone_dropped"] is True


def test_a_thousand_ids_at_once_are_answered(city, client):
    """FixMyStreet polls every open report's id in one query string."""
    mine = [submitted(city, client) for _ in range(3)]
    ids = [display_code(c.code) for c in mine] + [f"ZZ{n:06d}" for n in range(997)]
    response = client.get(f"{BASE}/requests.xml?service_request_id={','.join(ids)}")
    root = xml(response)
    assert sorted(r.findtext("service_request_id") for r in root) == sorted(ids[:3])
    refused(client.get(f"{BASE}/requests.json?service_request_id={','.join(ids + ['X2'])}"),
            400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_method_is_405_in_the_specification_format(city, client, fmt):
    for response in (client.put(f"{BASE}/requests.{fmt}"),
                     client.delete(f"{BASE}/services.{fmt}"),
                     client.post(f"{BASE}/discovery.{fmt}")):
        refused(response, 405)
        assert response.mimetype == ("application/json" if fmt == "json" else "text/xml")
        assert "GET" in response.headers["Allow"]


def test_a_wrong_method_elsewhere_is_answered_as_before(client):
    assert client.put("/report").status_code == 405


def test_updated_datetime_is_the_last_change_of_status_not_a_later_rating(city, client):
    case = submitted(city, client, phone="13900001111")
    closed = close_by_staff(city, case)
    closed_at = closed.closed_at
    contact = closed.followers[0].contact
    with clock.travel(closed_at + timedelta(hours=3)):
        cases.rate(closed, Actor.resident(contact), score=1)
    [record] = client.get(f"{BASE}/requests/{case.code}.json").get_json()
    assert record["status"] == "closed"
    assert record["updated_datetime"] == closed_at.astimezone(clock.zone()).isoformat(
        timespec="seconds")


def test_rejected_and_merged_cases_say_so(city, client):
    rejected, kept, merged = (submitted(city, client) for _ in range(3))
    cases.reject(rejected, city.actor(city.dispatcher), reason="不在本市")
    cases.merge(merged, city.actor(city.dispatcher), into=kept.code)
    records = {r["service_request_id"]: r for r in
               client.get(f"{BASE}/requests.json?lang=en").get_json()}
    gone = records[display_code(rejected.code)]
    assert gone["status"] == "closed" and gone["status_notes"] == "Not accepted: 不在本市"
    assert gone["extended_attributes"]["state"] == "rejected"
    twin = records[display_code(merged.code)]
    assert twin["status"] == "closed" and display_code(kept.code) in twin["status_notes"]
    assert twin["extended_attributes"] == {"state": "merged", "state_name": "Merged",
                                           "merged_into": display_code(kept.code)}
    root = xml(client.get(f"{BASE}/requests/{merged.code}.xml"))
    assert root.findtext("request/extended_attributes/merged_into") == display_code(kept.code)


def test_no_session_cookie_on_api_answers(city, client):
    for url in (f"{BASE}/services.json?lang=en", f"{BASE}/requests.xml?lang=en",
                f"{BASE}/discovery.json"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers


# -- 3. the change feed ----------------------------------------------------------------------


def test_the_change_feed_finds_old_cases_changed_since_the_last_poll(city, client, t0):
    with clock.travel(t0 - timedelta(days=200)):
        old = submitted(city, client)
    with clock.travel(t0 - timedelta(days=1)):
        new = submitted(city, client)
    with clock.travel(t0):
        cases.dispatch(old, city.actor(city.dispatcher))
    since = (t0 - timedelta(minutes=5)).isoformat().replace("+", "%2B")
    found = client.get(f"{BASE}/requests.json?updated_after={since}").get_json()
    assert [r["service_request_id"] for r in found] == [display_code(old.code)]
    before = (t0 - timedelta(minutes=5)).isoformat().replace("+", "%2B")
    earlier = client.get(f"{BASE}/requests.json?updated_before={before}").get_json()
    assert display_code(new.code) in [r["service_request_id"] for r in earlier]


def test_pages_follow_a_stable_order_and_never_overlap(city, client, t0):
    with clock.travel(t0):  # the same instant for all: only the id orders them
        made = [submitted(city, client) for _ in range(5)]
    seen = []
    for page in (1, 2, 3):
        found = client.get(f"{BASE}/requests.json?page_size=2&page={page}").get_json()
        seen += [r["service_request_id"] for r in found]
    assert sorted(seen) == sorted(display_code(c.code) for c in made)
    assert len(seen) == 5 == len(set(seen))


# -- 4. updates both ways ------------------------------------------------------------------------


def partner_token(city, user, name="12345 platform") -> str:
    key, token = api_keys.create(city.admin, name, 600)
    api_keys.set_partner(city.admin, key, user.username)
    db.session.commit()
    return token


def post_update(client, token, fmt="json", **fields):
    return client.post(f"{BASE}/servicerequestupdates.{fmt}", data={"api_key": token, **fields})


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_list_status_changes_and_public_comments_each_with_its_id(city, client, fmt):
    case = submitted(city, client)
    cases.add_note(case, city.actor(city.dispatcher), note="内部备注")  # not public
    cases.dispatch(case, city.actor(city.dispatcher))
    token = partner_token(city, city.traffic_staff)
    assert post_update(client, token, service_request_id=case.code,
                       description="已安排人员前往").status_code == 200
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}?lang=en")
    if fmt == "json":
        updates = response.get_json()
    else:
        root = xml(response)
        assert root.tag == "service_request_updates"
        updates = [{child.tag: child.text for child in item} for item in root]
    assert [(u["status"], u["description"]) for u in updates] == [
        ("OPEN", "Waiting for triage"), ("OPEN", "Dispatched"), ("OPEN", "已安排人员前往")]
    assert len({u["update_id"] for u in updates}) == 3
    assert {u["service_request_id"] for u in updates} == {display_code(case.code)}


def test_a_partner_comment_is_recorded_as_the_partner_s_public_note(city, client):
    case = submitted(city, client)
    cases.dispatch(case, city.actor(city.dispatcher))
    token = partner_token(city, city.traffic_staff)
    response = post_update(client, token, "xml", service_request_id=display_code(case.code),
                           status="OPEN", description="明早处理", update_id_ext="fms-77")
    root = xml(response)
    update_id = int(root.findtext("request_update/update_id"))
    event = db.session.get(CaseEvent, update_id)
    assert (event.action, event.actor_user_id, event.note) == (
        "add_note", city.traffic_staff.id, "明早处理")
    assert event.data["public"] is True and event.data["update_id_ext"] == "fms-77"
    again = post_update(client, token, "xml", service_request_id=display_code(case.code),
                        status="OPEN", description="明早处理", update_id_ext="fms-77")
    assert int(xml(again).findtext("request_update/update_id")) == update_id  # once
    assert db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.action == "add_note")) == 1


def test_a_partner_marks_its_case_in_progress_through_the_door(city, client):
    case = submitted(city, client)
    cases.dispatch(case, city.actor(city.dispatcher))
    token = partner_token(city, city.traffic_staff)
    response = post_update(client, token, service_request_id=case.code, status="IN_PROGRESS")
    assert response.status_code == 200, response.data
    case = the_case(case.code)
    assert case.state == "in_progress"
    signed = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                       CaseEvent.action == "sign_for"))
    assert signed.actor_user_id == city.traffic_staff.id


def test_a_status_change_posted_again_after_a_lost_answer_happens_once(city, client):
    case = submitted(city, client)
    cases.dispatch(case, city.actor(city.dispatcher))
    token = partner_token(city, city.traffic_staff)
    first = post_update(client, token, service_request_id=case.code, status="IN_PROGRESS",
                        description="已派人", update_id_ext="fms-90")
    assert first.status_code == 200, first.data
    before = counts()
    again = post_update(client, token, service_request_id=case.code, status="IN_PROGRESS",
                        description="已派人", update_id_ext="fms-90")
    assert again.status_code == 200, again.data
    assert again.get_json()[0]["update_id"] == first.get_json()[0]["update_id"]
    assert counts() == before  # no second note, no second event
    signed = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                       CaseEvent.action == "sign_for"))
    assert signed.data["update_id_ext"] == "fms-90"


def test_a_status_change_whose_note_was_not_written_is_completed_by_the_retry(city, client):
    case = submitted(city, client)
    cases.dispatch(case, city.actor(city.dispatcher))
    token = partner_token(city, city.traffic_staff)
    before = counts()
    refused(post_update(client, token, service_request_id=case.code, status="IN_PROGRESS",
                        description="长" * 4001, update_id_ext="fms-91"), 400)
    assert counts() == before and the_case(case.code).state == "dispatched"  # nothing half
    # The status change went through and the worker stopped before its note was written:
    staff = city.actor(city.traffic_staff)
    cases.sign_for(case, dataclasses.replace(staff, via=(
        ("api_key", token.split("_")[1]), ("update_id_ext", "fms-91"))))
    again = post_update(client, token, service_request_id=case.code, status="IN_PROGRESS",
                        description="已派人前往", update_id_ext="fms-91")
    assert again.status_code == 200, again.data
    notes = db.session.scalars(select(CaseEvent.note).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "add_note")).all()
    assert notes == ["已派人前往"]
    third = post_update(client, token, service_request_id=case.code, status="IN_PROGRESS",
                        description="已派人前往", update_id_ext="fms-91")
    assert third.get_json()[0]["update_id"] == again.get_json()[0]["update_id"]


def test_the_12345_platform_closes_a_rectified_case_with_its_reason(city, client):
    case = submitted(city, client)
    cases.dispatch(case, city.actor(city.dispatcher))
    staff = city.actor(city.traffic_staff)
    cases.sign_for(case, staff)
    from tests.factories import photo
    cases.rectify(case, staff, note="已拖离", photos=[photo()])
    token = partner_token(city, city.district_supervisor)
    response = post_update(client, token, service_request_id=case.code, status="FIXED",
                           description="12345回访确认已处理")
    assert response.status_code == 200, response.data
    case = the_case(case.code)
    assert case.state == "closed"
    [updates] = [client.get(f"{BASE}/requests/{case.code}.json").get_json()]
    assert updates[0]["status"] == "closed"


def test_a_partner_key_cannot_act_outside_its_place(city, client):
    case = submitted(city, client)
    token = partner_token(city, city.far_dispatcher)
    before = counts()
    refused(post_update(client, token, service_request_id=case.code, status="CLOSED",
                        description="不属于本区"), 404)
    refused(post_update(client, token, service_request_id=case.code, description="看看"), 404)
    assert counts() == before and the_case(case.code).state == "submitted"


def test_a_partner_may_only_take_the_actions_its_role_and_the_state_allow(city, client):
    case = submitted(city, client)
    token = partner_token(city, city.traffic_staff)  # an agency: not a dispatcher
    before = counts()
    refused(post_update(client, token, service_request_id=case.code, status="CLOSED",
                        description="不归我们管"), 404)  # not its case: it cannot see it
    dispatcher = partner_token(city, city.dispatcher, "hotline")
    refused(post_update(client, dispatcher, service_request_id=case.code, status="FIXED"), 400)
    refused(post_update(client, dispatcher, service_request_id=case.code, status="DONE"), 400)
    refused(post_update(client, dispatcher, service_request_id=case.code,
                        status="CLOSED"), 400)  # a rejection needs its reason
    assert counts() == before and the_case(case.code).state == "submitted"
    assert post_update(client, dispatcher, service_request_id=case.code, status="CLOSED",
                       description="不属于城市管理范围").status_code == 200
    assert the_case(case.code).state == "rejected"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_update_needs_a_partner_key(city, client, fmt):
    case = submitted(city, client)
    before = counts()
    refused(post_update(client, "", fmt, service_request_id=case.code, description="x"), 403)
    reporter_only = new_token(city)
    assert "进展" in refused(post_update(client, reporter_only, fmt,
                                           service_request_id=case.code, description="x"), 403)
    refused(post_update(client, partner_token(city, city.dispatcher), fmt,
                        service_request_id="ZZZZ2222", description="x"), 404)
    assert counts() == before


def test_a_revoked_partner_key_or_inactive_account_cannot_post(city, client):
    case = submitted(city, client)
    token = partner_token(city, city.dispatcher)
    city.dispatcher.active = False
    db.session.commit()
    refused(post_update(client, token, service_request_id=case.code, description="x"), 403)
    key = db.session.scalar(select(ApiKey).where(ApiKey.partner_user_id.is_not(None)))
    api_keys.revoke(city.admin, key)
    db.session.commit()
    refused(post_update(client, token, service_request_id=case.code, description="x"), 403)


def test_xml_answers_are_built_by_the_library(city, client):
    """Names and text that look like markup come out escaped."""
    case = submitted(city, client)
    token = partner_token(city, city.dispatcher)
    post_update(client, token, service_request_id=case.code,
                description="</description><injected>&amp;")
    root = ET.fromstring(client.get(f"{BASE}/servicerequestupdates.xml").data)
    assert root.find(".//injected") is None
    assert "</description><injected>&amp;" in [u.findtext("description") for u in root]


def test_case_counts_do_not_change_for_a_refused_update(city, client):
    case = submitted(city, client)
    token = partner_token(city, city.dispatcher)
    before = counts()
    refused(post_update(client, token, service_request_id=case.code,
                        description="x", media_url="ftp://x"), 400)
    assert counts() == before
    assert db.session.scalar(select(Case.version).where(Case.id == case.id)) == case.version


# -- 6. the list costs the same number of statements whatever its length -------------------------


def statements_for(client, url) -> int:
    from sqlalchemy import event

    count = [0]

    def counted(*_args, **_kwargs):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count[0]


def test_a_list_takes_the_same_number_of_sql_statements_for_3_or_12_records(city, client):
    token = new_token(city, rate=1000)

    def some(n):
        made = []
        for i in range(n):
            point = (city.POINT, city.POINT2, city.POINT3, city.FAR_POINT)[i % 4]
            lng, lat = point
            case = submitted(city, client, token, lat=str(lat), long=str(lng),
                             media_url=f"https://img.example.cn/{i}.jpg")
            if i % 3 == 1:
                case = cases.dispatch(case, city.actor(
                    city.far_dispatcher if point == city.FAR_POINT else city.dispatcher))
            if i % 3 == 2:
                cases.reject(case, city.actor(
                    city.far_dispatcher if point == city.FAR_POINT else city.dispatcher),
                    reason="重复")
            made.append(case)
        return made

    few = some(3)  # one of each kind: waiting, dispatched, rejected
    client.get(f"{BASE}/requests.json")  # warm the kept reference data
    codes = ",".join(c.code for c in few)
    small = statements_for(client, f"{BASE}/requests.json?service_request_id={codes}")
    many = few + some(9)
    codes = ",".join(c.code for c in many)
    client.get(f"{BASE}/requests.json")
    large = statements_for(client, f"{BASE}/requests.json?service_request_id={codes}")
    assert large == small

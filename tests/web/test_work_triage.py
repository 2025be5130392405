"""Dispatcher triage: new reports with photos, a map and routing suggestions; dispatch as
routed or overridden; reject with a preset reason; merge duplicates; returned and
unrouted lists."""

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import CaseEvent, CaseFollower
from app.services import cases, clock
from tests.work_helpers import (
    act,
    assignee_of,
    client_for,
    closed,
    dispatched,
    fresh,
    report,
)


def events(case):
    return [e.action for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]


def test_the_new_list_shows_waiting_reports_with_a_photo_oldest_first(city, app, t0):
    older = report(city, t0)
    newer = report(city, t0 + timedelta(hours=1), code="LD03")
    dispatched(city, t0)  # no longer waiting
    page = client_for(app, city.dispatcher).get("/work/triage").get_data(as_text=True)
    assert page.index(older.code) < page.index(newer.code)
    assert 'data-list="new" aria-current="page">New reports <b>2</b>' in page
    assert page.count('class="thumb"') == 2 and "/work/photos/" in page


def test_returned_and_unrouted_reports_have_their_own_lists(city, app, t0):
    nowhere = report(city, t0, point=city.NOWHERE)
    back = dispatched(city, t0)
    with clock.travel(t0 + timedelta(minutes=30)):
        cases.return_case(back, assignee_of(city, back), reason="不是本责任区的")
    client = client_for(app, city.dispatcher)
    new = client.get("/work/triage").get_data(as_text=True)
    assert nowhere.code not in new and back.code not in new
    returned = client.get("/work/triage?list=returned").get_data(as_text=True)
    assert back.code in returned and nowhere.code not in returned
    unrouted = client.get("/work/triage?list=unrouted").get_data(as_text=True)
    assert nowhere.code in unrouted and back.code not in unrouted
    # Every dispatcher may place an unrouted report, whatever their district.
    far = client_for(app, city.far_dispatcher).get("/work/triage?list=unrouted")
    assert nowhere.code in far.get_data(as_text=True)


def test_the_case_page_suggests_the_route_and_shows_the_place(city, app, t0):
    case = report(city, t0)
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "Suggested route: 解放大道沿线 → chief." in page
    assert "30.60200, 114.30200" in page and "openstreetmap.org/?mlat=30.602000" in page
    assert 'data-action="dispatch" open' in page


def test_the_page_points_out_a_category_the_words_suggest(city, app, t0):
    case = report(city, t0, code="HF99", description="人行道上乱停车，占用人行道")
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "The description sounds like LD03 Illegal motor-vehicle parking." in page


def test_an_unrouted_report_gets_its_area_from_the_road_it_names(city, app, t0):
    case = report(city, t0, point=city.NOWHERE, description="黄浦路上有人乱贴小广告")
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "The area was found from the road named in the report." in page
    assert "Suggested route: 黄浦路沿线 → chief2." in page


def test_nearby_open_cases_are_shown_same_category_first(city, app, t0):
    case = report(city, t0)
    twin = dispatched(city, t0 - timedelta(hours=2))  # same category, same spot
    other = report(city, t0, code="LD03", point=(city.POINT[0] + 0.001, city.POINT[1]))
    far = report(city, t0, point=city.POINT3)  # about 900 m away
    done = closed(city, t0 - timedelta(days=1))
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    nearby = page[page.index('id="nearby"'):]
    assert twin.code in nearby and other.code in nearby
    assert nearby.index(twin.code) < nearby.index(other.code)
    assert far.code not in nearby and done.code not in nearby


def test_dispatch_as_routed(city, app, t0):
    case = report(city, t0)
    client = client_for(app, city.dispatcher)
    with clock.travel(t0 + timedelta(minutes=10)):
        response = act(client, case, "dispatch", assignee="route", urgency="normal",
                       category="LD09", area_id=city.area.id)
    assert response.status_code == 303 and response.location.endswith(f"/work/cases/{case.id}")
    case = fresh(case)
    assert case.state == "dispatched" and case.assignee_user_id == city.chief.id
    assert clock.to_local(case.due_at).isoformat() == "2026-11-26T17:30:00"
    assert "Dispatched." in client.get(f"/work/cases/{case.id}").get_data(as_text=True)


def test_dispatch_overriding_assignee_urgency_and_category(city, app, t0):
    case = report(city, t0, code="HF99")
    client = client_for(app, city.dispatcher)
    with clock.travel(t0):
        act(client, case, "dispatch", assignee=f"agency:{city.traffic.id}", urgency="critical",
            category="LD03", area_id=city.area.id)
    case = fresh(case)
    assert case.assignee_agency_id == city.traffic.id and case.urgency == "critical"
    assert case.category.code == "LD03" and case.due_at - t0 == timedelta(hours=2)
    page = client.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "Category changed from HF99 to LD03." in page
    assert "Route chosen by the dispatcher." in page


def test_an_unrouted_report_is_placed_by_choosing_its_area(city, app, t0):
    case = report(city, t0, point=city.NOWHERE)
    client = client_for(app, city.dispatcher)
    refused = act(client, case, "dispatch", assignee="route", area_id="")
    assert refused.status_code == 422
    assert "This case has no route" in refused.get_data(as_text=True)
    assert fresh(case).state == "submitted"
    act(client, case, "dispatch", assignee="route", area_id=city.area2.id)
    case = fresh(case)
    assert case.state == "dispatched" and case.area_id == city.area2.id
    assert case.assignee_user_id == city.chief2.id


def test_reject_with_a_preset_reason_and_free_text(city, app, t0):
    case = report(city, t0)
    client = client_for(app, city.dispatcher)
    act(client, case, "reject", preset="out_of_scope", reason="属于物业管理范围")
    case = fresh(case)
    assert case.state == "rejected"
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                        CaseEvent.action == "reject")).one()
    assert event.reason == "Not a matter for city management: 属于物业管理范围"


def test_reject_with_other_needs_words(city, app, t0):
    case = report(city, t0)
    response = act(client_for(app, city.dispatcher), case, "reject", preset="other", reason="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "To reject, please give a reason." in page
    assert 'data-action="reject" open' in page  # the form stays open beside the message
    assert fresh(case).state == "submitted" and events(case) == ["submit"]


def test_merge_into_a_nearby_case_moves_reporter_and_supporters(city, app, t0):
    keep = dispatched(city, t0, phone="13900002222")
    duplicate = report(city, t0 + timedelta(hours=1), phone="13900003333")
    with clock.travel(t0 + timedelta(hours=1)):
        cases.support(duplicate, cases.Actor.resident(), phone="13900004444")
    client = client_for(app, city.dispatcher)
    page = client.get(f"/work/cases/{duplicate.id}").get_data(as_text=True)
    assert "Merge into this" in page
    response = act(client, duplicate, "merge", into=keep.code)
    assert response.status_code == 303
    assert fresh(duplicate).state == "merged" and fresh(duplicate).merged_into_id == keep.id
    followers = db.session.scalar(select(func.count()).select_from(CaseFollower).where(
        CaseFollower.case_id == keep.id))
    assert followers == 3  # its own reporter, the duplicate's reporter and supporter
    kept = client.get(f"/work/cases/{keep.id}").get_data(as_text=True)
    assert "was merged into this one (2 people follow it now)" in kept


def test_merge_accepts_the_code_as_printed_with_a_dash(city, app, t0):
    keep, duplicate = dispatched(city, t0), report(city, t0)
    act(client_for(app, city.dispatcher), duplicate, "merge",
        into=f"{keep.code[:4]}-{keep.code[4:]}".lower())
    assert fresh(duplicate).merged_into_id == keep.id


def test_merge_into_itself_a_closed_case_or_an_unknown_code_is_refused(city, app, t0):
    case = report(city, t0)
    done = closed(city, t0 - timedelta(days=1))
    far = dispatched(city, t0, point=city.FAR_POINT)
    client = client_for(app, city.dispatcher)
    for into, message in [(case.code, "A case cannot be merged into itself."),
                          (done.code, "Cannot merge into a case that is Closed."),
                          ("ZZZZ9999", "No case you can see has that tracking code."),
                          (far.code, "No case you can see has that tracking code."),
                          ("", "Please give the tracking code of the case to merge into.")]:
        response = act(client, case, "merge", into=into)
        assert response.status_code == 422, into
        assert message in response.get_data(as_text=True)
    assert fresh(case).state == "submitted" and events(case) == ["submit"]

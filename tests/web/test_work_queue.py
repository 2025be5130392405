"""The road chief's queue on a phone, the agency queue and the team member's: ordered by
time left, near-due and overdue marked by colour and word, filters; and the actions of
an assignee on the case page."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CaseEvent, CaseRequest
from app.services import cases, clock
from tests.work_helpers import (
    act,
    buttons,
    client_for,
    dispatched,
    fresh,
    in_progress,
    local_input,
    rectified,
    report,
)


def codes_in_order(page: str) -> list[str]:
    return re.findall(r'data-code="([0-9A-Z]{8})"', page)


def card(page: str, code: str) -> str:
    start = page.rindex("<li", 0, page.index(f'data-code="{code}"'))
    return page[start:page.index("</li>", start)]


def test_the_queue_is_ordered_by_time_left_and_marks_overdue_and_near_due(city, app, t0):
    # LD04 goods on the pavement: 4 working hours; LD09 flyers: 1 working day; LD10
    # graffiti: 2 working days. All dispatched at 09:05 on Wednesday. "Due soon" is the
    # last hour (or the last fifth of the time allowed, when that is longer).
    slow = dispatched(city, t0, code="LD10")
    soon = dispatched(city, t0, code="LD04")
    mid = dispatched(city, t0, code="LD09")
    client = client_for(app, city.chief)
    with clock.travel(soon.due_at - timedelta(minutes=50)):
        page = client.get("/work/queue").get_data(as_text=True)
    assert codes_in_order(page) == [soon.code, mid.code, slow.code]
    assert 'class="case-card near"' in card(page, soon.code)
    assert "Due soon" in card(page, soon.code)
    assert "On time" in card(page, slow.code)
    with clock.travel(soon.due_at + timedelta(minutes=1)):
        page = client.get("/work/queue").get_data(as_text=True)
    late = card(page, soon.code)
    assert 'class="case-card overdue"' in late and ">Overdue</b>" in late and "late" in late


def test_the_queue_holds_my_cases_and_my_teams_not_others(city, app, t0):
    mine = dispatched(city, t0)
    teams = dispatched(city, t0)
    with clock.travel(t0 + timedelta(minutes=20)):
        cases.reassign(teams, city.actor(city.chief), assignee_user_id=city.member.id)
    agency = dispatched(city, t0, code="LD03")  # in my area, but the traffic police's
    neighbour = dispatched(city, t0, point=city.POINT2)
    page = client_for(app, city.chief).get("/work/queue").get_data(as_text=True)
    assert mine.code in page and teams.code in page
    assert "member" in card(page, teams.code)  # whose it is
    assert agency.code not in page and neighbour.code not in page


def test_filters_by_state_and_category(city, app, t0):
    waiting = dispatched(city, t0, code="LD09")
    working = in_progress(city, t0, code="LD10")
    checked = rectified(city, t0, code="LD09")
    client = client_for(app, city.chief)
    page = client.get("/work/queue?state=in_progress").get_data(as_text=True)
    assert codes_in_order(page) == [working.code]
    page = client.get(f"/work/queue?category={waiting.category_id}").get_data(as_text=True)
    assert set(codes_in_order(page)) == {waiting.code, checked.code}
    page = client.get("/work/queue").get_data(as_text=True)
    assert 'value="dispatched">Dispatched (1)' in page
    assert codes_in_order(page)[-1] == checked.code  # awaiting check goes below live work


def test_sign_for_from_the_queue_in_one_tap(city, app, t0):
    case = dispatched(city, t0)
    client = client_for(app, city.chief)
    page = client.get("/work/queue").get_data(as_text=True)
    assert f'/work/cases/{case.id}/sign_for' in card(page, case.code)
    response = act(client, case, "sign_for", next="/work/queue")
    assert response.status_code == 303 and response.location.endswith("/work/queue")
    assert fresh(case).state == "in_progress"
    assert "Signed for: the case is yours." in client.get("/work/queue").get_data(as_text=True)


def test_the_case_page_shows_only_the_buttons_the_state_machine_allows(city, app, t0):
    case = dispatched(city, t0)
    chief = client_for(app, city.chief)
    assert buttons(chief.get(f"/work/cases/{case.id}").get_data(as_text=True)) == {
        "sign_for", "return", "reassign", "request_extension", "add_note"}
    with clock.travel(t0 + timedelta(minutes=20)):
        act(chief, case, "sign_for")
    assert buttons(chief.get(f"/work/cases/{case.id}").get_data(as_text=True)) == {
        "return", "reassign", "request_extension", "request_hold", "rectify", "add_note"}
    inspector = client_for(app, city.inspector)
    assert buttons(inspector.get(f"/work/cases/{case.id}").get_data(as_text=True)) == {
        "add_note"}


def test_the_step_that_moves_the_case_on_comes_first(city, app, t0):
    case = in_progress(city, t0)
    page = client_for(app, city.chief).get(f"/work/cases/{case.id}").get_data(as_text=True)
    panel = page[page.index('id="actions"'):]
    assert re.findall(r'data-action="([a-z_]+)"', panel)[:1] == ["rectify"]
    assert 'data-action="rectify" open' in panel


def test_rectify_needs_a_note_and_an_after_photo(city, app, t0):
    case = in_progress(city, t0)
    client = client_for(app, city.chief)
    no_photo = act(client, case, "rectify", note="已清理")
    assert no_photo.status_code == 422
    assert "To report the rectification, please give a photo." in no_photo.get_data(as_text=True)
    no_note = act(client, case, "rectify", note="", photos=1)
    assert no_note.status_code == 422
    assert "please give a note" in no_note.get_data(as_text=True)
    assert fresh(case).state == "in_progress" and fresh(case).version == 3
    done = act(client, case, "rectify", note="已清理", photos=2)
    assert done.status_code == 303
    case = fresh(case)
    assert case.state == "rectified"
    page = client.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "after the fix" in page and "Note: 已清理" in page


def test_a_bad_photo_is_refused_with_its_own_message(city, app, t0):
    import io

    case = in_progress(city, t0)
    client = client_for(app, city.chief)
    response = client.post(f"/work/cases/{case.id}/rectify", data={
        "csrf_token": client.csrf, "version": str(case.version), "note": "已清理",
        "photos": [(io.BytesIO(b"not a picture"), "evil.jpg")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "That file is not a photo we can read." in response.get_data(as_text=True)
    assert fresh(case).state == "in_progress"


def test_return_needs_a_reason_and_goes_back_to_the_dispatcher(city, app, t0):
    case = in_progress(city, t0)
    chief = client_for(app, city.chief)
    refused = act(chief, case, "return", reason=" ")
    assert refused.status_code == 422 and "please give a reason" in refused.get_data(as_text=True)
    act(chief, case, "return", reason="这是铁路用地，不归本区管")
    assert fresh(case).state == "returned" and fresh(case).assignee_user_id is None
    dispatcher = client_for(app, city.dispatcher)
    assert case.code in dispatcher.get("/work/triage?list=returned").get_data(as_text=True)
    page = dispatcher.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "Reason: 这是铁路用地，不归本区管" in page


def test_a_team_member_who_returns_a_case_lands_back_on_their_queue(city, app, t0):
    case = dispatched(city, t0)
    with clock.travel(t0 + timedelta(minutes=20)):
        cases.reassign(case, city.actor(city.chief), assignee_user_id=city.member.id)
    member = client_for(app, city.member)
    response = act(member, case, "return", reason="不是我负责的")
    assert response.status_code == 303 and response.location.endswith("/work/")
    assert fresh(case).state == "returned"


def test_reassign_to_a_team_member_or_an_agency(city, app, t0):
    case = in_progress(city, t0)
    chief = client_for(app, city.chief)
    page = chief.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert f'value="user:{city.member.id}"' in page
    assert f'value="user:{city.outsider_member.id}"' not in page  # another area's team
    act(chief, case, "reassign", assignee=f"user:{city.member.id}", reason="你去处理一下")
    assert fresh(case).assignee_user_id == city.member.id and fresh(case).state == "dispatched"
    member = client_for(app, city.member)
    assert case.code in member.get("/work/queue").get_data(as_text=True)
    act(chief, case, "reassign", assignee=f"agency:{city.traffic.id}")
    assert fresh(case).assignee_agency_id == city.traffic.id


def test_reassign_to_someone_outside_the_team_is_refused(city, app, t0):
    case = in_progress(city, t0)
    response = act(client_for(app, city.chief), case, "reassign",
                   assignee=f"user:{city.outsider_member.id}")
    assert response.status_code == 422
    assert "Choose a member of this area's road team." in response.get_data(as_text=True)
    assert fresh(case).assignee_user_id == city.chief.id


def test_request_an_extension_with_a_reason_and_a_later_time(city, app, t0):
    case = in_progress(city, t0)
    new_due = case.due_at + timedelta(days=2)
    with clock.travel(t0 + timedelta(hours=1)):
        response = act(client_for(app, city.chief), case, "request_extension",
                       reason="需协调产权单位", new_due_at=local_input(new_due))
    assert response.status_code == 303
    request = db.session.scalars(select(CaseRequest).where(CaseRequest.case_id == case.id)).one()
    assert request.status == "pending" and request.new_due_at == new_due
    assert fresh(case).due_at == case.due_at  # nothing moves until a supervisor approves


@pytest.mark.parametrize("when, message", [
    ("past", "The new deadline must be in the future."),
    ("earlier", "The new deadline must be later than the current one."),
    ("garbage", "That date and time are not valid."),
    ("missing", "please give a new deadline"),
])
def test_an_extension_to_a_past_or_shorter_time_is_refused(city, app, t0, when, message):
    case = in_progress(city, t0)
    now = t0 + timedelta(hours=1)
    value = {"past": local_input(now - timedelta(minutes=30)),
             "earlier": local_input(case.due_at - timedelta(hours=1)),
             "garbage": "next tuesday", "missing": ""}[when]
    with clock.travel(now):
        response = act(client_for(app, city.chief), case, "request_extension",
                       reason="需协调", new_due_at=value)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(CaseRequest)).all() == []
    assert fresh(case).version == 3


def test_add_a_note_with_a_photo(city, app, t0):
    case = in_progress(city, t0)
    client = client_for(app, city.chief)
    act(client, case, "add_note", note="已联系商户", photos=1)
    page = client.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "Note: 已联系商户" in page
    note = page[page.rindex('data-action="add_note"'):]
    assert "/work/photos/" in note.split("</li>")[0]


def test_agency_staff_work_their_queue_like_a_road_chief(city, app, t0):
    case = dispatched(city, t0, code="LD03")
    traffic = client_for(app, city.traffic_staff)
    page = traffic.get("/work/queue").get_data(as_text=True)
    assert "My agency's cases" in page and case.code in page
    act(traffic, case, "sign_for")
    act(traffic, case, "rectify", note="已拖离", photos=1)
    assert fresh(case).state == "rectified"


def test_a_dispatched_case_not_mine_has_no_sign_for_for_the_chief(city, app, t0):
    case = dispatched(city, t0)
    with clock.travel(t0 + timedelta(minutes=20)):
        cases.reassign(case, city.actor(city.chief), assignee_user_id=city.member.id)
    chief = client_for(app, city.chief)
    page = chief.get("/work/queue").get_data(as_text=True)
    assert "sign_for" not in card(page, case.code)
    assert "sign_for" not in buttons(chief.get(f"/work/cases/{case.id}").get_data(as_text=True))
    refused = act(chief, case, "sign_for")
    assert refused.status_code == 403
    assert "Only the assignee of this case may do that." in refused.get_data(as_text=True)


def test_a_case_with_no_deadline_shows_no_mark(city, app, t0):
    case = report(city, t0)
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "data-due=" not in page


def test_every_action_is_in_the_history_once(city, app, t0):
    case = in_progress(city, t0)
    act(client_for(app, city.chief), case, "add_note", note="到场")
    actions = db.session.scalars(select(CaseEvent.action).where(
        CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    assert actions == ["submit", "dispatch", "sign_for", "add_note"]

"""The inspector verifies rectified cases (pass closes, fail sends back for counted
rework); the supervisor decides extensions and holds, chases escalated and overdue
cases, and follows up dissatisfied residents with a reopen."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import CaseRequest
from app.services import cases, clock
from app.services.actors import Actor
from tests.work_helpers import (
    act,
    buttons,
    client_for,
    closed,
    dispatched,
    fresh,
    in_progress,
    local_input,
    rectified,
)

# -- inspector ---------------------------------------------------------------------------


def test_the_inspector_list_shows_rectified_cases_with_the_after_photo(city, app, t0):
    case = rectified(city, t0)
    in_progress(city, t0)  # not yet for the inspector
    page = client_for(app, city.inspector).get("/work/verify").get_data(as_text=True)
    assert "Rectified cases to verify <small>(1)</small>" in page
    assert case.code in page and 'class="thumb"' in page


def test_pass_closes_the_case(city, app, t0):
    case = rectified(city, t0)
    client = client_for(app, city.inspector)
    with clock.travel(t0 + timedelta(hours=2)):
        response = act(client, case, "verify_pass", note="现场已清理干净")
    assert response.status_code == 303
    assert fresh(case).state == "closed"
    assert case.code not in client.get("/work/verify").get_data(as_text=True)


def test_fail_needs_a_note_and_a_photo(city, app, t0):
    case = rectified(city, t0)
    client = client_for(app, city.inspector)
    response = act(client, case, "verify_fail", note="仍有残留")
    assert response.status_code == 422
    assert "please give a photo" in response.get_data(as_text=True)
    response = act(client, case, "verify_fail", note="", photos=1)
    assert response.status_code == 422
    assert fresh(case).state == "rectified" and fresh(case).rework_count == 0


def test_fail_sends_the_case_back_to_its_assignee_with_a_new_deadline_and_counts(city, app,
                                                                               t0):
    case = rectified(city, t0)
    with clock.travel(t0 + timedelta(hours=2)):
        act(client_for(app, city.inspector), case, "verify_fail", note="仍有残留", photos=1)
    case = fresh(case)
    assert case.state == "in_progress" and case.rework_count == 1
    assert case.rework_due_at is not None and case.assignee_user_id == city.chief.id
    chief = client_for(app, city.chief)
    assert case.code in chief.get("/work/queue?state=in_progress").get_data(as_text=True)
    page = chief.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "Rework number 1, due" in page and "failed check" in page
    assert 'id="rework-count">1<' in page


def test_a_road_chief_may_not_verify_their_own_fix(city, app, t0):
    case = rectified(city, t0)
    response = act(client_for(app, city.chief), case, "verify_pass")
    assert response.status_code == 403
    assert "A Road chief may not pass the verification." in response.get_data(as_text=True)
    assert fresh(case).state == "rectified"


# -- supervisor --------------------------------------------------------------------------


def _ask_extension(city, case, at, days=2):
    with clock.travel(at):
        cases.request_extension(case, Actor.staff(city.chief), reason="需协调产权单位",
                                new_due_at=case.due_at + timedelta(days=days))


def test_pending_extensions_are_listed_and_approved(city, app, t0):
    case = in_progress(city, t0)
    old_due = case.due_at
    _ask_extension(city, case, t0 + timedelta(hours=1))
    client = client_for(app, city.street_supervisor)
    page = client.get("/work/supervise").get_data(as_text=True)
    assert case.code in page and "asked by chief" in page and "需协调产权单位" in page
    with clock.travel(t0 + timedelta(hours=2)):
        response = act(client, case, "approve_extension", next="/work/supervise")
    assert response.status_code == 303 and response.location.endswith("/work/supervise")
    case = fresh(case)
    assert case.due_at == old_due + timedelta(days=2) and case.extension_count == 1
    assert "No request is waiting." in client.get("/work/supervise").get_data(as_text=True)


def test_an_extension_refused_needs_a_reason(city, app, t0):
    case = in_progress(city, t0)
    _ask_extension(city, case, t0 + timedelta(hours=1))
    client = client_for(app, city.street_supervisor)
    assert act(client, case, "refuse_extension", reason="").status_code == 422
    act(client, case, "refuse_extension", reason="一天足够")
    request = db.session.scalars(select(CaseRequest)).one()
    assert request.status == "refused" and request.decision_reason == "一天足够"


def test_a_hold_is_requested_approved_and_resumed(city, app, t0):
    case = in_progress(city, t0)
    chief, supervisor = client_for(app, city.chief), client_for(app, city.street_supervisor)
    with clock.travel(t0 + timedelta(hours=1)):  # a hold is asked for before the deadline
        act(chief, case, "request_hold", reason="已进入违法建设查处法定程序")
    page = supervisor.get("/work/supervise").get_data(as_text=True)
    assert 'data-request="hold"' in page
    act(supervisor, case, "approve_hold")
    assert fresh(case).state == "on_hold"
    queue = chief.get("/work/queue").get_data(as_text=True)
    assert "clock stopped" in queue
    act(supervisor, case, "resume")
    assert fresh(case).state == "in_progress"


def test_approve_buttons_only_show_with_a_pending_request(city, app, t0):
    case = in_progress(city, t0)
    client = client_for(app, city.street_supervisor)
    page = client.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "approve_extension" not in buttons(page)
    _ask_extension(city, case, t0 + timedelta(hours=1))
    page = client.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert {"approve_extension", "refuse_extension"} <= buttons(page)
    assert 'id="pending-extension"' in page
    chief = client_for(app, city.chief).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "request_extension" not in buttons(chief)  # one pending at a time


def test_requests_outside_the_supervisors_street_are_not_listed(city, app, t0):
    there = in_progress(city, t0, point=city.POINT3)
    with clock.travel(t0 + timedelta(hours=1)):
        cases.request_extension(there, Actor.staff(city.chief3), reason="需协调",
                                new_due_at=there.due_at + timedelta(days=1))
    page = client_for(app, city.street_supervisor).get("/work/supervise").get_data(as_text=True)
    assert there.code not in page
    page = client_for(app, city.street2_supervisor).get("/work/supervise").get_data(as_text=True)
    assert there.code in page


def test_escalated_and_overdue_cases_in_scope(city, app, t0):
    late = in_progress(city, t0, code="LD04")  # 4 working hours
    escalated = dispatched(city, t0)
    with clock.travel(t0 + timedelta(hours=1)):
        cases.escalate(escalated, level=1, reason="临近时限未签收", overdue=False)
    elsewhere = in_progress(city, t0, code="LD04", point=city.POINT3)
    client = client_for(app, city.street_supervisor)
    with clock.travel(t0 + timedelta(days=1)):
        page = client.get("/work/supervise").get_data(as_text=True)
    esc = page[page.index('id="escalated"'):page.index('id="overdue"')]
    over = page[page.index('id="overdue"'):page.index('id="ratings"')]
    assert escalated.code in esc and "Escalation level 1" in esc
    assert late.code in over and ">Overdue</b>" in over and elsewhere.code not in over
    with clock.travel(t0 + timedelta(days=1)):
        district = client_for(app, city.district_supervisor).get("/work/supervise")
    assert elsewhere.code in district.get_data(as_text=True)


def test_dissatisfied_ratings_are_followed_up_with_a_reopen(city, app, t0):
    case = closed(city, t0)
    happy = closed(city, t0, phone="13900005555")
    with clock.travel(t0 + timedelta(hours=3)):
        cases.rate(case, Actor.resident(case.reporter), score=3, comment="根本没清理")
        cases.rate(happy, Actor.resident(happy.reporter), score=1)
    client = client_for(app, city.street_supervisor)
    page = client.get("/work/supervise").get_data(as_text=True)
    ratings = page[page.index('id="ratings"'):]
    assert case.code in ratings and "根本没清理" in ratings and happy.code not in ratings
    assert act(client, case, "reopen", reason="").status_code == 422
    with clock.travel(t0 + timedelta(hours=4)):
        act(client, case, "reopen", reason="回访不满意，重新处置")
    case = fresh(case)
    assert case.state == "in_progress" and case.assignee_user_id == city.chief.id
    page = client.get("/work/supervise").get_data(as_text=True)
    assert case.code not in page[page.index('id="ratings"'):]
    case_page = client.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "Dissatisfied" in case_page and "Reason: 回访不满意，重新处置" in case_page


def test_the_whole_extension_loop_through_the_pages(city, app, t0):
    case = in_progress(city, t0)
    new_due = case.due_at + timedelta(days=3)
    chief, supervisor = client_for(app, city.chief), client_for(app, city.street_supervisor)
    with clock.travel(t0 + timedelta(hours=1)):
        act(chief, case, "request_extension", reason="等材料", new_due_at=local_input(new_due))
        act(supervisor, case, "approve_extension")
    assert fresh(case).due_at == new_due
    page = chief.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "Approve the extension" in page and "Asked for a new deadline" in page

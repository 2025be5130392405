"""Every action carries the version of the case the person saw: a change made meanwhile
is never overwritten, and a form sent twice has one effect."""

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import CaseEvent
from app.services import cases, clock
from tests.work_helpers import act, client_for, dispatched, fresh, in_progress, report


def count(case, action):
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == action))


def test_a_change_made_meanwhile_shows_the_fresh_case_and_saves_nothing(city, app, t0):
    case = in_progress(city, t0)
    chief = client_for(app, city.chief)
    seen = fresh(case).version
    chief.get(f"/work/cases/{case.id}")
    with clock.travel(t0 + timedelta(hours=1)):  # the supervisor writes while the chief works
        cases.add_note(case, city.actor(city.street_supervisor), note="请尽快处理，居民多次来电")
    response = act(chief, case, "rectify", version=seen, note="已清理", photos=1)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This case changed meanwhile." in page
    assert "请尽快处理，居民多次来电" in page  # the fresh case, with what changed
    assert f'name="version" value="{seen + 1}"' in page
    assert fresh(case).state == "in_progress" and count(case, "rectify") == 0
    # Having seen it, the chief sends again and it goes through.
    assert act(chief, case, "rectify", version=seen + 1, note="已清理",
               photos=1).status_code == 303
    assert fresh(case).state == "rectified"


def test_two_people_acting_at_once_one_wins_the_other_is_told(city, app, t0):
    case = report(city, t0)
    first, second = client_for(app, city.dispatcher), client_for(app, city.district_supervisor)
    version = fresh(case).version
    assert act(first, case, "dispatch", version=version, assignee="route").status_code == 303
    response = act(second, case, "reject", version=version, preset="out_of_scope")
    assert response.status_code == 409
    assert "This case changed meanwhile." in response.get_data(as_text=True)
    assert fresh(case).state == "dispatched" and count(case, "reject") == 0


def test_sign_for_sent_twice_has_one_effect_and_a_friendly_answer(city, app, t0):
    case = dispatched(city, t0)
    chief = client_for(app, city.chief)
    version = fresh(case).version
    assert act(chief, case, "sign_for", version=version).status_code == 303
    again = act(chief, case, "sign_for", version=version)
    assert again.status_code == 303 and again.location.endswith(f"/work/cases/{case.id}")
    page = chief.get(again.location).get_data(as_text=True)
    assert "That was already done; it was recorded once." in page
    assert count(case, "sign_for") == 1 and fresh(case).version == version + 1


def test_a_note_sent_twice_is_added_once(city, app, t0):
    case = in_progress(city, t0)
    chief = client_for(app, city.chief)
    version = fresh(case).version
    act(chief, case, "add_note", version=version, note="已到场")
    again = act(chief, case, "add_note", version=version, note="已到场")
    assert again.status_code == 303
    assert count(case, "add_note") == 1


def test_a_merge_or_dispatch_sent_twice_has_one_effect(city, app, t0):
    keep, duplicate, other = dispatched(city, t0), report(city, t0), report(city, t0)
    dispatcher = client_for(app, city.dispatcher)
    version = fresh(duplicate).version
    act(dispatcher, duplicate, "merge", version=version, into=keep.code)
    assert act(dispatcher, duplicate, "merge", version=version,
               into=keep.code).status_code == 303
    assert count(duplicate, "merge") == 1
    version = fresh(other).version
    act(dispatcher, other, "dispatch", version=version, assignee="route")
    assert act(dispatcher, other, "dispatch", version=version,
               assignee="route").status_code == 303
    assert count(other, "dispatch") == 1


def test_a_form_without_the_case_version_is_refused(city, app, t0):
    case = dispatched(city, t0)
    chief = client_for(app, city.chief)
    response = chief.post(f"/work/cases/{case.id}/sign_for", data={"csrf_token": chief.csrf})
    assert response.status_code == 422
    assert "This form is out of date." in response.get_data(as_text=True)
    assert fresh(case).state == "dispatched"


def test_a_form_without_its_token_is_refused_kindly(city, app, t0):
    case = dispatched(city, t0)
    chief = client_for(app, city.chief)
    response = chief.post(f"/work/cases/{case.id}/sign_for", data={"version": "2"},
                          headers={"Referer": f"http://localhost/work/cases/{case.id}"})
    assert response.status_code == 303 and response.location.endswith(f"/work/cases/{case.id}")
    assert "The form had expired" in chief.get(response.location).get_data(as_text=True)
    assert fresh(case).state == "dispatched"


def test_an_action_refused_by_the_state_keeps_what_was_typed(city, app, t0):
    case = in_progress(city, t0)
    response = act(client_for(app, city.chief), case, "return", reason="")
    assert response.status_code == 422
    response = act(client_for(app, city.chief), case, "request_extension",
                   reason="等待材料", new_due_at="")
    page = response.get_data(as_text=True)
    assert "等待材料</textarea>" in page  # the typing is not lost

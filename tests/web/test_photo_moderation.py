"""Public photos are moderated: a resident's photo is public only once a dispatcher has
accepted the case; staff hide a photo with a reason (recorded in the history); a hidden
photo never appears on public pages or in the Open311 API."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Attachment, CaseEvent
from app.services import cases, clock
from tests.work_helpers import act, client_for, dispatched, fresh, report


def public_photo(client, a: Attachment) -> int:
    return client.get(f"/photos/{a.storage_key}").status_code


def test_a_reports_photo_is_not_public_until_a_dispatcher_accepts_it(client, city, t0):
    case = report(city, t0)
    photo = case.attachments[0]
    assert public_photo(client, photo) == 404
    assert photo.storage_key not in client.get(f"/track/{case.code}").get_data(as_text=True)
    with clock.travel(t0 + timedelta(minutes=5)):
        cases.dispatch(case, city.actor(city.dispatcher))
    assert public_photo(client, photo) == 200
    assert photo.storage_key in client.get(f"/track/{case.code}").get_data(as_text=True)


def test_staff_hide_a_photo_with_a_reason_recorded_in_the_history(app, client, city, t0):
    case = dispatched(city, t0)
    photo = case.attachments[0]
    staff = client_for(app, city.dispatcher, lang="zh_Hans_CN")
    response = staff.post(f"/work/photos/{photo.id}/hide", data={
        "csrf_token": staff.csrf, "version": fresh(case).version, "reason": "车牌号清晰可见"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Attachment, photo.id).hidden_reason == "车牌号清晰可见"
    page = staff.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "照片已对公众隐藏：车牌号清晰可见" in page  # in the history
    assert public_photo(client, photo) == 404
    assert photo.storage_key not in client.get(f"/track/{case.code}").get_data(as_text=True)
    api = client.get(f"/open311/v2/requests/{case.code}.json").get_data(as_text=True)
    assert photo.storage_key not in api
    assert staff.get(f"/work/photos/{photo.id}").status_code == 200  # staff still see it


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201, "车牌\x00号"])
def test_a_hide_without_a_usable_reason_is_refused_and_writes_nothing(app, city, t0, reason):
    case = dispatched(city, t0)
    photo = case.attachments[0]
    events = db.session.query(CaseEvent).count()
    staff = client_for(app, city.dispatcher, lang="zh_Hans_CN")
    response = staff.post(f"/work/photos/{photo.id}/hide", data={
        "csrf_token": staff.csrf, "version": fresh(case).version, "reason": reason})
    html = response.get_data(as_text=True)
    if "\x00" in reason:  # refused by the app-wide guard before the form is read
        assert response.status_code == 400 and "空字符" in html
    else:
        assert response.status_code == 422
        assert "请说明隐藏照片的原因" in html or "原因须为" in html
    db.session.expire_all()
    assert db.session.get(Attachment, photo.id).hidden_at is None
    assert db.session.query(CaseEvent).count() == events


def test_staff_outside_the_cases_place_cannot_hide_its_photos(app, city, t0):
    case = dispatched(city, t0)
    staff = client_for(app, city.far_dispatcher)
    response = staff.post(f"/work/photos/{case.attachments[0].id}/hide", data={
        "csrf_token": staff.csrf, "version": fresh(case).version, "reason": "人脸"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Attachment, case.attachments[0].id).hidden_at is None


def test_a_stale_version_hides_nothing(app, city, t0):
    case = dispatched(city, t0)
    staff = client_for(app, city.chief)
    old = fresh(case).version
    act(staff, case, "sign_for")
    response = staff.post(f"/work/photos/{case.attachments[0].id}/hide", data={
        "csrf_token": staff.csrf, "version": old, "reason": "人脸"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Attachment, case.attachments[0].id).hidden_at is None


def test_a_public_photo_is_not_kept_in_shared_caches_so_hiding_it_takes_effect(client, city,
                                                                             t0):
    photo = dispatched(city, t0).attachments[0]
    response = client.get(f"/photos/{photo.storage_key}")
    assert response.status_code == 200
    cache = response.cache_control
    assert cache.private and not cache.public and not cache.immutable
    assert cache.max_age is not None and cache.max_age <= 3600

"""Rating a closed case through the signed link from the SMS (or the tracking page of the
browser that reported it): once per person; 不满意 asks a supervisor to follow up."""

import re

from app.extensions import db
from app.models import OutboxMessage, Rating
from app.services import cases, rating_links
from app.services.actors import Actor
from tests.factories import photo
from tests.resident_helpers import (  # noqa: F401 - fresh_limits is an autouse fixture
    close_by_staff,
    counts,
    csrf,
    fresh_limits,
    post_report,
    report_data,
    the_case,
)

_LINK = re.compile(r"https://roadchief\.example\.cn(/rate/\S+)")


def _closed(city, phone="13900001111", supporter=None):
    lng, lat = city.POINT
    case = cases.submit(Actor.resident(), category_code="LD04", description="杂物堆在人行道",
                        lat=lat, lng=lng, phone=phone)
    if supporter:
        cases.support(case, Actor.resident(), phone=supporter)
    return close_by_staff(city, case)


def _sms_link(case, phone: str) -> str:
    bodies = [m.body for m in db.session.query(OutboxMessage).filter_by(
        case_id=case.id, to_phone=phone).order_by(OutboxMessage.id)]
    links = [m.group(1) for b in bodies if (m := _LINK.search(b))]
    assert links, bodies
    return links[-1]


def _rate(client, path, score, comment=""):
    token = csrf(client)  # the session's token, from the report form
    return client.post(path, data={"csrf_token": token, "score": str(score),
                                   "comment": comment})


def test_the_closing_sms_carries_a_signed_link_for_each_follower(city):
    case = _closed(city, supporter="13900002222")
    reporter, supporter = _sms_link(case, "+8613900001111"), _sms_link(case, "+8613900002222")
    assert reporter != supporter
    closing = db.session.query(OutboxMessage).filter_by(
        case_id=case.id, to_phone="+8613900001111").order_by(OutboxMessage.id.desc()).first()
    assert "1" in closing.body and "3" in closing.body  # the SMS reply still works too


def test_a_reporter_rates_through_the_link(city, client):
    case = _closed(city)
    path = _sms_link(case, "+8613900001111")
    page = client.get(path + "?lang=en").get_data(as_text=True)
    assert "How satisfied are you with the result?" in page
    assert "Basically satisfied" in page and "Dissatisfied" in page
    response = _rate(client, path, 1, "很快就处理了")
    assert response.status_code == 200
    assert "Thank you for your rating" in response.get_data(as_text=True)
    rating = db.session.query(Rating).one()
    assert (rating.score, rating.comment, rating.channel) == (1, "很快就处理了", "web")
    assert rating.needs_follow_up is False


def test_the_rating_page_is_chinese_by_default(city, client):
    case = _closed(city)
    page = client.get(_sms_link(case, "+8613900001111")).get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "杂物" not in page  # and no description shown
    assert "乱放" in page


def test_dissatisfied_flags_the_case_for_a_supervisors_follow_up(city, client):
    case = _closed(city)
    _rate(client, _sms_link(case, "+8613900001111"), 3, "车又停回来了")
    rating = db.session.query(Rating).one()
    assert rating.score == 3 and rating.needs_follow_up is True


def test_a_supporter_rates_with_their_own_link(city, client):
    case = _closed(city, supporter="13900002222")
    _rate(client, _sms_link(case, "+8613900002222"), 2)
    assert [r.contact_id for r in db.session.query(Rating)] == [
        cases.find_contact("13900002222").id]


def test_a_link_used_twice_says_it_was_already_rated(city, client):
    case = _closed(city)
    path = _sms_link(case, "+8613900001111")
    _rate(client, path, 1)
    client.get("/?lang=en")
    again = _rate(client, path, 3)
    assert again.status_code == 409
    assert "You have already rated this case" in again.get_data(as_text=True)
    assert [r.score for r in db.session.query(Rating)] == [1]


def test_an_altered_link_is_refused(city, client):
    case = _closed(city)
    path = _sms_link(case, "+8613900001111")
    forged = rating_links.token_for(case, case.reporter).split(".")[0] + ".forgedsignature"
    client.get("/?lang=en")
    flipped = path[:-8] + ("A" if path[-8] != "A" else "B") + path[-7:]
    for bad in (flipped, f"/rate/{forged}", "/rate/not-a-token", "/rate/WzEsMV0.x"):
        response = client.get(bad)
        assert response.status_code == 404
        assert "This rating link is not valid." in response.get_data(as_text=True)


def test_a_link_for_someone_who_does_not_follow_the_case_is_refused(city, client):
    case = _closed(city)
    stranger = cases.find_contact("13900007777")
    db.session.commit()
    assert client.get(f"/rate/{rating_links.token_for(case, stranger)}").status_code == 404


def test_a_case_not_yet_closed_cannot_be_rated(city, client):
    lng, lat = city.POINT
    case = cases.submit(Actor.resident(), category_code="LD04", description="杂物",
                        lat=lat, lng=lng, phone="13900001111")
    path = rating_links.path_for(case, case.reporter)
    client.get("/?lang=en")
    response = client.get(path)
    assert response.status_code == 409
    assert "You can rate this case once it is closed." in response.get_data(as_text=True)
    assert counts()["ratings"] == 0


def test_a_rating_without_a_choice_is_refused_and_the_comment_kept(city, client):
    case = _closed(city)
    path = _sms_link(case, "+8613900001111")
    client.get("/?lang=en")
    response = client.post(path, data={"csrf_token": csrf(client, path),
                                       "comment": "我还没选"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose one of the three answers." in page and "我还没选" in page
    assert counts()["ratings"] == 0


def test_a_rating_without_its_csrf_token_is_refused(city, client):
    case = _closed(city)
    response = client.post(_sms_link(case, "+8613900001111"), data={"score": "1"})
    assert response.status_code == 400 and counts()["ratings"] == 0


def test_the_tracking_page_gives_the_reporting_browser_its_rating_link(city, client):
    response = post_report(client, report_data(city, category="LD04", phone="13900004444"))
    code = response.headers["Location"].rsplit("/", 1)[1]
    close_by_staff(city, the_case(code))
    page = client.get(f"/track/{code}?lang=en").get_data(as_text=True)
    path = re.search(r'href="(/rate/[^"]+)" id="rate-link"', page).group(1)
    _rate(client, path, 2)
    after = client.get(f"/track/{code}?lang=en").get_data(as_text=True)
    assert "You rated it: Basically satisfied." in after and 'id="rate-link"' not in after


def test_another_device_asks_for_the_link_by_phone_and_gets_it_by_sms(city, client, app):
    case = _closed(city)
    path = f"/track/{case.code}"
    before = db.session.query(OutboxMessage).count()
    response = client.post(f"{path}/rating-link", data={
        "csrf_token": csrf(client, f"{path}/rating-link"), "phone": "139 0000 1111"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "a rating link is on its way" in page
    sent = db.session.query(OutboxMessage).order_by(OutboxMessage.id.desc()).first()
    assert db.session.query(OutboxMessage).count() == before + 1
    assert sent.to_phone == "+8613900001111" and "/rate/" in sent.body
    # A number that does not follow the case gets the same answer, and no message.
    other = client.post(f"{path}/rating-link", data={
        "csrf_token": csrf(client, f"{path}/rating-link"), "phone": "13900005555"})
    assert other.status_code == 303
    assert db.session.query(OutboxMessage).count() == before + 1


def test_asking_for_the_link_with_a_bad_number_says_so(city, client):
    case = _closed(city)
    path = f"/track/{case.code}"
    client.get("/?lang=en")
    response = client.post(f"{path}/rating-link", data={
        "csrf_token": csrf(client, f"{path}/rating-link"), "phone": "12"})
    assert response.status_code == 422
    assert "That phone number is not valid." in response.get_data(as_text=True)


def test_a_strangers_tracking_page_has_no_form_and_sets_no_cookie(city, app):
    case = _closed(city)
    stranger = app.test_client(use_cookies=False)
    response = stranger.get(f"/track/{case.code}", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "<form" not in page and 'id="ask-rating-link"' in page
    asked = stranger.get(f"/track/{case.code}/rating-link",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="rating-link-form"' in asked and 'name="csrf_token"' in asked


def test_the_rating_link_page_is_only_for_a_closed_case(city, client):
    lng, lat = city.POINT
    case = cases.submit(Actor.resident(), category_code="LD04", description="杂物堆在人行道",
                        lat=lat, lng=lng, phone="13900001111")
    response = client.get(f"/track/{case.code}/rating-link")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/track/{case.code}")
    assert client.get("/track/ZZZZZZZZ/rating-link").status_code == 404


def test_the_rating_page_shows_the_rectification_note_and_the_photos_before_and_after(
        city, client):
    lng, lat = city.POINT
    from tests.factories import photo

    case = cases.submit(Actor.resident(), category_code="LD04", description="杂物堆在人行道",
                        lat=lat, lng=lng, phone="13900001111", photos=[photo()])
    case = close_by_staff(city, case)
    page = client.get(_sms_link(case, "+8613900001111")).get_data(as_text=True)
    assert '<p class="note" id="rectification-note">已拖离</p>' in page
    after = page[page.index('id="after-photos"'):]
    before = page[page.index('id="result"'):page.index('id="after-photos"')]
    after_keys = {a.storage_key for a in case.attachments if a.kind == "after"}
    before_keys = {a.storage_key for a in case.attachments if a.kind == "before"}
    assert after_keys and all(f"/photos/{k}/thumb" in after for k in after_keys)
    assert before_keys and all(f"/photos/{k}/thumb" in before for k in before_keys)


def test_after_a_reopen_the_new_closing_sms_brings_a_new_link_and_the_old_one_is_spent(
        city, client):
    case = _closed(city)
    first = _sms_link(case, "+8613900001111")
    assert _rate(client, first, 3).status_code == 200  # 不满意: the supervisor reopens it
    case = cases.reopen(case, city.actor(city.district_supervisor), reason="回访不满意")
    actor = city.actor(case.assignee_user) if case.assignee_user else city.actor(
        city.traffic_staff)
    case = cases.rectify(case, actor, note="重新清理", photos=[photo()])
    cases.verify(case, city.actor(city.inspector), passed=True)
    second = _sms_link(case, "+8613900001111")
    assert second != first
    old = _rate(client, first, 1)
    assert old.status_code != 200
    assert [r.score for r in db.session.query(Rating).order_by(Rating.id)] == [3]
    client.get("/?lang=en")
    page = client.get(second).get_data(as_text=True)
    assert "How satisfied are you with the result?" in page
    assert _rate(client, second, 1).status_code == 200
    assert [r.score for r in db.session.query(Rating).order_by(Rating.id)] == [3, 1]
    assert _rate(client, second, 2).status_code == 409  # this closure is rated

"""The resident channel's services: privacy of reporters, nearby open cases, signed rating
links, thumbnails."""

from pathlib import Path

import pytest
from PIL import Image

from app.services import cases, media, nearby, places, rating_links
from app.services.actors import Actor
from app.services.errors import NotFound
from app.services.privacy import mask_phone, reporter_phone_for
from tests.factories import photo


def _report(city, point=None, category="LD03", phone="13900001111", **kw):
    lng, lat = point or city.POINT
    return cases.submit(Actor.resident(), category_code=category, description="占道",
                        lat=lat, lng=lng, phone=phone, **kw)


@pytest.mark.parametrize("phone, masked", [
    ("+8613900001111", "139****1111"), ("+14155550123", "141****0123"), ("+861234", "****"),
    (None, ""), ("", "")])
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked


def test_staff_see_a_masked_number_and_nothing_of_an_anonymous_reporter(city):
    open_case = _report(city)
    hidden = _report(city, phone="13900002222", anonymous=True)
    for user in (city.dispatcher, city.chief, city.traffic_staff, city.city_supervisor,
                 city.admin):
        assert reporter_phone_for(city.actor(user), open_case) == "139****1111"
        assert reporter_phone_for(city.actor(user), hidden) is None


def test_the_system_and_the_reporter_see_the_number_in_full(city):
    case = _report(city, anonymous=True)
    assert reporter_phone_for(Actor.system(), case) == "+8613900001111"
    assert reporter_phone_for(Actor.resident(case.reporter), case) == "+8613900001111"
    other = cases.find_contact("13900009999")
    assert reporter_phone_for(Actor.resident(other), case) is None


def test_a_case_without_a_number_has_none_to_show(city):
    case = _report(city, phone=None)
    assert reporter_phone_for(city.actor(city.dispatcher), case) is None


def test_nearby_finds_open_cases_of_the_category_within_the_radius_nearest_first(city):
    lng, lat = city.POINT
    near = _report(city, point=(lng + 0.0003, lat))
    nearest = _report(city, point=(lng + 0.0001, lat))
    _report(city, point=(lng + 0.002, lat))  # about 190 m: outside 150 m
    _report(city, category="LD07")  # another category
    found = nearby.near_point(cases.get_case(near.code).category, lat, lng, radius_m=150)
    assert [c.case.code for c in found] == [nearest.code, near.code]
    assert found[0].distance_m == 10 and found[1].distance_m == 29


def test_nearby_crosses_area_borders_and_skips_closed_and_rejected_cases(city):
    from tests.resident_helpers import close_by_staff

    lng, lat = 114.3039, 30.602  # at the edge of area 1, next to area 2
    over_the_border = _report(city, point=(114.3041, 30.602))
    closed = close_by_staff(city, _report(city, point=(114.3038, 30.602)))
    rejected = cases.reject(_report(city, point=(114.3037, 30.602)),
                            city.actor(city.dispatcher), reason="重复")
    found = [c.case.code for c in nearby.near_point(over_the_border.category, lat, lng)]
    assert over_the_border.code in found
    assert closed.code not in found and rejected.code not in found


def test_nearby_includes_cases_placed_by_road_without_a_point(city):
    by_list = cases.submit(Actor.resident(), category_code="LD03", description="占道",
                           area_id=city.area.id)
    lng, lat = city.POINT
    found = nearby.near_point(by_list.category, lat, lng)
    assert [(c.case.code, c.distance_m) for c in found] == [(by_list.code, None)]


def test_the_city_is_the_box_around_its_areas_with_a_margin(city):
    assert places.in_city(*reversed(city.POINT))
    assert places.in_city(30.600, 114.295)  # just beyond the outermost area
    assert not places.in_city(*reversed(city.NOWHERE))


def test_a_rating_link_belongs_to_one_case_and_one_follower(city):
    case = _report(city)
    token = rating_links.token_for(case, case.reporter)
    assert rating_links.load(token) == (case, case.reporter)
    assert rating_links.url_for(case, case.reporter).startswith(
        "https://roadchief.example.cn/rate/")
    with pytest.raises(NotFound):
        rating_links.load(token + "x")
    other = _report(city, phone="13900002222")
    with pytest.raises(NotFound):  # a follower of another case
        rating_links.load(rating_links.token_for(case, other.reporter))


def test_a_link_signed_with_another_key_is_refused(city, app):
    case = _report(city)
    token = rating_links.token_for(case, case.reporter)
    key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another key"
    try:
        with pytest.raises(NotFound):
            rating_links.load(token)
    finally:
        app.config["SECRET_KEY"] = key


def test_every_stored_photo_has_a_thumbnail_and_an_old_one_gets_it_on_demand(city, app):
    case = _report(city, photos=[photo(size=(900, 600), fmt="PNG")])
    key = case.attachments[0].storage_key
    thumb = Path(app.config["UPLOAD_DIR"]) / media.thumb_key(key)
    assert thumb.exists()
    thumb.unlink()
    with app.test_request_context():
        assert media.respond(key, "image/png", thumb=True).status_code == 200
    with Image.open(thumb) as again:
        assert again.size == (320, 213)

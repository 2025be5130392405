"""Reporting a problem on /report: the form, the confirmation, photos, anonymity, and every
kind of bad input (a clear message, the form as typed, nothing stored)."""

import io
from pathlib import Path

import pytest
from PIL import Image

from app.extensions import db
from app.models import Attachment, Case, CaseFollower
from app.services import cases, clock
from app.services.actors import Actor
from tests.resident_helpers import (  # noqa: F401 - fresh_limits is an autouse fixture
    counts,
    csrf,
    fresh_limits,
    jpeg,
    post_report,
    report_data,
    stored_files,
    the_case,
)


def _code_from(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[1]


# -- the page ------------------------------------------------------------------------------


def test_the_report_page_is_chinese_first_with_the_catalogue_grouped_and_hinted(city, client):
    page = client.get("/report").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "乱停" in page and "机动车占用人行道、盲道或消防通道" in page  # name and hint
    assert page.index("乱停") < page.index("共享单车乱停放")  # ten disorders, then frequent
    assert "#i-car" in page  # each category has its icon
    assert 'name="csrf_token"' in page


def test_the_report_page_has_an_english_switch(city, client):
    page = client.get("/report?lang=en").get_data(as_text=True)
    assert "Report a problem" in page and "Illegal motor-vehicle parking" in page
    assert 'lang="en"' in page


def test_the_start_page_links_to_report_track_and_cases(city, client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/report"' in page and 'href="/track"' in page and 'href="/cases"' in page


def test_without_a_map_the_roads_and_areas_can_be_searched_on_the_server(city, client):
    page = client.get("/report?q=黄浦").get_data(as_text=True)
    assert "黄浦路沿线" in page and "解放大道沿线" not in page
    by_alias = client.get("/report?q=解放路").get_data(as_text=True)  # a road's alias
    assert "解放大道沿线" in by_alias and "黄浦路沿线" not in by_alias


def test_the_search_button_filters_the_list_and_keeps_the_form(city, client, app):
    page = _refused(client, app, report_data(city, category=None, area_id="", q="黄浦",
                                             action="search", description="我写的描述"),
                    files=[jpeg()], status=200)
    assert "黄浦路沿线" in page and "解放大道沿线" not in page
    assert "我写的描述" in page and 'name="held"' in page
    assert "Choose what kind of problem it is." not in page  # no scolding while searching


def test_the_map_is_configurable_and_leaflet_is_vendored_with_its_licence(city, client, app):
    app.config["MAP_TILE_URL"] = "https://tiles.example.cn/{z}/{x}/{y}.png"
    try:
        page = client.get("/report").get_data(as_text=True)
    finally:
        app.config["MAP_TILE_URL"] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "https://tiles.example.cn/{z}/{x}/{y}.png" in page  # in the map's data-basemap
    assert "/static/vendor/leaflet/leaflet.js" in page
    root = Path(app.static_folder) / "vendor" / "leaflet"
    assert "Volodymyr Agafonkin" in (root / "LICENSE").read_text()
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200


# -- a good report ----------------------------------------------------------------------------


def test_a_report_by_road_list_gives_a_code_time_limit_and_next_steps(city, client, t0):
    with clock.travel(t0):
        response = post_report(client, report_data(city, phone="139 0000 1111"))
        code = _code_from(response)
        page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    case = the_case(code)
    assert case.category.code == "LD03" and case.area_id == city.area.id
    assert case.channel == "web" and case.reporter.phone == "+8613900001111"
    assert f"{code[:4]}-{code[4:]}" in page
    assert "Time limit: 2 working hours from dispatch." in page
    assert "What happens next" in page
    assert "139****1111" in page and "13900001111" not in page


def test_a_report_by_map_pin_is_routed_by_the_point(city, client):
    lng, lat = city.POINT2
    response = post_report(client, report_data(city, area_id="", lat=str(lat), lng=str(lng)))
    case = the_case(_code_from(response))
    assert case.area_id == city.area2.id and case.lat == pytest.approx(lat)


def test_a_point_in_the_city_but_outside_every_area_is_kept_for_a_dispatcher(city, client):
    lng, lat = city.POINT[0] + 0.009, city.POINT[1] - 0.006  # a gap between the areas
    response = post_report(client, report_data(city, area_id="", lat=str(lat), lng=str(lng)))
    case = the_case(_code_from(response))
    assert case.area_id is None and case.unrouted_reason == "no_area"


def test_photos_are_stored_without_metadata_and_with_a_thumbnail(city, client, app):
    image = Image.new("RGB", (1200, 900), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif.tobytes())
    code = _code_from(post_report(client, report_data(city),
                                  files=[(buf.getvalue(), "a.jpg"), jpeg(fmt="PNG")]))
    shots = db.session.query(Attachment).filter_by(case_id=the_case(code).id).all()
    assert [a.kind for a in shots] == ["before", "before"]
    root = Path(app.config["UPLOAD_DIR"])
    stored = (root / shots[0].storage_key).read_bytes()
    assert b"SpyCam" not in stored and b"Exif" not in stored
    with Image.open(root / f"{shots[0].storage_key}.thumb.jpg") as thumb:
        assert max(thumb.size) <= 320 and thumb.format == "JPEG"


def test_an_anonymous_report_keeps_the_number_for_texts_but_is_marked_anonymous(city, client):
    code = _code_from(post_report(client, report_data(city, phone="13900002222",
                                                      anonymous="y")))
    case = the_case(code)
    assert case.anonymous is True and case.reporter.phone == "+8613900002222"


def test_script_in_the_description_is_shown_escaped(city, client):
    evil = '<script>alert("x")</script> 车停在盲道上'
    response = post_report(client, report_data(city, description=evil))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page


# -- bad input: a clear message, the form as typed, nothing stored -----------------------------


def _refused(client, app, data, files=None, status=422, lang="en"):
    before_rows, before_files = counts(), stored_files(app)
    client.get(f"/report?lang={lang}")
    response = post_report(client, data, files)
    assert response.status_code == status, response.get_data(as_text=True)[:1500]
    db.session.expire_all()
    assert counts() == before_rows
    assert stored_files(app) == before_files
    return response.get_data(as_text=True)


def test_a_missing_category_is_refused_and_the_text_is_kept(city, client, app):
    page = _refused(client, app, report_data(city, category=None, phone="13900003333",
                                             description="井盖不见了，很危险"))
    assert "Choose what kind of problem it is." in page
    assert "井盖不见了，很危险" in page and 'value="13900003333"' in page


def test_a_missing_location_is_refused(city, client, app):
    page = _refused(client, app, report_data(city, area_id=""))
    assert "Please say where the problem is" in page
    assert "人行道上停了一辆白色小车" in page


def test_a_point_outside_the_city_is_refused(city, client, app):
    lng, lat = city.NOWHERE
    page = _refused(client, app, report_data(city, area_id="", lat=str(lat), lng=str(lng)))
    assert "That point is outside the city." in page


def test_a_description_over_the_limit_is_refused(city, client, app):
    page = _refused(client, app, report_data(city, description="堵" * 4001))
    assert "That text is too long (at most 4000 characters)." in page


def test_a_missing_description_is_refused(city, client, app):
    page = _refused(client, app, report_data(city, description="  "))
    assert "Please describe the problem." in page


def test_a_file_that_is_not_an_image_is_refused(city, client, app):
    page = _refused(client, app, report_data(city), files=[(b"%PDF-1.4 not a photo", "x.jpg")])
    assert "That file is not a photo we can read." in page


def test_a_gif_is_refused_as_a_format_we_do_not_take(city, client, app):
    page = _refused(client, app, report_data(city), files=[jpeg(fmt="GIF")])
    assert "Photos must be JPEG, PNG or WebP." in page


def test_a_broken_image_is_refused(city, client, app):
    data, name = jpeg(size=(400, 300))
    page = _refused(client, app, report_data(city), files=[(data[: len(data) // 2], name)])
    assert "That file is not a photo we can read." in page


def test_an_oversized_photo_is_refused(city, client, app):
    app.config["MAX_PHOTO_BYTES"] = 1024
    try:
        page = _refused(client, app, report_data(city), files=[jpeg(size=(600, 600))])
    finally:
        app.config["MAX_PHOTO_BYTES"] = 8 * 1024 * 1024
    assert "A photo may be at most" in page


def test_more_than_four_photos_are_refused(city, client, app):
    page = _refused(client, app, report_data(city), files=[jpeg() for _ in range(5)])
    assert "At most 4 photos." in page


def test_an_invalid_phone_number_is_refused(city, client, app):
    page = _refused(client, app, report_data(city, phone="12345"))
    assert "That phone number is not valid." in page and 'value="12345"' in page


def test_the_messages_are_in_chinese_for_a_chinese_browser(city, client, app):
    page = _refused(client, app, report_data(city, phone="12345"), lang="zh_Hans_CN")
    assert "电话号码无效。" in page  # a message from the existing catalogue


def test_good_photos_are_kept_when_the_form_comes_back(city, client, app):
    page = _refused(client, app, report_data(city, category=None), files=[jpeg()])
    assert 'name="held"' in page and "data:image/jpeg;base64," in page
    token = page.split('name="held" value="')[1].split('"')[0]
    code = _code_from(post_report(client, report_data(city, held=token)))
    assert len(the_case(code).attachments) == 1


def test_a_form_without_its_csrf_token_is_refused_and_kept(city, client, app):
    client.get("/report?lang=en")
    before = counts()
    response = client.post("/report", data=report_data(city, description="没有令牌的表单"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This form was open too long or came from elsewhere." in page
    assert "没有令牌的表单" in page
    assert counts() == before


# -- is it one of these? ---------------------------------------------------------------------


def _existing(city, category="LD03", point=None):
    lng, lat = point or city.POINT
    return cases.submit(Actor.resident(), category_code=category, description="早就有人报过",
                        lat=lat, lng=lng, phone="13900009999")


def test_nearby_open_cases_of_the_same_category_are_offered_before_submitting(city, client):
    first = _existing(city)
    lng, lat = city.POINT[0] + 0.0005, city.POINT[1]  # about 50 m away
    client.get("/report?lang=en")
    response = post_report(client, report_data(city, area_id="", lat=str(lat), lng=str(lng)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Is it one of these?" in page and f'value="{first.code}"' in page
    assert "about 48 m away" in page
    assert db.session.query(Case).count() == 1  # nothing made yet


def test_other_categories_and_far_cases_are_not_offered(city, client):
    _existing(city, category="LD07")  # litter, same spot
    _existing(city, point=(city.POINT[0] + 0.003, city.POINT[1]))  # about 290 m away
    lng, lat = city.POINT
    response = post_report(client, report_data(city, area_id="", lat=str(lat), lng=str(lng)))
    assert response.status_code == 303  # nothing to offer: the report is made


def test_choosing_a_nearby_case_joins_it_instead_of_making_a_duplicate(city, client):
    first = _existing(city)
    lng, lat = city.POINT
    data = report_data(city, area_id="", lat=str(lat), lng=str(lng), phone="13900004444")
    offered = post_report(client, data).get_data(as_text=True)
    assert f'value="{first.code}"' in offered
    response = post_report(client, dict(data, support=first.code, action=None))
    assert response.status_code == 303 and response.headers["Location"].endswith(first.code)
    assert db.session.query(Case).count() == 1
    case = the_case(first.code)
    assert cases.support_count(case) == 1
    kinds = {f.contact.phone: f.kind for f in
             db.session.query(CaseFollower).filter_by(case_id=case.id)}
    assert kinds["+8613900004444"] == "supporter"
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "you were added to this case" in page


def test_saying_it_is_different_sends_a_new_report(city, client):
    _existing(city)
    lng, lat = city.POINT
    data = report_data(city, area_id="", lat=str(lat), lng=str(lng))
    offered = post_report(client, data).get_data(as_text=True)
    seen = offered.split('id="nearby_seen" name="nearby_seen" type="hidden" value="')[1]
    response = post_report(client, dict(data, nearby_seen=seen.split('"')[0]))
    assert response.status_code == 303
    assert db.session.query(Case).count() == 2


def test_without_a_point_the_open_cases_of_the_chosen_area_are_offered(city, client):
    first = _existing(city)
    page = post_report(client, report_data(city, nearby_seen="")).get_data(as_text=True)
    assert f'value="{first.code}"' in page


def test_joining_a_closed_case_is_refused_with_a_message(city, client):
    from tests.resident_helpers import close_by_staff

    first = close_by_staff(city, _existing(city))
    client.get("/report?lang=en")
    response = post_report(client, dict(report_data(city), support=first.code))
    assert response.status_code == 409
    assert "Cannot report the same problem: the case is Closed." in response.get_data(
        as_text=True)
    assert cases.support_count(the_case(first.code)) == 0


def test_the_json_check_gives_the_place_in_words_and_the_nearby_cases(city, client):
    first = _existing(city)
    lng, lat = city.POINT
    data = client.get(f"/report/check.json?category=LD03&lat={lat}&lng={lng}",
                      headers={"Accept-Language": "en"}).get_json()
    assert data["in_city"] and data["area_id"] == city.area.id
    assert data["place"] == "解放大道沿线, Dazhi, Jiang'an District"
    assert [c["code"] for c in data["cases"]] == [first.code]
    assert "9999" not in str(data) and "早就有人报过" not in str(data)  # no personal data
    far = client.get("/report/check.json?category=LD03&lat=30.4&lng=114.2").get_json()
    assert far["in_city"] is False and far["cases"] == []


# -- abuse: rate limits ----------------------------------------------------------------------


def test_the_json_check_is_limited_too(city, client, app):
    app.config["CHECK_LIMIT_PER_ADDRESS"] = "2 per minute"
    try:
        answers = [client.get("/report/check.json?category=LD03&area_id=1",
                              headers={"Accept": "application/json"}).status_code
                   for _ in range(3)]
    finally:
        app.config["CHECK_LIMIT_PER_ADDRESS"] = "120 per minute"
    assert answers == [200, 200, 429]


@pytest.mark.parametrize("hops, forwarded_apart", [(0, False), (1, True)])
def test_the_per_address_limit_sees_the_client_behind_a_proxy_only_when_told(
        city, app, monkeypatch, hops, forwarded_apart):
    """PROXY_HOPS=1 (behind nginx): each client's X-Forwarded-For address has its own
    limit. Unset: the header is ignored, so nobody dodges the limit by forging it."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app import create_app

    proxied = create_app({**app.config, "PROXY_HOPS": hops})
    assert isinstance(proxied.wsgi_app, ProxyFix) == bool(hops)
    if hops:  # the same wiring on the tests' app (whose limiter settings the test sets)
        assert proxied.wsgi_app.x_for == 1
        monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1,
                                                      x_host=1))
    monkeypatch.setitem(app.config, "CHECK_LIMIT_PER_ADDRESS", "2 per minute")
    client = app.test_client()

    def ask(address):
        return client.get("/report/check.json?category=LD03&area_id=1",
                          headers={"Accept": "application/json",
                                   "X-Forwarded-For": address}).status_code

    assert [ask("203.0.113.7"), ask("203.0.113.7"), ask("203.0.113.7")] == [200, 200, 429]
    assert ask("198.51.100.9") == (200 if forwarded_apart else 429)


def test_too_many_reports_from_one_address_get_a_friendly_message(city, client, app):
    app.config["REPORT_LIMIT_PER_ADDRESS"] = "2 per hour"
    try:
        for _ in range(2):
            assert post_report(client, report_data(city)).status_code == 303
        client.get("/report?lang=en")
        response = post_report(client, report_data(city, description="第三次"))
    finally:
        app.config["REPORT_LIMIT_PER_ADDRESS"] = "20 per hour; 60 per day"
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600  # within the hour's window
    page = response.get_data(as_text=True)
    assert "Please wait a while before sending another one." in page
    assert "第三次" in page  # the form is kept
    assert db.session.query(Case).count() == 2


def test_too_many_reports_from_one_phone_are_limited_whatever_the_address(city, client, app):
    app.config["REPORT_LIMIT_PER_PHONE"] = "1 per hour"
    try:
        first = post_report(client, report_data(city, phone="13900005555"))
        again = post_report(client, report_data(city, phone="139-0000-5555"),
                            ) if first.status_code == 303 else None
        other = app.test_client()  # another browser, same number
        blocked = post_report(other, report_data(city, phone="+8613900005555"))
        free = post_report(other, report_data(city, phone="13900006666"))
    finally:
        app.config["REPORT_LIMIT_PER_PHONE"] = "5 per hour; 20 per day"
    assert first.status_code == 303
    assert again.status_code == 429 and blocked.status_code == 429
    assert free.status_code == 303


def test_forms_sent_back_for_corrections_do_not_count_against_the_limit(city, client, app):
    app.config["REPORT_LIMIT_PER_ADDRESS"] = "1 per hour"
    try:
        for _ in range(3):
            assert post_report(client, report_data(city, category=None)).status_code == 422
        ok = post_report(client, report_data(city))
    finally:
        app.config["REPORT_LIMIT_PER_ADDRESS"] = "20 per hour; 60 per day"
    assert ok.status_code == 303


def test_the_limits_can_be_switched_off(city, client, app):
    app.config.update(RATELIMIT_ENABLED=False, REPORT_LIMIT_PER_ADDRESS="1 per hour")
    try:
        for _ in range(3):
            assert post_report(client, report_data(city)).status_code == 303
    finally:
        app.config.update(RATELIMIT_ENABLED=True, REPORT_LIMIT_PER_ADDRESS="20 per hour")


def test_the_confirmation_page_is_only_for_the_browser_that_reported(city, client, app):
    code = _code_from(post_report(client, report_data(city, phone="13900007777")))
    stranger = app.test_client().get(f"/report/sent/{code}")
    assert stranger.status_code == 302 and stranger.headers["Location"].endswith(
        f"/track/{code}")
    assert csrf(client)  # and the reporter's own browser still has a working form


def test_scripts_are_linked_with_a_version_of_their_content(client):
    # nginx lets browsers keep static files a week: a new release's page must not run with
    # an old release's scripts, so each link names its file's content.
    import hashlib
    import re
    from pathlib import Path

    page = client.get("/report").get_data(as_text=True)
    links = dict(re.findall(r'src="/static/(js/[\w.-]+\.js)\?v=(\w+)"', page))
    assert "js/basemap.js" in links and "js/report.js" in links
    static = Path(__file__).resolve().parents[2] / "static"
    for name, version in links.items():
        assert version == hashlib.sha256((static / name).read_bytes()).hexdigest()[:12]
    assert client.get(f"/static/js/basemap.js?v={links['js/basemap.js']}").status_code == 200

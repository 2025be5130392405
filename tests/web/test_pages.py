"""The first page: Chinese first, English beside it, no personal data."""

from datetime import timedelta

from app.services import cases, clock
from app.services.actors import Actor


def _a_case(city, t0):
    with clock.travel(t0):
        return cases.submit(Actor.resident(), category_code="LD03", description="人行道上停了车",
                            lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")


def test_the_start_page_speaks_chinese_by_default(city, client, t0):
    case = _a_case(city, t0)
    page = client.get("/").get_data(as_text=True)
    assert "路长制" in page and "待受理" in page and "乱停" in page
    assert f"{case.code[:4]}-{case.code[4:]}" in page
    assert "13900001111" not in page and "1111" not in page  # no resident's number
    assert 'lang="zh-CN"' in page


def test_accept_language_zh_cn_picks_chinese_and_en_picks_english(city, client):
    zh = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "路长制" in zh
    en = client.get("/", headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    assert "Road Chief" in en and "Illegal motor-vehicle parking" in en


def test_the_language_switch_is_remembered(city, client):
    assert "Road Chief" in client.get("/?lang=en").get_data(as_text=True)
    assert "Road Chief" in client.get("/").get_data(as_text=True)
    assert "路长制" in client.get("/?lang=zh_Hans_CN").get_data(as_text=True)


def test_an_unknown_page_is_a_404_in_the_users_language(ctx, client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "您访问的页面不存在" in response.get_data(as_text=True)


def test_healthz_answers_with_the_operational_facts(ctx, client):
    from app.services import sweep

    sweep.sweep()
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["outbox"]["pending"] == 0 and "last_sweep" in body


def test_healthz_fails_when_no_sweep_ever_ran(ctx, client):
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "unhealthy"
    assert response.get_json()["last_sweep"]["finished_at"] is None


def test_dates_are_shown_in_shanghai_time(city, client, t0):
    _a_case(city, t0 + timedelta(hours=8))  # 09:00 UTC = 17:00 in Wuhan
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "5:00" in page and "9:00" not in page

"""The monthly bulletin can be printed and handed out: a masthead with the issuing body,
issue number and date of issue (configurable, checked), no command-line hints or empty
maps, chart labels that fit beside their bars."""

import pytest

from app.supervise.charts import _text_width, fit
from tests.web.test_supervise import get, history, login  # noqa: F401 - the fixture

ZH = "zh-CN,zh;q=0.9"


def test_the_masthead_names_the_issuer_the_issue_and_the_date(client, history):  # noqa: F811
    page = get(login(client, history.city_supervisor), "/supervise/bulletin?month=2026-11",
               lang=ZH).text
    assert 'id="masthead"' in page and "2026年第11期" in page and "2026年12月2日" in page
    assert "路长制办公室" in page
    assert "flask metrics check" not in page


def test_the_masthead_can_be_set_on_the_page(client, history):  # noqa: F811
    page = get(login(client, history.city_supervisor),
               "/supervise/bulletin?month=2026-11&issuer=江岸区城市运行管理中心"
               "&issue=第12期&issued=2026-12-05", lang=ZH).text
    assert "江岸区城市运行管理中心" in page and "第12期" in page and "2026年12月5日" in page


def test_the_issuer_comes_from_the_configuration_by_default(app, client, history):  # noqa: F811
    app.config["BULLETIN_ISSUER"] = "武汉市路长制办公室"
    try:
        page = get(login(client, history.city_supervisor),
                   "/supervise/bulletin?month=2026-11", lang=ZH).text
    finally:
        app.config["BULLETIN_ISSUER"] = ""
    assert '<div class="issuer">武汉市路长制办公室</div>' in page


@pytest.mark.parametrize("query, words", [
    ("issuer=", "发文单位须为"), ("issuer=" + "长" * 61, "发文单位须为"),
    ("issue=%01", "期号须为"), ("issued=2026-13-01", "印发日期须为日期"),
    ("issued=tomorrow", "印发日期须为日期"), ("issued=1900-01-01", "印发日期须为日期"),
])
def test_bad_bulletin_settings_are_refused_in_the_readers_language(client, history, query,  # noqa: F811
                                                                  words):
    response = get(login(client, history.city_supervisor),
                   f"/supervise/bulletin?month=2026-11&{query}", lang=ZH)
    assert response.status_code == 422
    assert words in response.text


def test_a_month_without_hotspots_prints_no_empty_map(client, history):  # noqa: F811
    page = get(login(client, history.city_supervisor),
               "/supervise/bulletin?month=2026-11&min=50", lang=ZH).text
    hotspots = page[page.rindex('<section class="sheet page-break">'):]
    assert "<svg" not in hotspots


def test_long_chart_labels_are_cut_to_fit_beside_their_bars():
    label = fit("江岸区大智街道解放大道沿线责任区路长（张伟）", 188)
    assert label.endswith("…") and _text_width(label) <= 188
    assert fit("Dazhi", 188) == "Dazhi"

"""The base map as configuration: OpenStreetMap by default and unchanged, Tianditu (vector or
imagery with its label layer and key), AMap and Tencent in GCJ-02, several layers, the
attribution and 审图号 on every map, "open in a map" per provider in its own coordinates, and
the CSP letting images come from the configured tile hosts only."""

from __future__ import annotations

import html
import json
import re
from contextlib import contextmanager

import pytest

from app import create_app
from app.base_map import MapConfigError, base_map
from app.services.coordinates import wgs84_to_gcj02
from tests.intake_helpers import operator
from tests.resident_helpers import fresh_limits  # noqa: F401 - an autouse fixture
from tests.work_helpers import client_for, report

MAP_KEYS = ("MAP_PROVIDER", "MAP_TILE_URL", "MAP_LAYERS", "MAP_CRS", "MAP_KEY",
            "MAP_ATTRIBUTION", "MAP_APPROVAL", "MAP_OPEN_URL")


@contextmanager
def map_settings(app, **settings):
    kept = {key: app.config.get(key) for key in MAP_KEYS}
    app.config.update(settings)
    try:
        yield
    finally:
        app.config.update(kept)


def basemap_on(page: str) -> dict:
    """The data-basemap settings a page hands to static/js/basemap.js."""
    found = re.search(r'data-basemap="([^"]*)"', page)
    assert found, "no data-basemap attribute"
    return json.loads(html.unescape(found.group(1)))


def img_src(response) -> list[str]:
    csp = response.headers["Content-Security-Policy"]
    return csp.split("img-src")[1].split(";")[0].split()


def open_link(page: str) -> str:
    found = re.search(r'<a id="open-in-map" href="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else ""


# -- OpenStreetMap, the development default, is unchanged ------------------------------------


def test_by_default_every_map_is_openstreetmap_in_wgs84(city, app, client):
    settings = basemap_on(client.get("/report").get_data(as_text=True))
    assert settings["crs"] == "WGS84"
    assert [layer["url"] for layer in settings["layers"]] == [
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
    assert "OpenStreetMap" in settings["attribution"]
    assert basemap_on(client.get("/cases").get_data(as_text=True)) == settings


def test_by_default_images_may_come_from_openstreetmap_and_no_other_map_host(app, client):
    sources = img_src(client.get("/"))
    assert sources == ["'self'", "data:", "blob:", "https://tile.openstreetmap.org"]


def test_by_default_open_in_a_map_is_openstreetmap_at_the_stored_position(city, app, t0):
    case = report(city, t0)  # at (114.302, 30.602)
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert open_link(page) == ("https://www.openstreetmap.org/?mlat=30.602000&mlon=114.302000"
                               "#map=18/30.602000/114.302000")
    assert basemap_on(page)["crs"] == "WGS84"


def test_no_tiles_at_all_leaves_the_outlines_and_no_map_host(city, app, client):
    with map_settings(app, MAP_TILE_URL=""):
        assert basemap_on(client.get("/report").get_data(as_text=True))["layers"] == []
        assert img_src(client.get("/")) == ["'self'", "data:", "blob:"]


# -- Chinese providers -------------------------------------------------------------------------


def test_tianditu_vector_draws_its_label_layer_over_it_with_the_key(city, app, client):
    with map_settings(app, MAP_PROVIDER="tianditu", MAP_KEY="abc123"):
        settings = basemap_on(client.get("/report").get_data(as_text=True))
        sources = img_src(client.get("/"))
    urls = [layer["url"] for layer in settings["layers"]]
    assert len(urls) == 2
    assert "/vec_w/" in urls[0] and "LAYER=vec" in urls[0]
    assert "/cva_w/" in urls[1] and "LAYER=cva" in urls[1]
    assert all("tk=abc123" in url for url in urls)
    assert settings["crs"] == "WGS84"  # CGCS2000: drawn as stored
    assert "天地图" in settings["attribution"]
    assert [f"https://t{n}.tianditu.gov.cn" for n in range(8)] == sources[3:]


def test_tianditu_imagery_comes_with_the_imagery_labels(city, app, client):
    with map_settings(app, MAP_PROVIDER="tianditu-img", MAP_KEY="abc123"):
        settings = basemap_on(client.get("/report").get_data(as_text=True))
    urls = [layer["url"] for layer in settings["layers"]]
    assert "LAYER=img" in urls[0] and "LAYER=cia" in urls[1]


@pytest.mark.parametrize("provider", ["amap", "tencent"])
def test_amap_and_tencent_are_drawn_in_gcj02(city, app, client, provider):
    with map_settings(app, MAP_PROVIDER=provider):
        settings = basemap_on(client.get("/report").get_data(as_text=True))
        sources = img_src(client.get("/"))
    assert settings["crs"] == "GCJ02"
    assert "https://tile.openstreetmap.org" not in sources
    host = "is.autonavi.com" if provider == "amap" else "map.gtimg.com"
    assert sources[3:] and all(host in source for source in sources[3:])


def test_amaps_open_link_is_its_marker_page_in_gcj02(city, app, t0):
    case = report(city, t0)
    with map_settings(app, MAP_PROVIDER="amap"):
        page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}") \
            .get_data(as_text=True)
    lng, lat = wgs84_to_gcj02(114.302, 30.602)
    assert open_link(page) == (f"https://uri.amap.com/marker?position={lng:.6f},{lat:.6f}"
                               "&coordinate=gaode&callnative=0")
    assert "114.302000" not in open_link(page)  # the stored WGS-84 would be 590 m off there


def test_tencents_open_link_is_its_marker_uri_in_gcj02(city, app, t0):
    case = report(city, t0)
    with map_settings(app, MAP_PROVIDER="tencent"):
        page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}") \
            .get_data(as_text=True)
    lng, lat = wgs84_to_gcj02(114.302, 30.602)
    assert open_link(page).startswith(
        f"https://apis.map.qq.com/uri/v1/marker?marker=coord:{lat:.6f},{lng:.6f}")


def test_tianditus_open_link_keeps_the_stored_position(city, app, t0):
    case = report(city, t0)
    with map_settings(app, MAP_PROVIDER="tianditu", MAP_KEY="k"):
        page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}") \
            .get_data(as_text=True)
    assert "lng=114.302000&lat=30.602000" in open_link(page)


def test_the_attribution_and_the_approval_number_reach_every_map(city, app, t0):
    case, op = report(city, t0), operator(city)
    approval = "审图号：GS(2025)1234号 <b>"
    with map_settings(app, MAP_PROVIDER="amap", MAP_APPROVAL=approval,
                      MAP_ATTRIBUTION="© 高德软件 <a href=\"https://www.amap.com/\">高德地图</a>"):
        pages = {path: client_for(app, user).get(path).get_data(as_text=True)
                 for path, user in (("/report", None), ("/cases", None),
                                    (f"/work/cases/{case.id}", city.dispatcher),
                                    ("/patrol/", city.inspector), ("/hotline/", op))}
    for path, page in pages.items():
        credit = basemap_on(page)["attribution"]
        assert credit.startswith("© 高德软件 <a href"), path
        # the approval is text, never markup
        assert "审图号：GS(2025)1234号 &lt;b&gt;" in credit, path


def test_several_layers_of_ones_own_in_gcj02(city, app, client):
    layers = [{"url": "https://tiles.city.example.cn/base/{z}/{x}/{y}.png", "max_zoom": 18},
              {"url": "https://l{s}.city.example.cn/labels/{z}/{x}/{y}.png?k={key}",
               "subdomains": "12"}]
    with map_settings(app, MAP_LAYERS=json.dumps(layers), MAP_CRS="GCJ02", MAP_KEY="s3cr&t"):
        settings = basemap_on(client.get("/report").get_data(as_text=True))
        sources = img_src(client.get("/"))
    assert settings["crs"] == "GCJ02"
    assert [layer["url"] for layer in settings["layers"]] == [
        "https://tiles.city.example.cn/base/{z}/{x}/{y}.png",
        "https://l{s}.city.example.cn/labels/{z}/{x}/{y}.png?k=s3cr%26t"]
    assert sources[3:] == ["https://tiles.city.example.cn", "https://l1.city.example.cn",
                           "https://l2.city.example.cn"]


# -- settings that cannot work stop the app at start --------------------------------------


@pytest.mark.parametrize("settings", [
    {"MAP_PROVIDER": "baidu"},
    {"MAP_LAYERS": "not json"},
    {"MAP_LAYERS": '[{"subdomains": "1"}]'},
    {"MAP_CRS": "BD09"},
])
def test_a_map_setting_that_cannot_work_stops_the_app_at_start(app, settings):
    assert pytest.raises(MapConfigError, base_map, settings)
    with pytest.raises(MapConfigError):
        create_app({"TESTING": True, "SCHEDULER_IN_PROCESS": "off",
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                    **settings})


def test_a_tile_url_with_leaflets_subdomain_placeholder_allows_each_subdomain(app, client):
    with map_settings(app, MAP_TILE_URL="https://{s}.tile.example.cn/{z}/{x}/{y}.png"):
        sources = img_src(client.get("/"))
    assert [f"https://{s}.tile.example.cn" for s in "abc"] == sources[3:]

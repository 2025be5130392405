"""The report map on a GCJ-02 base map (AMap, Tencent) in Chromium: a tap on the spot where
the tiles show a known crossing stores that crossing's WGS-84 position within 10 m, the areas'
outlines lie on the tiles where those places are drawn, and the attribution and 审图号 are on
the map. OpenStreetMap, the default, is unchanged.

No network: the tile requests are answered by the test with a blank generated image. Where a
place is "on the tiles" is computed here from the tile grid alone (Web Mercator, 256-pixel
tiles, the x/y/z in each tile's URL), not from the app's JavaScript."""

from __future__ import annotations

import io
import json
import math
import re
from contextlib import contextmanager

import pytest
from PIL import Image

from app.services.coordinates import wgs84_to_gcj02
from tests.browser.admin_browser import admin_page
from tests.browser.conftest import shot
from tests.resident_helpers import the_case
from tests.work_helpers import report

# Where the areas 解放大道沿线 (JA01-01) and 黄浦路沿线 (JA01-02) meet 中山大道's stretch: the
# fixture city's crossing, a corner of both outlines.
CROSSING = (114.304, 30.604)
# A spot on 解放大道, 70 m south-west of the crossing, where the resident taps.
ON_JIEFANG = (114.3035, 30.6035)

MAP_KEYS = ("MAP_PROVIDER", "MAP_TILE_URL", "MAP_LAYERS", "MAP_CRS", "MAP_KEY",
            "MAP_ATTRIBUTION", "MAP_APPROVAL", "MAP_OPEN_URL")
# provider: (tile URL pattern to answer, how to read x, y, z from a tile's URL)
TILES = {
    "amap": ("https://webrd0*.is.autonavi.com/**",
             lambda q: (int(q["x"]), int(q["y"]), int(q["z"]))),
    "tencent": ("https://rt*.map.gtimg.com/**",  # Tencent counts rows from the south
                lambda q: (int(q["x"]), 2 ** int(q["z"]) - 1 - int(q["y"]), int(q["z"]))),
    None: ("https://tile.openstreetmap.org/**", None),
}


def _blank_tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (236, 240, 232)).save(out, "PNG")
    return out.getvalue()


@contextmanager
def map_settings(app, **settings):
    kept = {key: app.config.get(key) for key in MAP_KEYS}
    app.config.update(settings)
    try:
        yield
    finally:
        app.config.update(kept)


def metres(a, b) -> float:
    (lng1, lat1), (lng2, lat2) = a, b
    k = math.radians
    return 6371008.8 * math.hypot(k(lng1 - lng2) * math.cos(k(lat1)), k(lat1 - lat2))


def _tile_of(src: str, provider) -> tuple[int, int, int]:
    if provider is None:
        z, x, y = re.search(r"/(\d+)/(\d+)/(\d+)\.png", src).groups()
        return int(x), int(y), int(z)
    query = dict(re.findall(r"[?&](\w+)=([^&]*)", src))
    return TILES[provider][1](query)


def on_tiles(page, provider, lng: float, lat: float, within: str = "#map", zoom=None):
    """The screen pixel where the loaded tiles draw (lng, lat) of the tiles' own system."""
    for tile in page.locator(f"{within} img.leaflet-tile-loaded").all():
        x, y, z = _tile_of(tile.get_attribute("src"), provider)
        if zoom is not None and z != zoom:
            continue
        n = 2 ** z
        fx = (lng + 180) / 360 * n
        fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        if int(fx) == x and int(fy) == y:
            box = tile.bounding_box()
            return box["x"] + (fx - x) * box["width"], box["y"] + (fy - y) * box["height"]
    raise AssertionError(f"no loaded tile draws {lng}, {lat}")


def outline_corners(page, within: str = "#map") -> list[tuple[float, float]]:
    """Every corner of every outline Leaflet drew, in screen pixels."""
    return [tuple(p) for p in page.evaluate("""(within) => {
        const out = [];
        document.querySelectorAll(within + ' .leaflet-overlay-pane path').forEach((path) => {
            const m = path.getScreenCTM();
            const d = path.getAttribute('d') || '';
            for (const [, x, y] of d.matchAll(/[ML](-?[\\d.]+) (-?[\\d.]+)/g)) {
                out.push([m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
            }
        });
        return out;
    }""", within)]


def open_report_map(page, live_server, provider, near):
    """The report page with the phone at ``near`` (WGS-84), its map settled at street level."""
    pattern = TILES[provider][0]
    tile = _blank_tile()
    page.context.route(pattern, lambda route: route.fulfill(body=tile, content_type="image/png"))
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation({"latitude": near[1], "longitude": near[0]})
    page.goto(live_server + "/report")
    page.wait_for_function("""() => { const m = document.getElementById('map');
        return m.dataset.view === 'position' && m.dataset.zoomLevel === '17'
            && !m.querySelector('.leaflet-zoom-anim')
            && m.querySelectorAll('.leaflet-overlay-pane path').length > 0; }""")
    page.wait_for_function("""() => [...document.querySelectorAll('#map img.leaflet-tile')]
        .some((t) => t.classList.contains('leaflet-tile-loaded')
                     && /[=/]17(&|\\/|$)/.test(t.src))""")
    page.locator("#map").scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # Leaflet's last pan frame


def tap_and_send(page, provider, point_on_tiles):
    """Tap the map where the tiles draw the place; return the position the form will send."""
    x, y = on_tiles(page, provider, *point_on_tiles)
    page.mouse.click(x, y)
    page.wait_for_function("document.getElementById('lat').value !== ''")
    sent = (float(page.input_value("#lng")), float(page.input_value("#lat")))
    pin = page.locator("#map .leaflet-marker-icon").bounding_box()
    return sent, (x, y), (pin["x"] + pin["width"] / 2, pin["y"] + pin["height"])


@pytest.mark.browser
@pytest.mark.parametrize("provider", ["amap", "tencent"])
def test_a_tap_on_a_gcj02_map_stores_the_wgs84_place_within_10_m(
        live_server, page, city, app, provider):
    approval = "审图号：GS(2025)1234号"
    with map_settings(app, MAP_PROVIDER=provider, MAP_APPROVAL=approval):
        open_report_map(page, live_server, provider, CROSSING)
        # The outlines are shifted with the tiles: the crossing's corner lies where the
        # tiles draw the crossing (GCJ-02), not 590 m away where WGS-84 would put it.
        seen = on_tiles(page, provider, *wgs84_to_gcj02(*CROSSING))
        nearest = min(math.dist(seen, corner) for corner in outline_corners(page))
        assert nearest < 2.0, f"the outline's corner is {nearest:.1f} px off the crossing"

        sent, tapped, pin = tap_and_send(page, provider, wgs84_to_gcj02(*ON_JIEFANG))
        assert metres(sent, ON_JIEFANG) < 10, f"{metres(sent, ON_JIEFANG):.1f} m off"
        assert math.dist(tapped, pin) < 3  # the pin stands where the resident tapped
        page.wait_for_function(
            "document.getElementById('place-words').textContent.includes('解放大道沿线')")

        credit = page.locator("#map .leaflet-control-attribution")
        assert credit.is_visible()
        text = credit.inner_text()
        assert ("高德地图" if provider == "amap" else "腾讯地图") in text and approval in text
        shot(page, f"base-map-{provider}-tap")

        page.click("label:has(input[value=LD03])")
        page.fill("#description", "解放大道上有车停在人行道上")
        page.fill("#phone", "13900007777")
        page.click("#send")
        page.wait_for_selector("#tracking-code")
    case = the_case(page.locator("#tracking-code").inner_text().replace("-", "").strip())
    assert metres((case.lng, case.lat), ON_JIEFANG) < 10
    assert case.area_id == city.area.id


@pytest.mark.browser
def test_a_dragged_pin_stores_the_wgs84_place_where_it_was_dropped(live_server, page, city, app):
    with map_settings(app, MAP_PROVIDER="amap", MAP_APPROVAL="审图号：GS(2025)1234号"):
        open_report_map(page, live_server, "amap", CROSSING)
        tap_and_send(page, "amap", wgs84_to_gcj02(*ON_JIEFANG))
        icon = page.locator("#map .leaflet-marker-icon").bounding_box()
        grab = (icon["x"] + icon["width"] / 2, icon["y"] + icon["height"] / 2)
        anchor = (icon["x"] + icon["width"] / 2, icon["y"] + icon["height"])
        drop = on_tiles(page, "amap", *wgs84_to_gcj02(*CROSSING))
        page.mouse.move(*grab)
        page.mouse.down()
        for step in range(1, 11):  # Leaflet follows a drag move by move
            page.mouse.move(grab[0] + (drop[0] - anchor[0]) * step / 10,
                            grab[1] + (drop[1] - anchor[1]) * step / 10)
        page.mouse.up()
        page.wait_for_function(f"Math.abs(+document.getElementById('lat').value - "
                               f"{ON_JIEFANG[1]}) > 0.0005")
        sent = (float(page.input_value("#lng")), float(page.input_value("#lat")))
        assert metres(sent, CROSSING) < 10, f"{metres(sent, CROSSING):.1f} m off"
        assert page.locator("#map .leaflet-marker-icon").count() == 1  # moved, not added


@pytest.mark.browser
def test_on_openstreetmap_a_tap_stores_the_place_as_drawn(live_server, page, city, app):
    with map_settings(app, MAP_PROVIDER="", MAP_APPROVAL="",
                      MAP_TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png"):
        open_report_map(page, live_server, None, CROSSING)
        seen = on_tiles(page, None, *CROSSING)
        assert min(math.dist(seen, c) for c in outline_corners(page)) < 2.0
        sent, tapped, pin = tap_and_send(page, None, ON_JIEFANG)
        assert metres(sent, ON_JIEFANG) < 10
        assert math.dist(tapped, pin) < 3
        assert "OpenStreetMap" in page.locator("#map .leaflet-control-attribution").inner_text()
        srcs = [t.get_attribute("src") for t in page.locator("#map img.leaflet-tile").all()]
        assert srcs and all(s.startswith("https://tile.openstreetmap.org/") for s in srcs)


@pytest.mark.browser
def test_an_area_drawn_on_a_gcj02_map_is_stored_where_its_corners_were_seen(
        live_server, new_page, city, app):
    corners = [(114.300, 30.600), (114.304, 30.600), (114.304, 30.604), (114.300, 30.604)]
    with map_settings(app, MAP_PROVIDER="amap"):
        page = new_page("en-US")
        tile = _blank_tile()
        page.context.route(TILES["amap"][0],
                           lambda route: route.fulfill(body=tile, content_type="image/png"))
        page = admin_page(lambda locale: page, app, live_server, city.admin)
        page.goto(f"{live_server}/admin/areas/{city.area.id}")
        drawing = page.locator(".draw .draw-map")
        drawing.scroll_into_view_if_needed()
        page.wait_for_function("""() => document.querySelectorAll(
            '.draw-map img.leaflet-tile-loaded').length > 0
            && document.querySelectorAll('.draw-map path.other').length > 0""")
        page.wait_for_timeout(300)
        # the neighbour's outline lies on the tiles where its corner is drawn
        seen = on_tiles(page, "amap", *wgs84_to_gcj02(*CROSSING), within=".draw-map")
        assert min(math.dist(seen, c) for c in outline_corners(page, ".draw-map")) < 2.0
        page.click("[data-draw-clear]")
        clicked = [on_tiles(page, "amap", *wgs84_to_gcj02(*c), within=".draw-map")
                   for c in corners]
        for x, y in clicked:
            page.mouse.click(x, y)
        shot(page, "base-map-admin-draw-amap")
        # the drawn boundary is shown where it was clicked
        mine = page.locator(".draw-map path.mine").bounding_box()
        xs, ys = [x for x, _ in clicked], [y for _, y in clicked]
        assert abs(mine["x"] - min(xs)) < 2.5 and abs(mine["y"] - min(ys)) < 2.5
        assert abs(mine["x"] + mine["width"] - max(xs)) < 2.5
        assert abs(mine["y"] + mine["height"] - max(ys)) < 2.5
        drawn = json.loads(page.input_value("textarea[name=polygon]"))["coordinates"][0]
    assert len(drawn) == 5 and drawn[0] == drawn[-1]
    for got, meant in zip(drawn, corners, strict=False):
        assert metres(tuple(got), meant) < 10, f"{metres(tuple(got), meant):.1f} m off"


@pytest.mark.browser
def test_the_hotspots_lie_on_a_gcj02_map_where_their_places_are_drawn(
        live_server, new_page, city, app, t0):
    for _ in range(3):  # one problem reported three times at one place
        report(city, t0, code="LD09", point=ON_JIEFANG)
    with map_settings(app, MAP_PROVIDER="amap"):
        page = new_page("en-US")
        tile = _blank_tile()
        page.context.route(TILES["amap"][0],
                           lambda route: route.fulfill(body=tile, content_type="image/png"))
        page = admin_page(lambda locale: page, app, live_server, city.city_supervisor)
        page.goto(f"{live_server}/supervise/hotspots?month=2026-11&radius=50&min=2")
        page.locator("#hotspot-map").scroll_into_view_if_needed()
        page.wait_for_function("""() => document.querySelectorAll(
            '#hotspot-map img.leaflet-tile-loaded').length > 0
            && document.querySelectorAll('#hotspot-map path.spot').length === 1""")
        page.wait_for_timeout(300)
        assert not page.locator("#hotspot-chart").is_visible()  # the map replaces the sketch
        spot = json.loads(page.locator("#hotspot-map").get_attribute("data-spots"))[0]
        seen = on_tiles(page, "amap", *wgs84_to_gcj02(spot["lng"], spot["lat"]),
                        within="#hotspot-map")
        circle = page.locator("#hotspot-map path.spot").bounding_box()
        centre = (circle["x"] + circle["width"] / 2, circle["y"] + circle["height"] / 2)
        assert math.dist(seen, centre) < 2.0
        crossing = on_tiles(page, "amap", *wgs84_to_gcj02(*CROSSING), within="#hotspot-map")
        assert min(math.dist(crossing, c) for c in outline_corners(page, "#hotspot-map")) < 2.0
        shot(page, "base-map-hotspots-amap")


def _on_amap(page, app, live_server, user, path, within):
    tile = _blank_tile()
    page.context.route(TILES["amap"][0],
                       lambda route: route.fulfill(body=tile, content_type="image/png"))
    if user is not None:
        page = admin_page(lambda locale: page, app, live_server, user)
    page.goto(live_server + path)
    page.locator(within).first.scroll_into_view_if_needed()
    page.wait_for_function(f"""() => document.querySelectorAll(
        '{within} img.leaflet-tile-loaded').length > 0""")
    page.wait_for_timeout(300)
    return page


@pytest.mark.browser
def test_a_case_on_the_staff_page_is_pinned_where_a_gcj02_map_draws_its_place(
        live_server, new_page, city, app, t0):
    case = report(city, t0, point=ON_JIEFANG)
    with map_settings(app, MAP_PROVIDER="amap"):
        page = _on_amap(new_page("en-US"), app, live_server, city.dispatcher,
                        f"/work/cases/{case.id}", "figure.map")
        seen = on_tiles(page, "amap", *wgs84_to_gcj02(*ON_JIEFANG), within="figure.map")
        pin = page.locator("figure.map .leaflet-marker-icon").bounding_box()
        assert math.dist(seen, (pin["x"] + pin["width"] / 2, pin["y"] + pin["height"])) < 2.0


@pytest.mark.browser
def test_a_public_case_is_marked_where_a_gcj02_map_draws_its_place(
        live_server, new_page, city, app, t0):
    report(city, t0, point=ON_JIEFANG)
    with map_settings(app, MAP_PROVIDER="amap"):
        page = _on_amap(new_page("en-US"), app, live_server, None, "/cases", "#map")
        place = wgs84_to_gcj02(*ON_JIEFANG)
        zoom = _tile_of(page.locator("#map img.leaflet-tile-loaded").first
                        .get_attribute("src"), "amap")[2]
        seen = on_tiles(page, "amap", *place, zoom=zoom)
        for _ in range(3):  # closer, around the case: a double click keeps it under the mouse
            page.mouse.dblclick(*seen)
            zoom += 1
            page.wait_for_function(f"""() => [...document.querySelectorAll(
                '#map img.leaflet-tile-loaded')].some((t) => /[?&]z={zoom}(&|$)/.test(t.src))""")
            page.wait_for_timeout(500)
            seen = on_tiles(page, "amap", *place, zoom=zoom)
        boxes = [p.bounding_box() for p in page.locator("#map .leaflet-overlay-pane path").all()]
        marks = [(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2) for b in boxes
                 if b and b["width"] < 20]  # the case's circle, not an area's outline
        assert marks and min(math.dist(seen, m) for m in marks) < 2.0


@pytest.mark.browser
def test_under_the_csp_tianditu_draws_both_its_layers_and_nothing_else_loads(
        live_server, new_page, city, app):
    page = new_page(csp=True)  # the app's Content-Security-Policy enforced
    tile = _blank_tile()
    asked = []

    def answer(route):
        asked.append(route.request.url)
        route.fulfill(body=tile, content_type="image/png")

    page.context.route("https://*.tianditu.gov.cn/**", answer)
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    with map_settings(app, MAP_PROVIDER="tianditu", MAP_KEY="k-123",
                      MAP_APPROVAL="审图号：GS(2024)0650号"):
        page.goto(live_server + "/report")
        page.wait_for_selector("#map img.leaflet-tile-loaded")
        page.wait_for_timeout(500)
        layers = {re.search(r"LAYER=(\w+)", url).group(1) for url in asked}
        assert layers == {"vec", "cva"}
        assert all("tk=k-123" in url for url in asked)
        assert refused == []
        assert "审图号：GS(2024)0650号" in page.locator(
            "#map .leaflet-control-attribution").inner_text()


@pytest.mark.browser
def test_a_tap_on_the_patrol_map_over_gcj02_tiles_fills_the_wgs84_place(
        live_server, new_page, city, app):
    with map_settings(app, MAP_PROVIDER="amap"):
        page = _on_amap(new_page("en-US"), app, live_server, city.inspector, "/patrol/", "#map")
        place = wgs84_to_gcj02(*ON_JIEFANG)
        zoom = _tile_of(page.locator("#map img.leaflet-tile-loaded").first
                        .get_attribute("src"), "amap")[2]
        seen = on_tiles(page, "amap", *place, zoom=zoom)
        while zoom < 17:  # to street level around the place, which stays under the mouse
            page.mouse.dblclick(*seen)
            zoom += 1
            page.wait_for_function(f"""() => [...document.querySelectorAll(
                '#map img.leaflet-tile-loaded')].some((t) => /[?&]z={zoom}(&|$)/.test(t.src))""")
            page.wait_for_timeout(500)
            seen = on_tiles(page, "amap", *place, zoom=zoom)
        page.mouse.click(*seen)
        page.wait_for_timeout(300)
        sent = (float(page.input_value("#lng")), float(page.input_value("#lat")))
        assert metres(sent, ON_JIEFANG) < 10, f"{metres(sent, ON_JIEFANG):.1f} m off"

"""An administrator creates a responsibility area by uploading a GeoJSON file, in a real
browser, and sees it on the map."""

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Area
from app.services import reference_data
from app.services import routing as routing_service
from tests.browser.admin_browser import admin_page
from tests.browser.conftest import shot
from tests.factories import box


@pytest.mark.browser
def test_an_area_is_created_by_uploading_geojson(live_server, new_page, app, city):
    page = admin_page(new_page, app, live_server, city.admin)
    page.goto(live_server + "/admin/areas/new")
    page.fill("input[name=code]", "JA01-03")
    page.select_option("select[name=street]", "JA01")
    page.fill("input[name=name_zh]", "胜利街沿线")
    page.fill("input[name=name_en]", "Shengli Street")
    page.fill("textarea[name=roads]", "胜利街 | 胜利路\n洞庭街")
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": box(114.308, 30.600)}]}
    page.set_input_files("input[name=polygon_file]", files=[{
        "name": "shengli.geojson", "mimeType": "application/geo+json",
        "buffer": json.dumps(geojson).encode()}])
    shot(page, "admin-area-upload")
    page.click("text=Save area")

    assert page.locator(".flash").first.inner_text() == "Area JA01-03 saved."
    area = db.session.scalar(select(Area).where(Area.code == "JA01-03"))
    assert [r.name for r in area.roads] == ["胜利街", "洞庭街"]
    reference_data.invalidate()
    assert routing_service.locate(114.310, 30.602).code == "JA01-03"
    # the sketch shows the uploaded boundary beside its neighbours
    assert page.locator(".draw svg path.mine").count() == 1
    shot(page, "admin-area-saved")

    page.goto(live_server + "/admin/map")
    assert page.locator("path[data-area='JA01-03']").count() == 1
    assert page.locator("path[data-overlap]").count() == 0
    shot(page, "admin-area-map")


@pytest.mark.browser
def test_a_self_intersecting_upload_is_refused_and_nothing_is_saved(live_server, new_page, app,
                                                                   city):
    page = admin_page(new_page, app, live_server, city.admin)
    page.goto(live_server + "/admin/areas/new")
    page.fill("input[name=code]", "JA01-03")
    page.fill("input[name=name_zh]", "坏区域")
    bowtie = {"type": "Polygon", "coordinates": [[[114.30, 30.60], [114.31, 30.61],
                                                  [114.31, 30.60], [114.30, 30.61],
                                                  [114.30, 30.60]]]}
    page.set_input_files("input[name=polygon_file]", files=[{
        "name": "bad.geojson", "mimeType": "application/json",
        "buffer": json.dumps(bowtie).encode()}])
    page.click("text=Save area")
    assert "edges cross each other" in page.locator("[data-error=polygon]").inner_text()
    shot(page, "admin-area-refused")
    assert db.session.scalar(select(Area).where(Area.code == "JA01-03")) is None


@pytest.mark.browser
def test_an_area_is_drawn_by_clicking_corners(live_server, new_page, app, city):
    page = admin_page(new_page, app, live_server, city.admin)
    page.goto(live_server + "/admin/areas/new")
    page.fill("input[name=code]", "JA01-09")
    page.fill("input[name=name_zh]", "手绘区域")
    sketch = page.locator(".draw .draw-map")  # the base map (Leaflet is vendored)
    sketch.scroll_into_view_if_needed()
    b = sketch.bounding_box()
    for fx, fy in ((0.3, 0.3), (0.6, 0.3), (0.6, 0.6), (0.3, 0.6)):  # clear of the zoom buttons
        page.mouse.click(b["x"] + b["width"] * fx, b["y"] + b["height"] * fy)
    drawn = json.loads(page.input_value("textarea[name=polygon]"))
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
    shot(page, "admin-area-drawn")
    page.click("text=Save area")
    assert page.locator(".flash").first.inner_text() == "Area JA01-09 saved."

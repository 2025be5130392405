"""Places as data: areas drawn or uploaded as GeoJSON (bad polygons refused with a reason),
their roads and aliases, and the map's overlaps and gaps."""

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Area, AuditEntry, Road
from app.services import routing as routing_service
from app.services.admin import Invalid, area_map, commit, places
from tests.factories import box


@pytest.fixture(autouse=True)
def _messages_in_english(ctx):
    """These tests read the messages' English wording (Chinese is the default)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield



def _area(**overrides):
    data = {"code": "JA01-03", "street": "JA01", "name_zh": "胜利街沿线",
            "name_en": "Shengli Street", "polygon": json.dumps(box(114.308, 30.600)),
            "roads": "胜利街 | 胜利路, 胜利街口\n洞庭街"}
    data.update(overrides)
    return data


def test_a_new_area_routes_reports_at_once_and_keeps_its_roads(city):
    area = places.save_area(city.admin, _area())
    commit()
    assert routing_service.locate(114.310, 30.602).id == area.id
    roads = {r.name: r.aliases for r in area.roads}
    assert roads == {"胜利街": ["胜利路", "胜利街口"], "洞庭街": []}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "area"))
    assert entry.action == "create" and entry.after["code"] == "JA01-03"


def test_a_geojson_feature_or_collection_of_one_is_accepted(city):
    feature = {"type": "Feature", "properties": {}, "geometry": box(114.308, 30.600)}
    area = places.save_area(city.admin, _area(polygon=json.dumps(
        {"type": "FeatureCollection", "features": [feature]})))
    assert area.polygon["type"] == "Polygon"


BOWTIE = {"type": "Polygon", "coordinates": [[[114.30, 30.60], [114.31, 30.61],
                                              [114.31, 30.60], [114.30, 30.61],
                                              [114.30, 30.60]]]}


@pytest.mark.parametrize(("polygon", "says"), [
    ("{not json", "not valid GeoJSON"),
    (json.dumps(BOWTIE), "cross each other"),
    (json.dumps({"type": "Polygon", "coordinates": []}), "empty"),
    (json.dumps({"type": "Polygon", "coordinates": [[[114.3, 30.6], [114.3, 30.6],
                                                     [114.3, 30.6], [114.3, 30.6]]]}),
     "empty"),
    (json.dumps({"type": "Point", "coordinates": [114.3, 30.6]}), "not Point"),
    (json.dumps({"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}), "malformed"),
    (json.dumps(box(30.6, 114.3)), "longitude, latitude"),  # swapped axes
    ("", "has no polygon"),
])
def test_a_bad_polygon_is_refused_with_the_reason(city, polygon, says):
    with pytest.raises(Invalid) as refused:
        places.save_area(city.admin, _area(polygon=polygon))
    db.session.rollback()
    assert says in str(refused.value.problems["polygon"])
    assert db.session.scalar(select(Area).where(Area.code == "JA01-03")) is None


def test_an_unknown_street_a_taken_code_and_a_repeated_road_are_refused(city):
    with pytest.raises(Invalid) as refused:
        places.save_area(city.admin, _area(code="JA01-01", street="JA99",
                                           roads="胜利街\n胜利街"))
    assert set(refused.value.problems) == {"code", "street", "roads"}


def test_redrawing_an_area_changes_routing_and_keeps_the_record(city):
    assert routing_service.locate(*city.POINT).id == city.area.id
    data = {**_area(), "code": city.area.code, "roads": places.roads_text(city.area),
            "polygon": json.dumps(box(114.290, 30.590, 0.003))}
    places.save_area(city.admin, data, city.area)
    commit()
    assert routing_service.locate(*city.POINT) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "area"))
    assert set(entry.before) == {"polygon", "name_zh", "name_en"}


def test_roads_removed_from_an_area_are_gone_and_aliases_update(city):
    data = {**_area(), "code": city.area.code, "polygon": json.dumps(city.area.polygon),
            "roads": "解放大道 | 解放路, 大道"}
    places.save_area(city.admin, data, city.area)
    commit()
    roads = db.session.scalars(select(Road).where(Road.area_id == city.area.id)).all()
    assert [(r.name, r.aliases) for r in roads] == [("解放大道", ["解放路", "大道"])]


def test_an_area_in_use_cannot_be_deleted_but_an_unused_one_can(city):
    with pytest.raises(Invalid):
        places.delete_area(city.admin, city.area)
    spare = places.save_area(city.admin, _area())
    commit()
    places.delete_area(city.admin, spare)
    commit()
    assert db.session.scalar(select(Area).where(Area.code == "JA01-03")) is None


def test_the_map_shows_overlaps_and_gaps_between_areas(city):
    # city.area and city.area2 touch; this one overlaps area2 by half its width
    places.save_area(city.admin, _area(polygon=json.dumps(box(114.306, 30.600))))
    commit()
    result = area_map.analyse()
    assert [s.key for s in result.overlaps] == ["JA01-02 ∩ JA01-03"]
    assert 80_000 < result.overlaps[0].m2 < 90_000  # 0.002° × 0.004° in Wuhan ≈ 85,000 m²
    assert result.gaps == []  # the wide strips between the rows of areas are outside, not gaps
    places.save_area(city.admin, _area(code="JA01-04", polygon=json.dumps(
        box(114.300, 30.6042, 0.0038))))  # leaves a 20 m sliver above JA01-01
    commit()
    result = area_map.analyse()
    assert len(result.gaps) == 1 and 7_000 < result.gaps[0].m2 < 10_000
    assert all(s.path.startswith("M") for s in result.areas + result.overlaps + result.gaps)


def test_adjacent_areas_without_holes_have_no_gap(city):
    rows = [("A", "a", box(114.300, 30.600), 1), ("B", "b", box(114.304, 30.600), 1)]
    result = area_map.analyse(rows)
    assert result.overlaps == [] and result.gaps == []


def test_a_narrow_sliver_between_neighbours_is_a_gap(city):
    rows = [("A", "a", box(114.300, 30.600), 1), ("B", "b", box(114.3041, 30.600), 1)]
    result = area_map.analyse(rows)
    assert len(result.gaps) == 1 and 3_000 < result.gaps[0].m2 < 5_000


def test_a_hole_enclosed_by_areas_is_a_gap(city):
    ring = {"type": "Polygon", "coordinates": [
        [[114.30, 30.60], [114.32, 30.60], [114.32, 30.62], [114.30, 30.62], [114.30, 30.60]],
        [[114.305, 30.605], [114.315, 30.605], [114.315, 30.615], [114.305, 30.615],
         [114.305, 30.605]]]}
    result = area_map.analyse([("R", "ring", ring, 1)])
    assert len(result.gaps) == 1 and result.gaps[0].m2 > 1_000_000

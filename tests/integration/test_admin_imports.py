"""Bulk import: a dry run lists every row's problem before anything is written; only a
clean file applies, and all of it in one transaction."""

import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Area, AuditEntry, Case, CaseEvent, Category, User
from app.services import cases, clock
from app.services import routing as routing_service
from app.services.actors import Actor
from app.services.admin import imports
from tests.admin_helpers import collection, feature
from tests.factories import user
from workflows.routing import LimitKind, Urgency

STAFF = """username,display_name,role,phone,place,agency,active,language
liuyang,刘洋,road_chief,13911110001,JA01-02,,yes,zh_Hans_CN
chenjing,陈静,inspector,,JA02,,yes,en
zhaolei,赵磊,dispatcher,,JA99,,yes,zh_Hans_CN
"""

@pytest.fixture(autouse=True)
def _messages_in_english(ctx):
    """These tests read the messages' English wording (Chinese is the default)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield



def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_staff_file_with_one_bad_row_is_refused_with_that_row_named(city):
    before = users()
    report = imports.dry_run(city.admin, "staff", STAFF.encode(), "staff.csv")
    assert not report.ok
    assert [(r.number, r.action) for r in report.rows if not r.problems] == [
        (2, "create"), (3, "create")]
    [bad] = [r for r in report.rows if r.problems]
    assert bad.number == 4 and bad.key == "zhaolei"
    assert bad.problems == ["place: No district, street or area has the code JA99."]
    assert imports.apply(city.admin, "staff", STAFF.encode(), "staff.csv").applied is False
    assert users() == before


def test_a_clean_staff_file_creates_accounts_with_temporary_passwords(city):
    content = STAFF.replace("JA99", "JA").encode()
    report = imports.apply(city.admin, "staff", content, "staff.csv")
    assert report.applied and set(report.passwords) == {"liuyang", "chenjing", "zhaolei"}
    chen = db.session.scalar(select(User).where(User.username == "chenjing"))
    assert chen.street_id == city.street2.id and chen.language == "en"
    sources = set(db.session.scalars(select(AuditEntry.source)))
    assert sources == {"import staff.csv"}
    again = imports.dry_run(city.admin, "staff", content, "staff.csv")
    assert again.ok and again.count("unchanged") == 3


def test_an_xlsx_staff_file_imports_like_a_csv(city):
    content = xlsx([["username", "display_name", "role", "place"],
                    ["sunli", "孙丽", "supervisor", "JA01"],
                    ["chief", "路长甲", "road_chief", "JA01-01"]])
    report = imports.apply(city.admin, "staff", content, "staff.xlsx")
    assert report.applied
    assert [(r.key, r.action) for r in report.rows] == [("sunli", "create"), ("chief", "update")]
    assert db.session.get(User, city.chief.id).display_name == "路长甲"
    assert db.session.get(User, city.chief.id).phone == "+8613800000001"  # not in the file


def test_a_file_called_xlsx_that_is_not_one_is_refused(city):
    report = imports.dry_run(city.admin, "staff", STAFF.encode(), "staff.xlsx")
    assert not report.ok and "not an XLSX workbook" in str(report.problems[0])
    report = imports.dry_run(city.admin, "staff", b"PK\x03\x04garbage", "staff.csv")
    assert "not an XLSX workbook" in str(report.problems[0])


def test_a_csv_with_unknown_or_missing_columns_is_refused_before_any_row(city):
    report = imports.dry_run(city.admin, "staff", b"username,nickname\nx,y\n", "staff.csv")
    messages = " ".join(str(p) for p in report.problems)
    assert "Unknown columns: nickname" in messages
    assert "Missing columns: display_name, role" in messages
    assert report.rows == []


def test_a_gb18030_csv_from_chinese_excel_is_read(city):
    content = "username,display_name,role,place\nzhouxun,周迅,inspector,JA01\n".encode("gb18030")
    report = imports.apply(city.admin, "staff", content, "staff.csv")
    assert report.applied
    assert db.session.scalar(select(User.display_name).where(User.username == "zhouxun")) == "周迅"


def test_the_same_username_twice_is_a_problem_on_the_second_row(city):
    content = (STAFF.replace("JA99", "JA") + "LiuYang,刘洋二,dispatcher,,JA,,yes,\n").encode()
    report = imports.dry_run(city.admin, "staff", content, "staff.csv")
    [bad] = [r for r in report.rows if r.problems]
    assert bad.number == 5 and "appears twice" in bad.problems[0]


def test_an_empty_file_and_a_header_only_file_are_refused(city):
    assert "empty" in str(imports.dry_run(city.admin, "staff", b"", "s.csv").problems[0])
    header = b"username,display_name,role\n"
    assert "no rows" in str(imports.dry_run(city.admin, "staff", header, "s.csv").problems[0])


def test_the_staff_export_imports_back_unchanged(city):
    rows = [imports.staff_row(u) for u in db.session.scalars(select(User))]
    for fmt in ("csv", "xlsx"):
        content = imports.write_table(imports.STAFF_COLUMNS, rows, fmt)
        report = imports.dry_run(city.admin, "staff", content, f"staff.{fmt}")
        assert report.ok and report.count("unchanged") == len(rows)


# -- areas ---------------------------------------------------------------------------------------


def test_areas_from_geojson_are_created_and_route_at_once(city):
    content = collection(
        feature("JA01-03", "JA01", 114.308, 30.600, roads=["胜利街"]),
        feature("JA01-04", "JA01", 114.312, 30.600,
                roads=[{"name": "洞庭街", "aliases": ["洞庭路"]}]),
    ).encode()
    report = imports.apply(city.admin, "areas", content, "areas.geojson")
    assert report.applied and report.count("create") == 2
    assert routing_service.locate(114.314, 30.602).code == "JA01-04"
    area = db.session.scalar(select(Area).where(Area.code == "JA01-04"))
    assert [(r.name, r.aliases) for r in area.roads] == [("洞庭街", ["洞庭路"])]


def test_bad_features_are_each_named_and_nothing_is_written(city):
    bowtie = feature("JA01-05", "JA01", 114.316, 30.600)
    bowtie["geometry"]["coordinates"][0][1:3] = [[114.32, 30.604], [114.32, 30.600]]
    content = collection(
        feature("JA01-03", "JA01", 114.308, 30.600),
        feature("JA01-03", "JA01", 114.312, 30.600),  # the same code twice
        feature("JA01-04", "XX01", 114.312, 30.600),  # no such street
        bowtie,
        {**feature("JA01-06", "JA01", 114.320, 30.600), "geometry": None},
        feature("JA01-07", "JA01", 114.324, 30.600, OBJECTID=7),
    ).encode()
    report = imports.apply(city.admin, "areas", content, "areas.geojson")
    assert not report.applied
    problems = {r.number: " ".join(r.problems) for r in report.rows}
    assert problems[1] == ""
    assert "appears twice" in problems[2]
    assert "No street has the code XX01" in problems[3]
    assert "cross each other" in problems[4]
    assert "has no polygon" in problems[5]
    assert "Unknown properties: OBJECTID" in problems[6]
    assert db.session.scalar(select(Area).where(Area.code == "JA01-03")) is None


@pytest.mark.parametrize("content", [b"{oops", b'{"type": "Polygon", "coordinates": []}',
                                     b"\xff\xfe not utf-8"])
def test_a_file_that_is_not_a_feature_collection_is_refused(city, content):
    report = imports.dry_run(city.admin, "areas", content, "areas.geojson")
    assert not report.ok and report.problems


def test_the_area_export_imports_back_unchanged(city):
    content = json.dumps(imports.areas_geojson(), ensure_ascii=False).encode()
    report = imports.dry_run(city.admin, "areas", content, "areas.geojson")
    assert report.ok and report.count("unchanged") == 4


# -- the catalogue ----------------------------------------------------------------------------


def test_a_catalogue_file_changes_a_limit_as_a_new_rule(city):
    content = b"code,name_zh,name_en,handler,rectify_normal\nLD09,\xe4\xb9\xb1\xe8\xb4\xb4," \
              b"Flyers,road_chief,2 working_days\n"
    report = imports.apply(city.admin, "catalogue", content, "catalogue.csv")
    assert report.applied and report.count("update") == 1
    category = db.session.scalar(select(Category).where(Category.code == "LD09"))
    rule = routing_service.current_rules(category)[(LimitKind.RECTIFY, Urgency.NORMAL)]
    assert (rule.amount, rule.unit) == (2, "working_days")
    assert category.keywords == ["小广告", "张贴", "乱贴", "牛皮癣"]  # not in the file: kept


def test_a_catalogue_file_with_duplicate_codes_or_unknown_handlers_is_refused(city):
    content = ("code,name_zh,name_en,handler\nHF11,积水,Flooding,road_chief\n"
               "HF11,积水,Flooding,road_chief\nHF12,冒水,Burst main,water_board\n").encode()
    report = imports.apply(city.admin, "catalogue", content, "catalogue.csv")
    problems = {r.number: " ".join(r.problems) for r in report.rows}
    assert problems[2] == "" and "appears twice" in problems[3]
    assert "No agency handles water_board" in problems[4]
    assert db.session.scalar(select(Category).where(Category.code == "HF11")) is None


def test_the_catalogue_export_imports_back_unchanged(city):
    from app.services.admin import catalogue

    rows = [catalogue.category_row(c) for c in catalogue.categories()]
    content = imports.write_table(catalogue.CATALOGUE_COLUMNS, rows, "csv")
    report = imports.dry_run(city.admin, "catalogue", content, "catalogue.csv")
    assert report.ok and report.count("unchanged") == 21


# -- road chiefs and teams ------------------------------------------------------------------


def _open_case(city, t0):
    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0])
        return cases.dispatch(case, city.actor(city.dispatcher))


def test_a_road_chief_file_hands_areas_over_and_sets_their_teams(city, t0):
    case = _open_case(city, t0)
    user("newchief", "road_chief")
    user("helper", "team_member")
    db.session.commit()
    content = b"area,username,position\nJA01-01,newchief,road_chief\n" \
              b"JA01-01,helper,shop_supervisor\n"
    report = imports.apply(city.admin, "road_chiefs", content, "chiefs.csv")
    assert report.applied and report.moved_cases == 1
    assert [(r.key, r.action) for r in report.rows] == [
        ("JA01-01 newchief", "update"), ("JA01-01 helper", "create"),
        ("JA01-01 member", "delete")]
    db.session.expire_all()
    area = db.session.get(Area, city.area.id)
    assert area.road_chief.username == "newchief"
    assert [(m.user.username, m.kind) for m in area.team] == [("helper", "shop_supervisor")]
    assert db.session.get(Case, case.id).assignee_user.username == "newchief"
    assert db.session.scalar(select(CaseEvent.action).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.id.desc()).limit(1)) == "hand_over"


def test_a_road_chief_file_with_bad_rows_changes_nothing(city, t0):
    case = _open_case(city, t0)
    content = (b"area,username,position\nJA01-01,chief2,road_chief\nJA01-01,chief3,road_chief\n"
               b"JA01-02,dispatcher,volunteer\nZZ01-01,nobody,road_chief\n"
               b"JA01-02,member,captain\n")
    report = imports.apply(city.admin, "road_chiefs", content, "chiefs.csv")
    assert not report.applied
    problems = {r.number: " ".join(r.problems) for r in report.rows}
    assert problems[2] == "" and "one road chief" in problems[3]
    assert "not a road team member" in problems[4]
    assert "No area" in problems[5] and "No account" in problems[5]
    assert "Unknown position captain" in problems[6]
    db.session.expire_all()
    assert db.session.get(Area, city.area.id).road_chief_id == city.chief.id
    assert db.session.get(Case, case.id).assignee_user_id == city.chief.id


def test_an_import_that_fails_while_writing_leaves_nothing_behind(city, monkeypatch):
    from app.services.admin import people

    calls = []
    real = people.save_user

    def fail_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(people, "save_user", fail_on_second)
    before = users()
    with pytest.raises(RuntimeError):
        imports.apply(city.admin, "staff", STAFF.replace("JA99", "JA").encode(), "s.csv")
    assert users() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0

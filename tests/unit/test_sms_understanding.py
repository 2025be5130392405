"""Understanding a resident's text message (workflows.sms): pure, table-driven, and
measured against a labelled set of 300+ realistic messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.catalogue_defaults import CATALOGUE
from tests.sms_helpers import demo_areas
from workflows.sms import (
    Awaiting,
    Classifier,
    CommandKind,
    Gazetteer,
    StepKind,
    detect_language,
    next_step,
    parse_command,
    segments,
)
from workflows.sms.dialogue import Pending, dont_know

LABELLED = Path(__file__).resolve().parent.parent / "data" / "sms_labelled.tsv"
# Measured on the labelled set when it was written: 321/325 categories (98.8 %) and
# 325/325 places (100 %). The thresholds sit a little below, so a real regression fails.
MIN_CATEGORY_ACCURACY = 0.96
MIN_PLACE_ACCURACY = 0.98


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    # As the app builds it: each entry's name and keywords.
    return Classifier({e.code: (e.name_zh, *e.keywords) for e in CATALOGUE})


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_data(demo_areas())


def labelled() -> list[tuple[str, str, str]]:
    rows = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("message\t"):
            continue
        message, category, place = line.split("\t")
        rows.append((message, category, place))
    return rows


def place_matches(expected: str, place) -> bool:
    if expected == "-":
        return place is None
    if place is None:
        return False
    if "+" in expected:
        return place.intersection and set(place.roads[:2]) == set(expected.split("+"))
    if expected[:2].isascii() and expected[:2].isupper():  # an area code
        return place.area_code == expected
    return place.road == expected


# -- the labelled set -----------------------------------------------------------------------


def test_the_labelled_set_is_big_and_varied():
    rows = labelled()
    assert len(rows) >= 300
    codes = {e.code for e in CATALOGUE}
    per_code = {code: sum(1 for _m, c, _p in rows if c == code) for code in codes}
    assert min(per_code.values()) >= 10, per_code  # several per category
    assert sum(1 for m, _c, _p in rows if m.isascii()) >= 20  # English
    assert sum(1 for _m, _c, p in rows if "+" in p) >= 8  # intersections
    assert sum(1 for _m, c, _p in rows if c == "-") >= 5  # no category at all


def test_categories_are_recognised_in_the_labelled_set(classifier):
    rows = labelled()
    wrong = [(m, c, classifier.classify(m).code) for m, c, _p in rows
             if (classifier.classify(m).code or "-") != c]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= MIN_CATEGORY_ACCURACY, f"{accuracy:.3f}; wrong: {wrong}"


def test_places_are_recognised_in_the_labelled_set(gazetteer):
    rows = labelled()
    wrong = [(m, p) for m, _c, p in rows if not place_matches(p, gazetteer.locate(m))]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= MIN_PLACE_ACCURACY, f"{accuracy:.3f}; wrong: {wrong}"


# -- categories -------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", [e for e in CATALOGUE if e.code != "HF99"],
                         ids=lambda e: e.code)
def test_every_catalogue_entry_is_found_by_its_own_name_and_keywords(classifier, entry):
    for word in (entry.name_zh, *entry.keywords):
        assert classifier.classify(f"路边有{word}").code == entry.code, word


def test_the_catalogue_keywords_are_data_a_city_can_change():
    custom = Classifier({"LD03": ["停车"], "X01": ["流浪狗"]}, synonyms={})
    assert custom.classify("小区门口有流浪狗").code == "X01"
    assert custom.classify("路灯坏了").code is None


def test_an_entry_switched_off_is_never_chosen():
    without_parking = Classifier({e.code: (e.name_zh, *e.keywords) for e in CATALOGUE
                                  if e.code != "LD03"})
    assert without_parking.classify("人行道上乱停车").code != "LD03"


@pytest.mark.parametrize(("message", "code"), [
    ("地铁口共享单车堆成山", "HF02"),  # not the "单车" inside it, not parking
    ("晚上有人偷倒建筑垃圾", "LD08"),  # dumping, not the "垃圾" of littering
    ("电线杆上贴满了小广告", "LD09"),  # a pole is where the flyers are, not the problem
    ("路灯杆上挂满了横幅", "LD06"),
    ("垃圾桶旁边的井盖没了", "HF06"),  # a bin is not litter
])
def test_the_longest_phrase_wins_its_stretch_of_text(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("不是乱停车，是有人在路边占道经营卖水果", "HF01"),
    ("共享单车停在路中间，不是汽车", "HF02"),
    ("not parking, there are hawkers selling fruit", "HF01"),
])
def test_a_negated_phrase_does_not_count(classifier, message, code):
    assert classifier.classify(message).code == code


# How residents describe each kind of problem in their own words (none of these messages is
# in a table or a labelled set): the object and the verb together name the problem.
@pytest.mark.parametrize(("message", "code"), [
    ("地铁站口一堆出租车等客，还占着斑马线", "LD03"),
    ("小区门口的车子停两排，救护车都进不来", "LD03"),
    ("超市把纸箱子全堆在盲道上", "LD04"),
    ("有人往下水道旁边倒剩菜汤，脏水流了一地", "LD08"),
    ("路边扔了好几个旧沙发，一直没人收", "LD08"),
    ("地铁口好多烤串摊，晚上烟熏火燎", "HF01"),
    ("路面裂了好几道口子", "HF04"),
    ("人行道上塌了个大洞", "HF04"),
    ("路口的雨水箅子没了", "HF06"),
    ("有人在护栏上晾床单被子", "LD06"),
    ("有人把小区外面的树锯掉了", "HF03"),
    ("那棵树快倒了，很危险", "HF03"),
    ("车开进花池把花草都压坏了", "HF03"),
    ("墙上被人用油漆写满了电话号码", "LD10"),
    ("自来水管破了，水流了一街", "HF99"),
    ("Drilling at the construction site all night, nobody can sleep", "HF05"),
    ("Loan ads stuck all over the bus stop", "LD09"),
    ("A car drove through the flowerbed and the plants are gone", "HF03"),
])
def test_residents_own_words_for_each_problem(classifier, message, code):
    assert classifier.classify(message).code == code


def test_a_missing_manhole_cover_is_not_a_negation(classifier):
    assert classifier.classify("这里没有井盖了").code == "HF06"


@pytest.mark.parametrize("message", ["你好", "在吗", "这里有个问题", "😀😀", "", "123"])
def test_a_message_without_a_problem_word_is_unclear(classifier, message):
    assert classifier.classify(message).code is None


def test_traditional_characters_and_full_width_letters_are_understood(classifier):
    assert classifier.classify("路口井蓋松了").code == "HF06"
    assert classifier.classify("ＰＡＲＫＥＤ ｃａｒｓ everywhere").code == "LD03"


def test_latin_words_match_whole_words_only(classifier):
    assert classifier.classify("a scarf and a cartoon").code is None


def test_a_1600_character_message_is_classified_quickly(classifier):
    import time

    message = ("今天天气不错，" * 220) + "井盖不见了"
    start = time.perf_counter()
    assert classifier.classify(message[:1600]).code == "HF06"
    assert time.perf_counter() - start < 0.5


# -- places -----------------------------------------------------------------------------------


def test_an_alias_names_its_road(gazetteer):
    place = gazetteer.locate("珞瑜路人行道板坏了")
    assert place.road == "珞喻路" and place.matched == ("珞瑜路",)


def test_the_longest_name_wins(gazetteer):
    assert gazetteer.locate("中南二路有个坑").road == "中南二路"  # not its alias "中南"
    assert gazetteer.locate("新华下路井盖没了").road == "新华下路"  # not 新华路


def test_an_intersection_picks_the_area_that_holds_both_roads(gazetteer):
    place = gazetteer.locate("新华路与民意四路路口共享单车堆满了")
    assert place.intersection and place.roads == ("新华路", "民意四路")
    area = gazetteer.area(place.area_id)
    assert {"新华路", "民意四路"} <= {r for r, _a in area.roads}
    assert place.describe() == "新华路与民意四路路口"


def test_an_intersection_without_a_shared_area_takes_the_first_roads_area():
    areas = [
        {"id": 1, "code": "A-1", "name": "解放大道沿线", "roads": [{"name": "解放大道"}]},
        {"id": 2, "code": "A-2", "name": "黄浦路沿线", "roads": [{"name": "黄浦路"}]},
    ]
    place = Gazetteer.from_data(areas).locate("解放大道黄浦路口有辆车停在人行道上")
    assert place.roads == ("解放大道", "黄浦路") and place.intersection
    assert place.area_id == 1


def test_a_road_through_several_areas_goes_to_the_stretch_it_leads(gazetteer):
    place = gazetteer.locate("中山大道人行道上乱停车")
    assert len(place.candidates) > 3
    assert gazetteer.area(place.area_id).roads[0][0] == "中山大道"


def test_english_road_names_are_read_from_the_area_names(gazetteer):
    assert gazetteer.locate("car parked on Zhongshan Avenue").road == "中山大道"
    assert gazetteer.locate("graffiti at Tanhualin").road == "昙华林"
    assert gazetteer.locate("pothole on Gutian 4th Rd").road == "古田四路"


def test_no_known_name_is_no_place(gazetteer):
    assert gazetteer.locate("我家楼下有人乱停车") is None


# -- commands ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("message", "code"), [
    ("查询 K7QM-4D2X", "K7QM4D2X"), ("CX K7QM4D2X", "K7QM4D2X"), ("cx k7qm4d2x", "K7QM4D2X"),
    ("查询：K7QM 4D2X", "K7QM4D2X"), ("查询", None), ("ＣＸ　Ｋ７ＱＭ４Ｄ２Ｘ", "K7QM4D2X"),
])
def test_a_query_command_carries_its_code(message, code):
    command = parse_command(message)
    assert command.kind is CommandKind.QUERY and command.code == code


@pytest.mark.parametrize("message", ["TD", "td", "退订", "STOP", "Stop.", " 退订 "])
def test_stop_words_stop_messages(message):
    assert parse_command(message).kind is CommandKind.STOP


@pytest.mark.parametrize(("message", "score", "comment"), [
    ("1", 1, ""), ("2", 2, ""), ("3", 3, ""), ("3 还是没修好", 3, "还是没修好"),
    ("不满意", 3, ""), ("基本满意", 2, ""), ("满意，谢谢", 1, "谢谢"), ("评价：2", 2, ""),
])
def test_ratings(message, score, comment):
    command = parse_command(message)
    assert command.kind is CommandKind.RATING and command.score == score
    assert command.comment == comment


def test_a_rating_may_name_its_case():
    command = parse_command("1 K7QM-4D2X")
    assert command.score == 1 and command.code == "K7QM4D2X"


@pytest.mark.parametrize("message", ["1号线地铁口共享单车堆成山", "4", "2楼阳台违建",
                                     "满意度调查太多了，路上井盖也没人修", "中山大道乱停车"])
def test_reports_are_not_commands(message):
    assert parse_command(message) is None


# -- language and length ----------------------------------------------------------------------


@pytest.mark.parametrize(("message", "language"), [
    ("中山大道有车停在人行道上", "zh_Hans_CN"),
    ("car parked on the sidewalk", "en"),
    ("car parked on the sidewalk at 中山大道", "en"),
    ("中山大道 parking 太多了", "zh_Hans_CN"),
    ("😀", "zh_Hans_CN"),
])
def test_the_language_is_the_one_the_message_is_written_in(message, language):
    assert detect_language(message) == language


def test_a_message_without_words_keeps_the_residents_language():
    assert detect_language("1", default="en") == "en"


def test_segments_count_like_the_network():
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2
    assert segments("中" * 70) == 1 and segments("中" * 71) == 2 and segments("中" * 134) == 2


# -- the one follow-up question ---------------------------------------------------------------


def test_a_message_with_problem_and_place_makes_a_case_at_once(classifier, gazetteer):
    text = "解放大道黄浦路口有辆车停在人行道上"
    step = next_step(None, text, classifier.classify(text), gazetteer.locate(text))
    assert step.kind is StepKind.CREATE and step.category == "LD03"
    assert step.place.roads == ("解放大道", "黄浦路")


@pytest.mark.parametrize(("text", "awaiting"), [
    ("门口乱停车，车主电话也打不通", Awaiting.PLACE),
    ("昙华林这里", Awaiting.CATEGORY),
    ("这里有个问题，麻烦派人来看一下", Awaiting.BOTH),
])
def test_what_is_missing_is_asked_once(classifier, gazetteer, text, awaiting):
    step = next_step(None, text, classifier.classify(text), gazetteer.locate(text))
    assert step.kind is StepKind.ASK and step.awaiting is awaiting


def test_a_greeting_gets_help_not_a_question(classifier, gazetteer):
    step = next_step(None, "你好", classifier.classify("你好"), None)
    assert step.kind is StepKind.HELP


def test_a_photo_without_words_is_asked_about(classifier):
    step = next_step(None, "", classifier.classify(""), None, has_media=True)
    assert step.kind is StepKind.ASK and step.awaiting is Awaiting.BOTH


def test_the_answer_completes_the_case(classifier, gazetteer):
    pending = Pending(Awaiting.PLACE, "LD03", None, "门口乱停车")
    step = next_step(pending, "在京汉大道", classifier.classify("在京汉大道"),
                     gazetteer.locate("在京汉大道"))
    assert step.kind is StepKind.CREATE and step.category == "LD03"
    assert step.place.road == "京汉大道" and step.description == "门口乱停车\n在京汉大道"


def test_an_answer_that_still_names_no_place_leaves_the_case_unrouted(classifier):
    pending = Pending(Awaiting.PLACE, "LD03", None, "门口乱停车")
    step = next_step(pending, "我家楼下", classifier.classify("我家楼下"), None)
    assert step.kind is StepKind.CREATE and step.unrouted and step.place is None


def test_a_problem_still_unnamed_becomes_other(classifier, gazetteer):
    pending = Pending(Awaiting.CATEGORY, None, gazetteer.locate("昙华林"), "昙华林")
    step = next_step(pending, "说不上来", classifier.classify("说不上来"), None)
    assert step.category == "HF99" and step.place.road == "昙华林"


@pytest.mark.parametrize("text", ["不知道", "不清楚在哪", "I don't know", "not sure"])
def test_dont_know_is_understood(text):
    assert dont_know(text)


# -- fresh messages (issue 18): measured on the part nobody tuned on --------------------------


@pytest.fixture(scope="module")
def fresh_report():
    """bench/sms_accuracy.py's figures per part of the fresh messages, measured once."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "sms_accuracy", Path(__file__).resolve().parents[2] / "bench" / "sms_accuracy.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.measure()


def test_fresh_messages_are_understood_on_the_part_not_tuned_on(fresh_report):
    held = fresh_report["held"]
    n = held["n"]
    assert n >= 45
    # The targets: category ≥ 98 %, intended area ≥ 90 %, district ≥ 98 %. The
    # category bound sits one message below (bench/sms_accuracy.py prints the figures).
    assert held["category"] / n >= 0.96, held["misses"]
    assert held["area"] / n >= 0.90, held["misses"]
    assert held["district"] / n >= 0.98, held["misses"]


def test_no_held_out_part_falls_below_what_was_reported(fresh_report):
    # Every held-out part, never tuned on nor learnt from, against the figures quoted for it
    # (bench/sms_accuracy.py): a change that loses understanding on fresh text fails here.
    # Only aggregates are shown: a held-out part's messages stay unread.
    report = fresh_report
    held = {part: r for part, r in report.items() if part.startswith("held")}
    assert len(held) >= 7 and sum(r["n"] for r in held.values()) >= 800
    figures = {part: {k: r[k] / r["n"] for k in ("category", "area", "district")}
               for part, r in held.items()}
    low = {part: f for part, f in figures.items()
           if f["category"] < 0.94 or f["area"] < 0.95 or f["district"] < 0.95}
    assert not low, low
    everything = sum(r["category"] for r in held.values()) / sum(r["n"] for r in held.values())
    assert everything >= 0.965, everything


@pytest.mark.parametrize(("message", "code"), [
    ("電線桿快倒了", "HF09"), ("那根杆子快倒了", "HF09"),
    ("小区门口广场舞音响太吵", "HF99"), ("工地半夜施工太吵", "HF05"),
    ("路上有个大坑", "HF04"), ("人行道砖松了", "HF04"), ("行道树被砍了", "HF03"),
])
def test_everyday_words_are_known(classifier, message, code):
    assert classifier.classify(message).code == code


def test_traditional_characters_of_any_kind_are_understood(classifier):
    # Characters no hand-kept table had: 臺 擺 攤 鐵 棚 髒 亂
    assert classifier.classify("臺階旁邊有人擺攤").code == "HF01"
    assert classifier.classify("有人搭了個鐵皮棚").code == "LD01"


def test_a_house_number_a_landmark_or_a_cross_street_names_the_stretch():
    from tests.sms_helpers import demo_landmarks

    areas = demo_areas()
    gazetteer = Gazetteer.from_data(areas, demo_landmarks(areas))
    assert gazetteer.locate("中山大道").ambiguous  # seven sections in three districts
    assert gazetteer.locate("中山大道850号").area_code == "JH01-04"
    # The same number in Chinese numerals, simplified or traditional.
    assert gazetteer.locate("中山大道八百五十号门口").area_code == "JH01-04"
    assert gazetteer.locate("中山大道捌佰伍拾號").ambiguous  # banker's numerals: asked, no crash
    assert gazetteer.locate("中山大道八百五十號").area_code == "JH01-04"
    assert gazetteer.locate("中山大道十百号").ambiguous  # not a numeral: still asked
    assert gazetteer.locate("中山大道江汉路口").area_code in ("JH01-01", "JH01-04")
    assert gazetteer.locate("江汉路步行街").area_code == "JH01-05"
    assert gazetteer.locate("near Optics Valley Square").area_code == "HS03-01"
    earlier = next(a["id"] for a in areas if a["code"] == "QK01-06")
    assert gazetteer.locate("中山大道", prefer=[earlier]).area_code == "QK01-06"


@pytest.mark.parametrize(("message", "code"), [
    # Described rather than named: a rule pairs the thing with what happens to it.
    ("江汉关旁边一排车压着盲道停 冇得人管", "LD03"),
    ("小区门口的车子到处停，堵得出不去", "LD03"),
    ("行道树不晓得被哪个剥了一圈皮", "HF03"),
    ("马路烂了一大块 晚上看不见", "HF04"),
    ("一楼的把院墙推了 往外砌了一间房", "LD02"),
    ("卷帘门上被人涂了好多字", "LD10"),
    ("工地凌晨一两点还在浇混凝土", "HF05"),
    ("路边那个绿色铁皮箱子门开着 里面线都露出来了", "HF08"),
    ("有人推个小推车卖臭豆腐", "HF01"),
    ("每天晚上都有人来贴疏通下水道的电话", "LD09"),
    # A thing before a place word is where the problem is, not the problem.
    ("路灯杆子上贴的全是租房的广告纸", "LD09"),
    ("野餐完垃圾就丢草坪上，塑料袋飞得到处都是", "LD07"),
    ("人行道上的窨井盖陷下去了", "HF06"),  # the cover sank, not the pavement
    # Not what the rule's words are inside of.
    ("汉口火车站出站口好多小黄车乱停", "HF02"),  # a station is not a car
    ("喇叭按个不停 货车横起停 把路堵死了", "LD03"),  # a horn is not a loudspeaker
])
def test_descriptions_of_what_residents_see(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("路口的井钙沉下去了", "HF06"),  # 钙 for 盖: same sound
    ("路边有人乱仍垃圾", "LD07"),  # 仍 for 扔
])
def test_a_wrong_character_of_the_same_sound_is_understood(classifier, message, code):
    assert classifier.classify(message).code == code


def test_a_common_character_does_not_make_a_homophone(classifier):
    # "铁了" reads like "贴了" but shares only the light "了".
    assert classifier.classify("他铁了心").code is None


@pytest.mark.parametrize(("message", "road"), [
    ("解放大到二七路口有个大坑", "解放大道"),  # 到 for 道: same sound
    ("珞瑜路500号井盖没了", "珞喻路"),
    ("雄梦大道250号有根杆子", "雄楚大道"),  # one wrong character, suffix right
    ("piles of bricks on Luomo Rd", "鲁磨路"),  # one letter too many
])
def test_a_road_name_with_a_slip_is_read(gazetteer, message, road):
    place = gazetteer.locate(message)
    assert place is not None and place.road == road, place


@pytest.mark.parametrize("message", ["建设大厦门口有坑", "武汉大学门口乱停车", "新华三路有坑"])
def test_a_name_that_only_looks_like_a_road_is_no_road(gazetteer, message):
    # The suffix differs (大厦, 大学), or the slip is a number (another road of a series).
    place = gazetteer.locate(message)
    assert place is None or place.road not in ("建设大道", "武汉大道", "新华路", "新华下路")


def test_no_earlier_part_of_the_fresh_messages_drops(fresh_report):
    report = fresh_report
    # As last measured (tests/data/sms_fresh.tsv's header): held2 116/120, held3 146/150 and
    # held4 132/150 categories, never tuned on; one message of slack each. Only aggregate
    # figures: a held-out part's misses are never shown.
    held2, held3, held4 = report["held2"], report["held3"], report["held4"]
    assert held2["category"] >= 115 and held2["area"] >= 116
    assert held3["category"] >= 145 and held3["area"] >= 148 and held3["district"] >= 148
    assert held4["n"] == 150, "held4 is incomplete"
    assert held4["category"] >= 131, "held4 category dropped"
    assert held4["area"] >= 148 and held4["district"] >= 148, "held4 places dropped"
    for part in ("tune", "tune2", "tune3", "tune4", "tune5", "tune6"):
        assert report[part]["category"] >= report[part]["n"] - 1, part


@pytest.mark.parametrize(("message", "road"), [
    ("古田3路有个坑", "古田三路"), ("建设10路和友谊大道口", "建设十路"),  # digits
    ("解放路二七路口有个坑", "解放大道"), ("徐东路300号门口", "徐东大街"),  # another suffix
])
def test_a_road_written_the_way_residents_shorten_it_is_read(gazetteer, message, road):
    place = gazetteer.locate(message)
    assert place is not None and place.road == road, place


def test_another_suffix_is_no_road_where_several_roads_share_the_stem(gazetteer):
    # "3路" is a bus line, not a road; no road is called just "3路".
    assert gazetteer.locate("坐3路公交车") is None


def test_a_places_name_is_not_a_problem_word():
    from tests.sms_helpers import demo_landmarks

    areas = demo_areas()
    gazetteer = Gazetteer.from_data(areas, demo_landmarks(areas))
    plain = Classifier({e.code: (e.name_zh, *e.keywords) for e in CATALOGUE})
    placed = Classifier({e.code: (e.name_zh, *e.keywords) for e in CATALOGUE},
                        place_names=gazetteer.place_names())
    # "洞庭街" holds a hole (洞), "徐家棚" a shed (棚).
    for message in ("洞庭街这边有个问题", "徐家棚地铁站出口"):
        assert plain.classify(message).scores, message  # what the names alone used to add
        assert placed.classify(message).code is None, message
    # "卓刀泉地" sounds like 圈地 (building on land): "地" is too common to make a homophone.
    assert plain.classify("卓刀泉地铁站那里").code is None
    assert placed.classify("洞庭街路面有个大洞").code == "HF04"


@pytest.mark.parametrize(("message", "code"), [
    ("原来的违停已经处理好了，现在有人在那摆摊", "HF01"),
    ("上次反映的坑已经修好了，现在旁边的井盖没了", "HF06"),
    ("上次修好的坑又塌了", "HF04"),  # the whole message: still the report
    ("大风把树刮倒了 压在路边", "HF03"),  # a tree that fell, not rubbish poured
    ("人行道上的砖缺了好几块", "HF04"),
])
def test_what_was_already_dealt_with_counts_little(classifier, message, code):
    assert classifier.classify(message).code == code


def test_a_landmark_with_a_slip_and_a_house_number_typed_as_its_sound_are_read():
    from tests.sms_helpers import demo_landmarks

    areas = demo_areas()
    gazetteer = Gazetteer.from_data(areas, demo_landmarks(areas))
    assert gazetteer.locate("汉口火车占出口").landmark == "汉口火车站"  # 占 for 站
    assert gazetteer.locate("光谷广常旁边").landmark == "光谷广场"
    place = gazetteer.locate("中山大道88好门口")  # 好 for 号
    assert place.number == 88 and place.area_code == "JA01-01"
    assert gazetteer.locate("中山大道88好几辆车").number is None  # 好几: "several"


@pytest.mark.parametrize(("message", "code"), [
    ("中山大道那个井盖往下陷 比路面低一截", "HF06"),  # the cover sank, not the road
    ("路口的招牌裂开了 风一吹就晃", "HF07"),
    ("人行道的砖鼓起来了 还裂开了", "HF04"),  # no fixture named: the paving's state
])
def test_a_state_word_belongs_to_the_fixture_named_before_it(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("有人骑个三轮车在路口卖橘子 喇叭一直喊", "HF01"),  # selling from a cart
    ("点的外卖放在门口被人拿了 外卖小哥说路面有个大坑", "HF04"),  # a delivery is no sale
    ("小区门口停车场被搭了个棚子", "LD01"),  # a car park is where it is, not parking
    ("遛狗的不捡狗屎 草地上到处都是", "LD07"),  # a walked dog is no stray dog
    ("楼下在修管道 中午也不停 午觉都睡不了", "HF05"),  # the midday rest
    ("门口一摞摞的瓷砖水泥摞在人行道上", "LD04"),  # stacked
])
def test_a_detail_around_the_problem_does_not_take_it_over(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    # After a turn, the complaint; before it, the background.
    ("这里以前老有人乱停车 现在变成有人摆摊", "HF01"),
    ("以前这里摆摊的多 现在天天有车停在盲道上", "LD03"),
    ("本来想投诉乱停车的 后来发现是有人在人行道上摆摊卖菜", "HF01"),
    ("路面塌了个大坑 结果今天有人摔了", "HF04"),  # nothing named after the turn
])
def test_the_clause_after_a_turn_carries_the_complaint(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("门口那根电线杆底下锈断了 风一吹就晃", "HF09"),  # a pole and its state
    ("楼上从窗户吊了根线下来 横在路中间", "LD05"),  # a wire strung across
    ("隔壁在院子里偷偷起了个两层的小房子", "LD02"),  # 起 a building
])
def test_a_thing_and_what_happened_to_it(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("中山大道100号 jinggai 不见了", "HF06"),  # a problem word typed in pinyin
    ("楼下 luan ting che 好多", "LD03"),  # one syllable a word
    ("wall full of xiaoguanggao", "LD09"),
    ("the lvhua is destroyed", "HF03"),
])
def test_a_problem_word_typed_in_pinyin_is_read(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize("message", ["they made a mess for sale by the lake", "bangle"])
def test_english_words_are_not_read_as_pinyin(classifier, message):
    assert not {"码得", "撒了", "拉客", "绑了"} & set(classifier.classify(message).matched)


@pytest.mark.parametrize(("message", "code"), [
    ("店家把一箱箱的啤酒饮料码在门口 人都过不去", "LD04"),  # 码在 a verb, 门口 where
    ("there's a huge hole in the road near the school", "HF04"),
    ("下水道的铁格子少了一根 小孩脚会卡进去", "HF06"),
    ("路边的交通标志牌被撞倒了 躺在地上", "HF07"),
])
def test_a_verb_before_a_place_word_is_the_problem_and_plain_words_are_known(
        classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("推着婴儿车根本过不去 整条人行道都是店里的货", "LD04"),  # goods filling a way
    ("楼下的垃圾桶早就满了 垃圾都堆到外面来了 臭的不行", "HF99"),  # a bin overflowing
    ("门面外面天天有人摆水果摊 箱子摆到非机动车道上", "HF01"),  # the stall, not its boxes
    ("一出门就踩到一脚 不知道谁家的狗拉的 主人也不管", "LD07"),  # dog mess is no stray dog
    ("车开过去咣的一声 底盘刮了 路中间凸起来一块", "HF04"),  # told by what it did to a car
])
def test_an_experience_is_read_for_the_thing_behind_it(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("neighbour is adding a room on the roof without permit", "LD02"),
    ("delivery vans block the bike lane every morning", "LD03"),  # a bike lane is a way
    ("someone spray painted tags all over the underpass", "LD10"),
    ("the green utility box door is open and wires are hanging out", "HF08"),
    ("the newsstand is abandoned and full of rubbish", "HF10"),
])
def test_plain_english_reports_are_understood(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("人行道上那个大铁盒子被车撞凹了 门也关不上", "HF08"),  # hit by a car is no parking
    ("下雨天那个雨水口被树叶堵住了 水漫到路上", "HF99"),  # a blocked drain
    ("小区外面的空地上 一夜之间多了一座土堆", "LD08"),
    ("对面那户把自家阳台往外延了一米多 用不锈钢包起来了", "LD02"),
])
def test_what_a_thing_went_through_is_not_taken_for_another_problem(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("马路边那个以前卖彩票的亭子 现在锁着 里面塞满了杂物", "HF10"),  # 卖 describes it
    ("那个路灯杆子上面的灯箱歪了 随时会掉", "HF07"),  # the sign leans, not the pole
    ("饭馆门口伸出来一大块遮雨的 下雨水全往人行道上流", "LD01"),
])
def test_the_thing_described_is_the_report_not_its_description(classifier, message, code):
    assert classifier.classify(message).code == code


@pytest.mark.parametrize(("message", "code"), [
    ("我们小区门口的路本来就窄 两边还都是车 救护车都进不来", "LD03"),
    ("那个工地的泥巴车出来一路掉泥巴 整条路都是黄的", "LD08"),  # 工地 describes the truck
    ("人行道上的砖一块高一块低 老人走路经常摔", "HF04"),
    ("老人家在绿化带里种了葱 原来的草全铲掉了", "HF03"),
    ("门口挂的空调外机滴水 滴到人头上", "HF99"),
])
def test_indirect_descriptions_of_everyday_problems(classifier, message, code):
    assert classifier.classify(message).code == code


# -- the learnt model beside the rules ------------------------------------------------------


def test_the_model_learns_wording_no_keyword_names_from_labelled_examples():
    entries = {"A1": ["井盖"], "A2": ["停车"], "A3": ["摆摊"], "A4": ["涂鸦"], "A5": ["横幅"]}
    examples = [("井盖不见了", "A1"), ("车停在人行道上", "A2"), ("有人在路边卖菜", "A3"),
                ("墙上被人乱画", "A4"), ("树上挂了横幅", "A5"),
                ("路上的窨子口空了 一个黑窟窿", "A1"), ("窟窿太深了 晚上看不见", "A1"),
                ("那个黑窟窿差点摔进去", "A1"), ("人行道全是车 走不了", "A2"),
                ("水果摊摆到路中间", "A3"), ("墙面喷了一大片", "A4"), ("栏杆上挂着标语", "A5")]
    rules_only = Classifier(entries, synonyms={}, rules=(), learn=False)
    learnt = Classifier(entries, synonyms={}, rules=(), examples=examples)
    # Both keywords weigh the same for the rules, which then take the first named; the
    # wording learnt from the examples ("黑窟窿") tells which one the message is about.
    message = "停车场门口一个黑窟窿 井盖不知道哪去了 好危险"
    assert rules_only.classify(message).code == "A2"
    assert learnt.classify(message).code == "A1"
    # With no problem word at all the model does not decide alone.
    assert learnt.classify("小区门口一个黑窟窿").code is None


@pytest.mark.parametrize("message", [
    "在中山大道123号", "谢谢", "好的", "是的", "收到", "hello", "CX RCGX-CSGU", "江汉路步行街",
    "我家门口", "明天再说吧", "已经处理了吗", "123", "不是这里",
])
def test_with_the_model_a_place_or_an_acknowledgement_is_still_not_a_report(classifier, message):
    assert classifier.model is not None
    assert classifier.classify(message).code is None


def test_no_held_out_message_is_among_the_examples_the_model_learns_from():
    # The accuracy report's held-out parts stay held out: measured, never learnt from.
    from pathlib import Path

    from workflows.sms.model import examples

    learnt = {message for message, _code in examples()}
    fresh = Path(__file__).resolve().parent.parent / "data" / "sms_fresh.tsv"
    held = [line.split("\t")[1] for line in fresh.read_text(encoding="utf-8").splitlines()
            if line.startswith("held")]
    assert len(held) >= 400
    assert not learnt & set(held)

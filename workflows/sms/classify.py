"""Which catalogue entry a message is about, from keywords and synonyms.

The table is data: every catalogue entry brings its own keywords (a city edits them with
the catalogue) and this module adds synonyms, colloquial and English phrasings, each with
a weight: 3 for a phrase that names the problem ("乱停车", "井盖"), 2 for a clear sign of
it, 1 for an object that often comes with it ("货车", "电线杆"). Scoring:

* **overlap** — the longest phrase wins a stretch of text: "共享单车" is a bike, not the
  "单车" inside it; "建筑垃圾" is dumping, not the "垃圾" of littering; "电线杆" is a pole,
  not a wire. A phrase of weight 0 only claims its text ("垃圾桶" is not litter).
* **negation** — a phrase right after 不是/并非/而不是/not (in the same clause) does not
  count: "不是乱停车，是有人摆摊" is street trading.
* the entry with the highest total wins; on a tie, the one mentioned first. Below
  ``threshold`` the message is unclear and the resident is asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from workflows.sms.text import normalize

#: Code → ((phrase, weight), ...). Phrases in the normal form of ``text.normalize``.
SYNONYMS: Mapping[str, tuple[tuple[str, float], ...]] = {
    "LD01": (("乱搭", 3), ("私搭", 3), ("搭棚", 3), ("棚子", 3), ("铁皮棚", 3), ("遮阳棚", 3),
             ("遮阳篷", 3), ("雨棚", 3), ("帐篷", 1), ("搭了", 2), ("搭到", 2), ("搭建", 2),
             ("棚", 2), ("彩钢板", 1), ("简易房", 2), ("铁皮房", 2), ("私搭乱建", 3),
             ("shed", 3), ("canopy", 3), ("awning", 3), ("tent", 2)),
    "LD02": (("违建", 3), ("违章建筑", 3), ("违法建设", 3), ("加建", 3), ("乱建", 3),
             ("私建", 3), ("加盖", 3), ("加层", 3), ("扩建", 2), ("改建", 2), ("盖房", 3),
             ("打地基", 3), ("砌墙", 2), ("砖房", 2), ("彩钢房", 2), ("阳光房", 3),
             ("越盖越", 2), ("越建越", 2), ("盖成", 2),
             ("illegal construction", 4), ("illegal building", 4), ("added a whole floor", 3),
             ("added a floor", 3), ("extra floor", 3)),
    "LD03": (("乱停", 3), ("乱停车", 3), ("违停", 3), ("违章停车", 3), ("停车", 2),
             ("停在人行道", 3), ("占用人行道停车", 3), ("开上人行道", 3), ("占道停放", 3),
             ("停满车", 3), ("停满了车", 3), ("停满了私家车", 3), ("停在", 2), ("车停", 2),
             ("停满", 1), ("停了", 1), ("辆车", 2), ("私家车", 2), ("小车", 1), ("轿车", 2),
             ("suv", 1), ("面包车", 1), ("货车", 1), ("出租车", 1), ("汽车", 1),
             ("车子", 1), ("渣土车", 1.5), ("斑马线", 2), ("双排停车", 3), ("停两排", 3),
             ("停成两排", 3), ("拉客", 2), ("等客", 2), ("趴活", 2),
             ("parked", 3), ("parking", 3), ("tow", 2), ("cars", 1), ("car", 1)),
    "LD04": (("乱放", 3), ("乱堆", 3), ("堆放", 2), ("堆物", 3), ("占道堆物", 3),
             ("堆在", 3), ("堆满", 2), ("堆着", 2), ("堆了", 2), ("堆到", 2), ("杂物", 2),
             ("建材", 2), ("货物", 2), ("钢材", 2), ("放了一排", 2), ("石墩", 2),
             ("花盆", 2), ("煤气罐", 2), ("液化气罐", 2), ("家具", 1), ("床垫", 1),
             ("堆", 1.5), ("货箱", 3), ("箱子", 2), ("纸箱", 2), ("旧自行车", 2),
             ("破自行车", 2),
             ("piled", 3), ("piles", 3), ("bricks", 2), ("sundries", 2), ("stacked", 2),
             ("debris", 1)),
    "LD05": (("乱牵", 3), ("私拉", 3), ("飞线", 3), ("网线", 3), ("乱接", 2), ("缠满", 2),
             ("电线", 2),
             ("拉线", 2), ("拉了根", 2), ("拉了好几根", 2), ("牵了", 2), ("牵了根", 3),
             ("线缆", 2), ("拖了", 1), ("充电", 1),
             ("power cable", 3), ("cable", 2), ("cables", 2), ("wires", 1)),
    "LD06": (("乱挂", 3), ("横幅", 3), ("条幅", 3), ("晾晒", 3), ("晒衣", 3), ("晾衣服", 3),
             ("晒衣服", 3), ("晒被子", 3), ("晾被子", 3), ("悬挂", 2), ("挂满", 3), ("挂着", 2),
             ("挂了", 2),
             ("晒了", 2), ("晾", 3), ("晒", 2), ("挂在", 3), ("被子", 1),
             ("床单", 2), ("布条", 2), ("腊鱼腊肉", 3), ("灯笼", 1),
             ("banners", 3), ("banner", 3), ("laundry", 3), ("hung", 2), ("hanging", 2)),
    "LD07": (("乱扔", 3), ("乱丢", 3), ("扔垃圾", 3), ("扔东西", 3), ("扔得", 3), ("扔", 1.5),
             ("垃圾", 1.5), ("烟头", 3), ("纸屑", 3), ("随地", 2), ("槟榔渣", 3),
             ("瓜子壳", 3), ("果皮", 2), ("塑料袋", 1), ("饭盒", 2), ("竹签", 2), ("外卖袋", 2),
             ("奶茶杯", 2), ("纸碗", 2), ("矿泉水瓶", 2), ("满地", 2), ("没来扫", 2),
             ("地上都是", 2), ("垃圾桶", 0),
             ("littering", 3), ("litter", 3), ("rubbish", 1), ("trash", 1),
             ("plastic bags", 1)),
    "LD08": (("乱倒", 3), ("偷倒", 3), ("倾倒", 3), ("渣土", 3), ("建筑垃圾", 3),
             ("装修垃圾", 3), ("生活垃圾", 3), ("垃圾堆", 3), ("泔水", 3), ("剩饭剩菜", 3),
             ("废机油", 3),
             ("倒了", 2), ("倒进", 2), ("倒在", 2), ("倒", 1), ("倒下", 0), ("倒车", 0),
             ("倒是", 0), ("摔倒", 0), ("绊倒", 0),
             ("油污", 2), ("污水", 2), ("脏水", 2), ("废水", 2), ("堆垃圾", 3),
             ("撒了", 2), ("洒了", 2), ("抛洒", 3), ("遗撒", 3),
             ("沙发", 2), ("旧沙发", 3), ("旧家具", 3), ("废家具", 3), ("大件垃圾", 3),
             ("dumped", 3), ("dumping", 3), ("construction waste", 3), ("fly-tipping", 3)),
    "LD09": (("小广告", 4), ("乱贴", 3), ("张贴", 3), ("牛皮癣", 3), ("野广告", 3),
             ("贴满", 3), ("贴了", 3), ("被贴", 3), ("贴得", 3), ("办证", 2), ("贷款广告", 2),
             ("喷印", 2), ("广告", 1),
             ("flyers", 3), ("flyer", 3), ("posters", 3), ("poster", 3), ("stickers", 3),
             ("sticking", 3), ("stuck", 2), ("pasted", 3), ("pasting", 3), ("ads", 2),
             ("adverts", 2), ("advertisements", 2)),
    "LD10": (("乱画", 3), ("乱涂", 3), ("乱喷", 3), ("涂鸦", 3), ("涂画", 3), ("喷涂", 3),
             ("喷漆", 3),
             ("喷了", 3), ("写了字", 3), ("写字", 2), ("刻了", 3), ("刻字", 3), ("记号笔", 3),
             ("油漆", 2), ("红漆", 3), ("写了", 2), ("写满", 3), ("乱写", 3),
             ("graffiti", 4), ("spray paint", 3), ("sprayed", 2)),
    "HF01": (("占道经营", 4), ("摊贩", 3), ("小贩", 3), ("菜贩", 3), ("流动摊", 3),
             ("出店经营", 3), ("店外经营", 3), ("摆摊", 3), ("摆地摊", 3), ("地摊", 3),
             ("烧烤摊", 2), ("在卖", 4), ("摆着卖", 4), ("叫卖", 3), ("水果摊", 2), ("卖东西", 2),
             ("卖水果", 2),
             ("卖小吃", 2),
             ("卖货", 2), ("摆到", 2), ("摆出来", 2), ("摆在", 2), ("摆满", 2), ("桌椅", 2),
             ("早市", 2), ("夜市", 1), ("占道", 1), ("摊", 1.5), ("摊主", 1), ("摊子", 3),
             ("摊位", 3), ("早点摊", 2), ("小吃摊", 2), ("早餐摊", 2), ("炸串", 2), ("烤串", 2),
             ("street vendors", 4), ("vendors", 3), ("hawkers", 3), ("hawker", 3),
             ("selling", 2), ("stalls", 2)),
    "HF02": (("共享单车", 4), ("共享电单车", 4), ("单车", 3), ("电单车", 3), ("自行车", 2),
             ("单车乱停", 4), ("自行车乱停", 4), ("小黄车", 3), ("哈啰", 3), ("美团单车", 4),
             ("摩拜", 3), ("青桔", 3),
             ("shared bikes", 4), ("shared bike", 4), ("bikes", 2), ("bike", 2)),
    "HF03": (("绿化", 2), ("绿化带", 0.5), ("绿化带被", 3), ("绿化被毁", 3), ("树木", 2),
             ("草坪", 3), ("草皮", 3), ("花坛", 3), ("灌木", 3), ("树倒", 3), ("大树", 2),
             ("树被", 3), ("行道树", 1), ("树皮", 3), ("树枝", 3), ("枝丫", 2), ("修秃", 3),
             ("撞断", 2),
             ("枯死", 3), ("补种", 2), ("开荒种菜", 3), ("种菜", 3), ("砍", 2),
             ("锯", 3), ("树桩", 3), ("棵", 1.5), ("树", 1), ("砍伐", 3), ("花草", 3),
             ("草地", 3), ("花池", 3), ("压坏", 1),
             ("tree fell", 4), ("trees", 2), ("tree", 2), ("lawn", 2), ("flower beds", 4),
             ("flower bed", 4), ("flowerbeds", 4), ("flowerbed", 4), ("plants", 2),
             ("hedge", 3), ("hedges", 3), ("grass", 2), ("crushed", 1)),
    "HF04": (("道路破损", 4), ("坑", 2), ("坑洼", 3), ("路面", 2), ("破损", 2), ("塌陷", 3),
             ("人行道板", 3), ("人行道砖", 3), ("砖松了", 3),
             ("地砖松动", 3), ("地砖", 1), ("开裂", 3), ("路沿石", 3),
             ("盲道砖", 3), ("颠", 2), ("回填", 2), ("积水", 1), ("翘起来", 1),
             ("pothole", 4), ("broken", 1.5), ("pavement", 1), ("potholes", 4),
             ("road surface", 3), ("broken road", 3),
             ("马路", 1), ("裂", 2), ("裂缝", 3), ("裂开", 3), ("下陷", 3), ("凹陷", 3),
             ("陷下去", 3), ("沉降", 3), ("塌了", 2), ("洞", 2), ("窟窿", 2), ("黑洞洞", 0),
             ("cracked", 2), ("crack", 2), ("cracks", 2), ("sinking", 2), ("sinkhole", 4)),
    "HF05": (("噪声", 3), ("噪音", 3), ("扰民", 3), ("施工", 2), ("工地", 2), ("打桩", 3),
             ("夜间施工", 4), ("半夜施工", 4), ("晚上施工", 4), ("夜里施工", 4), ("吵", 2),
             ("吵得", 3), ("太吵", 3), ("电镐", 3), ("轰", 2), ("刺耳", 3), ("睡不着", 3),
             ("吵醒", 3),
             ("noise", 3), ("noisy", 3), ("can't sleep", 3), ("building site", 2),
             ("construction site", 2), ("construction", 2), ("drilling", 3), ("jackhammer", 3),
             ("pile driving", 3), ("banging", 2), ("midnight", 1), ("sleep", 1.5)),
    "HF06": (("井盖", 4), ("盖子", 3), ("窨井盖", 4), ("下水道盖", 4),
             ("篦子", 4), ("箅子", 4), ("雨水篦子", 4), ("雨水箅子", 4), ("盖板", 3),
             ("沟盖", 3), ("格栅", 3), ("铁盖子", 4), ("污水井", 3),
             ("污水井盖", 4), ("雨水井", 3), ("雨水井盖", 4),
             ("manhole cover", 4), ("manhole", 4), ("drain cover", 4), ("drain grate", 4),
             ("grate", 3)),
    "HF07": (("招牌", 3), ("广告牌", 3), ("牌子", 2), ("路牌", 3), ("路名牌", 3),
             ("指示牌", 3), ("指路牌", 3), ("广告招牌", 3),
             ("shop sign", 3), ("signboard", 3), ("billboard", 3), ("sign", 2), ("signs", 2)),
    "HF08": (("柜子", 3), ("电箱", 3), ("配电箱", 3), ("交接箱", 3), ("配电柜", 3),
             ("机柜", 3), ("变电箱", 3), ("电力箱", 3), ("快递柜", 3), ("铁皮柜", 3),
             ("弱电柜", 3), ("柜门", 3), ("电箱柜", 3),
             ("cabinet", 3), ("electrical box", 3)),
    "HF09": (("快倒了", 1.5), ("要倒了", 1.5), ("歪了", 1), ("摇摇欲坠", 2), ("斜了", 1),
             ("about to fall", 2), ("leaning", 1),
             ("杆子", 3), ("电杆", 3), ("线杆", 3), ("废杆", 3), ("电线杆", 1.5),
             ("监控杆", 3), ("路灯杆", 2), ("通信杆", 3), ("水泥杆", 3),
             ("utility pole", 3), ("poles", 2), ("pole", 2), ("lamp posts", 1),
             ("lamp post", 1)),
    "HF10": (("亭子", 3), ("报刊亭", 4), ("书报亭", 4), ("售货亭", 4), ("售卖亭", 4),
             ("早餐亭", 4), ("电话亭", 4), ("岗亭", 4), ("亭", 2),
             ("kiosk", 4), ("kiosks", 4)),
    "HF99": (("广场舞", 4), ("音乐", 2), ("音响", 3), ("音箱", 3), ("放音乐", 3),
             ("square dancing", 4),
             ("square dance", 4), ("loudspeaker", 4), ("loud music", 4),
             ("其他", 1), ("路灯", 2), ("流浪狗", 3), ("流浪猫", 2), ("下水道堵", 3),
             ("大喇叭", 4), ("喇叭", 3), ("公共厕所", 3), ("公厕", 3), ("厕所", 3),
             ("僵尸车", 4), ("烧落叶", 3), ("烧垃圾", 4), ("狗", 2), ("焚烧", 3), ("烧纸", 3),
             ("消防栓", 3),
             ("漏水", 2), ("水管", 3), ("爆管", 4), ("自来水", 3), ("冒水", 3),
             ("burst pipe", 4), ("water main", 4), ("pipe burst", 4),
             ("street lights", 3), ("street light", 3), ("streetlight", 3),
             ("stray dogs", 3), ("stray dog", 3)),
}

NEGATIONS = ("不是", "并非", "而不是", "不属于", "不算", "not ", "isn't ", "no longer ")
_NEGATION_REACH = 4  # characters between a negation and the phrase it denies
_CLAUSE_BREAK = re.compile(r"[，,。.!！?？;；\n]")
_ASCII = re.compile(r"[a-z]")


@dataclass(frozen=True)
class Classification:
    code: str | None  # None: unclear, ask the resident
    score: float = 0.0
    matched: tuple[str, ...] = ()  # the phrases that counted, in text order
    runner_up: str | None = None
    scores: Mapping[str, float] = field(default_factory=dict)

    @property
    def clear(self) -> bool:
        return self.code is not None


class Classifier:
    """Built once from the catalogue (``entries``: code → keywords) and reused."""

    def __init__(self, entries: Mapping[str, Iterable[str]] | Iterable[tuple[str, Iterable[str]]],
                 synonyms: Mapping[str, Iterable[tuple[str, float]]] = SYNONYMS,
                 threshold: float = 1.5, default_weight: float = 2.0):
        pairs = entries.items() if isinstance(entries, Mapping) else entries
        self.order: dict[str, int] = {}
        weights: dict[tuple[str, str], float] = {}
        for code, keywords in pairs:
            self.order.setdefault(code, len(self.order))
            for keyword in keywords:
                phrase = normalize(keyword)
                if phrase:
                    weights[(phrase, code)] = max(weights.get((phrase, code), 0), default_weight)
        for code, phrases in synonyms.items():
            if code not in self.order:  # a city may switch an entry off
                continue
            for phrase, weight in phrases:
                weights[(normalize(phrase), code)] = weight  # the table's weight is deliberate
        self._weights: dict[str, list[tuple[str, float]]] = {}
        for (phrase, code), weight in weights.items():
            self._weights.setdefault(phrase, []).append((code, weight))
        # One regular expression, longest phrases first: a single pass finds, at each
        # place in the message, the longest phrase that starts there; what it covers is
        # not read again (that is how "共享单车" hides its "单车").
        self._pattern = re.compile("|".join(
            re.escape(p) for p in sorted(self._weights, key=lambda p: (-len(p), p))))
        self.threshold = threshold

    def classify(self, text: str) -> Classification:
        norm = normalize(text)
        hits: list[tuple[int, str, str, float]] = []
        for match in self._pattern.finditer(norm):
            phrase, start = match.group(), match.start()
            if not _whole_word(norm, phrase, start, match.end()) or _negated(norm, start):
                continue
            for code, weight in self._weights[phrase]:
                hits.append((start, phrase, code, weight))
        scores: dict[str, float] = {}
        first: dict[str, int] = {}
        for start, _phrase, code, weight in hits:
            scores[code] = scores.get(code, 0) + weight
            first.setdefault(code, start)
        ranked = sorted(scores, key=lambda c: (-scores[c], first[c], self.order[c]))
        matched = tuple(p for _s, p, _c, w in hits if w > 0)
        if not ranked or scores[ranked[0]] < self.threshold:
            return Classification(None, scores[ranked[0]] if ranked else 0.0, matched,
                                  ranked[0] if ranked else None, scores)
        return Classification(ranked[0], scores[ranked[0]], matched,
                              ranked[1] if len(ranked) > 1 else None, scores)


def _whole_word(text: str, phrase: str, start: int, end: int) -> bool:
    """Latin phrases match whole words only ("car" is not in "scarf")."""
    if not _ASCII.match(phrase[0]):
        return True
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalpha()) and not (
        after.isascii() and after.isalpha())


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - _NEGATION_REACH - 4):start]
    window = _CLAUSE_BREAK.split(window)[-1]
    return any(n in window and len(window) - window.rindex(n) - len(n) <= _NEGATION_REACH
               for n in NEGATIONS)

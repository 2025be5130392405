"""Where a message is: the longest match of road, landmark and area names (and the
aliases residents use) in the city's gazetteer, with intersections ("解放大道与黄浦路路口").

The gazetteer is plain data: areas with their code, street, Chinese name, optional English
name, centre and roads (each road with its aliases and, where the road runs through
several areas, the house numbers it has in this one), and landmarks with the area their
point lies in. A road may run through several areas; the stretch meant is read from, in
this order: a house number ("中山大道88号"), a landmark ("临江大道江滩公园旁"), a cross
street (both roads of an intersection), the areas the resident named before
(``prefer``). Otherwise, among the areas the road leads (its sections), the first is
only a guess: when the candidates lie in different streets the place is ``ambiguous``
and the resident is asked which section.

A road or landmark name written with a slip is still read, where no name was read in that stretch
of text: a wrong character of the same sound ("解放大到", "珞瑜路", "汉口火车占"; pypinyin) when at
least half the characters are right and one of them is not the road's suffix; one wrong
character of any sound in a name of four or more characters when its suffix (路, 大道,
街…) is right and exactly one road fits ("雄梦大道"); and in English, one letter too
many, too few or wrong in a road's name of four or more letters ("Luomo Rd").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from workflows.sms.text import normalize, syllables

_ASCII = re.compile(r"[a-z0-9]")
# "A与B路口", "A和B交叉口", "A & B", or the two names side by side ("解放大道黄浦路口").
_JOINERS = re.compile(r"^\s*(与|和|跟|同|及|、|/|&|and|\+|-|—)?\s*$")
_EN_SUFFIX = {"avenue": "ave", "road": "rd", "street": "st", "ave.": "ave", "rd.": "rd",
              "st.": "st"}


_CJK_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_SUFFIXES = ("大道", "大街", "路", "街", "巷", "道")
_NUMERALS = set("一二三四五六七八九十零〇0123456789")
_EN_ROAD = re.compile(r"\b([a-z]{4,})\s+(ave|avenue|rd|road|st|street)\b\.?")


_NUMBER = re.compile(r"^\s*(\d{1,5})\s*(?:号|#|號|栋|附近|门口|好(?!几|多|像|久))")
# The same number written in Chinese numerals ("中山大道一百二十号"): only before 号/栋.
_NUMBER_ZH = re.compile(r"^\s*([零〇一二两三四五六七八九十百千]{1,8})\s*(?:号|#|栋)")
_NUMBER_EN = re.compile(r"(?:no\.?\s*)?(\d{1,5})\s*,?\s*$")


@dataclass(frozen=True)
class AreaEntry:
    id: int
    code: str
    name: str  # Chinese name, e.g. "中山大道(大智路—南京路)段"
    roads: tuple[tuple[str, tuple[str, ...]], ...]  # (name, aliases); the first is primary
    name_en: str = ""
    street: str = ""  # the street (街道) it belongs to; "" : read from the code
    center: tuple[float, float] | None = None  # (lng, lat)
    numbers: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    @property
    def street_key(self) -> str:
        return self.street or self.code.split("-")[0]


@dataclass(frozen=True)
class LandmarkEntry:
    name: str
    aliases: tuple[str, ...]
    area_id: int | None


@dataclass(frozen=True)
class Place:
    area_id: int | None
    area_code: str | None
    roads: tuple[str, ...] = ()  # canonical names, in the order the message named them
    matched: tuple[str, ...] = ()  # the words of the message that named them
    intersection: bool = False
    candidates: tuple[int, ...] = field(default=(), compare=False)
    # The road runs through areas of different streets and nothing in the message tells
    # which stretch: ``area_id`` is only the first section, and the resident is asked.
    ambiguous: bool = False
    landmark: str | None = None
    number: int | None = None  # a house number on the first road

    @property
    def road(self) -> str | None:
        return self.roads[0] if self.roads else None

    def describe(self) -> str:
        """What to write in the case's address: "解放大道与黄浦路路口", "中山大道88号",
        "江汉路步行街" or "中山大道"."""
        if self.intersection and len(self.roads) >= 2:
            return f"{self.roads[0]}与{self.roads[1]}路口"
        if self.roads and self.number is not None:
            return f"{self.roads[0]}{self.number}号"
        if self.roads and self.landmark:
            return f"{self.roads[0]}（{self.landmark}）"
        if self.roads:
            return self.roads[0]
        return self.landmark or ""


def english_names(name_zh: str, name_en: str, roads: Sequence[str]) -> dict[str, str]:
    """Road name → English name, read from an area's two names when they list the same
    roads in the same order ("中山大道(大智路—南京路)段" / "Zhongshan Ave (Dazhi Rd–Nanjing
    Rd)"; "A与B交汇片区" / "A & B"; "A沿线" / "A (full length)"). Empty when they do not."""
    zh = [p for p in re.split(r"[()（）—–\-]|与|交汇片区|沿线|段$", name_zh) if p and p != "段"]
    en = [p.strip() for p in re.split(r"[()–—]|&|\(full length\)", name_en)]
    en = [p for p in en if p and p != "full length"]
    zh = [z.strip() for z in zh if z.strip()]
    if len(zh) != len(en) or any(z not in roads for z in zh):
        return {}
    return dict(zip(zh, en, strict=True))


def _norm_en(name: str) -> str:
    words = normalize(name).replace("'", "").split()
    return " ".join(_EN_SUFFIX.get(w, w) for w in words)


class Gazetteer:
    def __init__(self, areas: Iterable[AreaEntry], landmarks: Iterable[LandmarkEntry] = ()):
        self.areas: list[AreaEntry] = list(areas)
        self.landmarks: list[LandmarkEntry] = [m for m in landmarks if m.area_id is not None]
        self._by_id = {a.id: a for a in self.areas}
        self._order = {a.id: i for i, a in enumerate(self.areas)}
        self.road_areas: dict[str, list[int]] = {}
        names: dict[str, tuple[str, str]] = {}  # normal form → ("road", name) | ("area", id)
        english: dict[str, str] = {}
        for area in self.areas:
            for road, aliases in area.roads:
                self.road_areas.setdefault(road, []).append(area.id)
                for name in (road, *aliases):
                    names.setdefault(normalize(name), ("road", road))
            for road, en in english_names(area.name, area.name_en,
                                          [r for r, _ in area.roads]).items():
                english.setdefault(_norm_en(en), road)
            names.setdefault(normalize(area.name), ("area", str(area.id)))
        # How residents also write a road: its number in digits ("古田3路", "建设10路"),
        # and its name with another suffix ("解放路" for 解放大道, "徐东路" for 徐东大街)
        # where no road has that name and only one road has that stem.
        stems: dict[str, set[str]] = {}
        for key, (kind, road) in list(names.items()):
            if kind != "road" or not _CJK_NAME.match(key):
                continue
            digits = _digit_form(key)
            if digits != key:
                names.setdefault(digits, ("road", road))
            suffix = next((x for x in _SUFFIXES if key.endswith(x)), "")
            if suffix and len(key) - len(suffix) >= 2:
                stems.setdefault(key[:-len(suffix)], set()).add(road)
        for stem, roads in stems.items():
            if len(roads) == 1:
                road = next(iter(roads))
                for suffix in ("路", "街", "大道", "大街"):
                    names.setdefault(stem + suffix, ("road", road))
        for i, landmark in enumerate(self.landmarks):
            for name in (landmark.name, *landmark.aliases):
                key = normalize(name)
                held = names.get(key)
                # A landmark is more precise than a road's alias that happens to be its
                # name ("江汉路步行街"), but never hides a road's own name.
                if len(key) >= 2 and (held is None or held[0] == "road" and held[1] != key):
                    names[key] = ("landmark", str(i))
        self._english = {road: en for en, road in english.items()}
        # English road names, with "Avenue/Road/Street" as written or abbreviated, and the
        # bare name ("Tanhualin") when no other road shares it.
        bare: dict[str, set[str]] = {}
        for en, road in english.items():
            names.setdefault(en, ("road", road))
            long = en.replace(" ave", " avenue").replace(" rd", " road").replace(" st", " street")
            names.setdefault(long, ("road", road))
            stem = re.sub(r" (ave|rd|st)$", "", en)
            if len(stem) >= 5:
                bare.setdefault(stem, set()).add(road)
        for stem, roads in bare.items():
            if len(roads) == 1:
                names.setdefault(stem, ("road", next(iter(roads))))
        # Road names by length and by sound, for slips of the keyboard or input method.
        self._slip_lengths: set[int] = set()
        self._sounds: dict[tuple[str, ...], set[tuple[str, str, str]]] = {}
        # A name with one character (before its suffix) masked → the roads it names.
        self._masked: dict[str, set[str]] = {}
        for key, (kind, road) in names.items():
            if kind in ("road", "landmark") and len(key) >= 3 and _CJK_NAME.match(key):
                self._slip_lengths.add(len(key))
                self._sounds.setdefault(tuple(syllables(key) or ()), set()).add(
                    (key, kind, road))
            if kind == "road" and len(key) >= 3 and _CJK_NAME.match(key):
                suffix = next((x for x in _SUFFIXES if key.endswith(x)), "")
                if len(key) >= 4 and suffix:
                    for j in range(len(key) - len(suffix)):
                        if key[j] not in _NUMERALS:
                            self._masked.setdefault(key[:j] + "\0" + key[j + 1:],
                                                    set()).add(road)
        self._en_stems: dict[str, tuple[str, str]] = {}  # "lumo" → ("rd", road)
        for en, road in english.items():
            match = re.match(r"^([a-z]{4,}) (ave|rd|st)$", en)
            if match:
                self._en_stems[match.group(1)] = (match.group(2), road)
        # One regular expression, longest names first: a single pass over the message
        # finds, at each place, the longest name that starts there.
        self._lookup = names
        self._pattern = re.compile("|".join(
            re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)) if n))

    @classmethod
    def from_data(cls, areas: Iterable[Mapping], landmarks: Iterable[Mapping] = ()
                  ) -> Gazetteer:
        """From plain mappings: {"id", "code", "name" (or "name_zh"), "name_en"?,
        "street"?, "center"? [lng, lat], "roads": [{"name", "aliases", "numbers"?}]} and
        landmarks {"name", "aliases", "area_id"}."""
        return cls(
            (AreaEntry(
                id=a["id"], code=a["code"], name=a.get("name") or a["name_zh"],
                name_en=a.get("name_en", ""),
                roads=tuple((r["name"], tuple(r.get("aliases") or ())) for r in a["roads"]),
                street=a.get("street", ""),
                center=tuple(a["center"]) if a.get("center") else None,
                numbers={r["name"]: tuple(tuple(n) for n in r["numbers"])
                         for r in a["roads"] if r.get("numbers")},
            ) for a in areas),
            (LandmarkEntry(m["name"], tuple(m.get("aliases") or ()), m.get("area_id"))
             for m in landmarks),
        )

    def place_names(self) -> list[str]:
        """Every Chinese name of a road or landmark it reads (with the forms residents
        write), for the classifier to take as places rather than problem words."""
        return [n for n, (kind, _key) in self._lookup.items()
                if kind in ("road", "landmark") and _CJK_NAME.match(n)]

    def english(self, road: str) -> str:
        """The road's English name where the areas give one, else the road as it is."""
        return self._english.get(road, road)

    def area(self, area_id: int) -> AreaEntry:
        return self._by_id[area_id]

    def mentions(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, kind, key) of every name in the text, in text order; at each place
        the longest name wins; kind is "road" (key: its name) or "area" (key: its id)."""
        norm = normalize(text)
        found = []
        for match in self._pattern.finditer(norm):
            start, end = match.span()
            if not _whole_word(norm, match.group(), start, end):
                continue
            kind, key = self._lookup[match.group()]
            found.append((start, end, kind, key))
        covered = [False] * len(norm)
        for start, end, _kind, _key in found:
            covered[start:end] = [True] * (end - start)
        slips = self._slips(norm, covered)
        return sorted(found + slips) if slips else found

    def _slips(self, norm: str, covered: list[bool]) -> list[tuple[int, int, str, str]]:
        """Road names written with a slip, in the text no name covers (see the module's
        docstring for what counts)."""
        out: list[tuple[int, int, str, str]] = []
        if self._slip_lengths and any(not c and ch >= "\u3400" for c, ch in
                                    zip(covered, norm, strict=True)):
            sounds = syllables(norm)
            i = 0
            while i < len(norm):
                hit = None
                for length in sorted(self._slip_lengths, reverse=True):
                    window = norm[i:i + length]
                    if (len(window) == length and not any(covered[i:i + length])
                            and _CJK_NAME.match(window)):
                        hit = self._slip(window, sounds[i:i + length] if sounds else None)
                        if hit is not None:
                            out.append((i, i + length, *hit))
                            i += length
                            break
                if hit is None:
                    i += 1
        for match in _EN_ROAD.finditer(norm):
            stem = match.group(1)
            if stem in self._en_stems or any(covered[match.start():match.end()]):
                continue
            near = {road for known, (_sfx, road) in self._en_stems.items()
                    if _one_edit(stem, known)}
            if len(near) == 1:
                out.append((match.start(), match.end(), "road", near.pop()))
        return out

    def _slip(self, window: str, sounds: list[str] | None) -> tuple[str, str] | None:
        suffix = next((x for x in _SUFFIXES if window.endswith(x)), "")
        if sounds is not None:
            for key, kind, ref in sorted(self._sounds.get(tuple(sounds), ())):
                same = [a == b for a, b in zip(key, window, strict=True)]
                if 2 * sum(same) >= len(key) and any(same[:len(key) - len(suffix) or 1]):
                    return kind, ref
        if len(window) < 4 or not suffix:
            return None
        roads: set[str] = set()
        for j in range(len(window) - len(suffix)):
            if window[j] not in _NUMERALS:
                roads |= self._masked.get(window[:j] + "\0" + window[j + 1:], set())
        return ("road", roads.pop()) if len(roads) == 1 else None

    def locate(self, text: str, prefer: Iterable[int] = ()) -> Place | None:
        """The place a message names. ``prefer``: areas the resident named before (an
        earlier report, the road of a pending question), used when nothing in this message
        tells the stretch of road."""
        norm = normalize(text)
        found = self.mentions(text)
        if not found:
            return None
        landmark = next((self.landmarks[int(key)] for _s, _e, kind, key in found
                         if kind == "landmark"), None)
        for _s, _e, kind, key in found:
            if kind == "area":
                area = self._by_id[int(key)]
                return Place(area.id, area.code, (area.roads[0][0],) if area.roads else (),
                             (area.name,), False, (area.id,))
        roads: list[str] = []
        spans: list[tuple[int, int]] = []
        for start, end, kind, road in found:
            if kind == "road" and road not in roads:
                roads.append(road)
                spans.append((start, end))
        if not roads:
            area = self._by_id.get(landmark.area_id)
            return Place(area.id, area.code, (), (landmark.name,), False, (area.id,),
                         landmark=landmark.name)
        matched = tuple(norm[s:e] for s, e in spans)
        intersection = len(roads) >= 2 and _JOINERS.match(norm[spans[0][1]:spans[1][0]]) \
            is not None
        number = _house_number(norm, *spans[0])
        candidates = self._rank(roads)
        best, ambiguous = self._choose(roads, candidates, number, landmark, set(prefer),
                                       intersection)
        area = self._by_id[best] if best is not None else None
        return Place(best, area.code if area else None, tuple(roads), matched, intersection,
                     tuple(candidates), ambiguous=ambiguous,
                     landmark=landmark.name if landmark else None, number=number)

    def _choose(self, roads: list[str], candidates: list[int], number: int | None,
                landmark: LandmarkEntry | None, prefer: set[int],
                intersection: bool = False) -> tuple[int | None, bool]:
        """The area meant, and whether that is only a guess between streets."""
        if not candidates:
            return None, False
        if number is not None:
            hits = [a for a in candidates
                    if any(lo <= number <= hi for lo, hi in
                           self._by_id[a].numbers.get(roads[0], ()))]
            if hits:
                return hits[0], False
        if landmark is not None:
            if landmark.area_id in candidates:
                return landmark.area_id, False
            near = self._nearest(candidates, landmark.area_id)
            if near is not None:
                return near, False
        wanted = set(roads)
        held = {a: len({r for r, _ in self._by_id[a].roads} & wanted) for a in candidates}
        top = [a for a in candidates if held[a] == held[candidates[0]]]
        if len(roads) >= 2 and held[candidates[0]] >= 2:
            # The crossing of two named roads: the area of the crossing itself where the
            # city has one ("A与B交汇片区"), else the section that holds both.
            if intersection:
                crossing = [a for a in top if "交汇" in self._by_id[a].name]
                if crossing:
                    return crossing[0], False
            return candidates[0], False
        for area_id in candidates:
            if area_id in prefer:
                return area_id, False
        streets_before = {self._by_id[a].street_key for a in prefer if a in self._by_id}
        for area_id in candidates:  # the section in the street the resident reports from
            if self._by_id[area_id].street_key in streets_before:
                return area_id, False
        led = [a for a in top if self._by_id[a].roads[0][0] == roads[0]] or top
        if len(roads) == 1:
            # One road and nothing else: its whole length (沿线) before one section of it,
            # and a section before the crossing of it with a road the resident did not name.
            led.sort(key=lambda a: (0 if "沿线" in self._by_id[a].name else
                                    2 if "交汇" in self._by_id[a].name else 1))
        streets = {self._by_id[a].street_key for a in led}
        return led[0], len(streets) > 1

    def _nearest(self, candidates: list[int], area_id: int | None) -> int | None:
        origin = self._by_id.get(area_id) if area_id is not None else None
        if origin is None or origin.center is None:
            return None
        placed = [a for a in candidates if self._by_id[a].center is not None]
        if not placed:
            return None
        ox, oy = origin.center
        return min(placed, key=lambda a: (self._by_id[a].center[0] - ox) ** 2
                   + (self._by_id[a].center[1] - oy) ** 2)

    def _rank(self, roads: list[str]) -> list[int]:
        """Areas holding the first-named road, best first: most of the named roads, then
        those led by the first road, then gazetteer order."""
        ids = self.road_areas.get(roads[0], [])
        wanted = set(roads)

        def key(area_id: int):
            area = self._by_id[area_id]
            held = {r for r, _ in area.roads} & wanted
            led = area.roads[0][0] == roads[0]
            return (-len(held), not led, self._order[area_id])

        return sorted(ids, key=key)


_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7",
           "八": "8", "九": "9", "十": "10"}


def _digit_form(name: str) -> str:
    """"古田三路" → "古田3路", "建设十路" → "建设10路": the numeral right before the suffix."""
    match = re.match(r"^(.+?)([一二三四五六七八九十])(路|街|巷)$", name)
    if match is None or len(match.group(1)) < 2:
        return name
    return match.group(1) + _DIGITS[match.group(2)] + match.group(3)


def _one_edit(a: str, b: str) -> bool:
    """One letter inserted, dropped or changed."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _house_number(norm: str, start: int, end: int) -> int | None:
    """A house number right after a road's name ("中山大道88号", "中山大道 88号门口",
    "中山大道八十八号"), or before an English one ("No. 88 Zhongshan Ave")."""
    match = _NUMBER.match(norm[end:end + 12])
    if match is None and norm[start:start + 1].isascii():
        match = _NUMBER_EN.search(norm[max(0, start - 10):start])
    if match is not None:
        return int(match.group(1))
    match = _NUMBER_ZH.match(norm[end:end + 12])
    if match is None:
        return None
    import cn2an  # Chinese numerals by a maintained converter ("两百零八" = 208)

    try:
        return int(cn2an.cn2an(match.group(1), "smart"))
    except (ValueError, KeyError):  # not a well-formed numeral ("十百", "〇十")
        return None


def _whole_word(text: str, name: str, start: int, end: int) -> bool:
    if not _ASCII.match(name[0]):
        return True
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (
        after.isascii() and after.isalnum())

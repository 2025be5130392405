"""Where a message is: the longest match of road, place and area names (and the aliases
residents use) in the city's gazetteer, with intersections ("解放大道与黄浦路路口").

The gazetteer is plain data: areas with their code, Chinese name, optional English name
and roads (each road with its aliases). A road may run through several areas; the area
is then the one that holds the most of the roads the message names — both roads of an
intersection — and, among those, the one the first-named road leads (its primary road),
else the first in the gazetteer's order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from workflows.sms.text import normalize

_ASCII = re.compile(r"[a-z0-9]")
# "A与B路口", "A和B交叉口", "A & B", or the two names side by side ("解放大道黄浦路口").
_JOINERS = re.compile(r"^\s*(与|和|跟|同|及|、|/|&|and|\+|-|—)?\s*$")
_EN_SUFFIX = {"avenue": "ave", "road": "rd", "street": "st", "ave.": "ave", "rd.": "rd",
              "st.": "st"}


@dataclass(frozen=True)
class AreaEntry:
    id: int
    code: str
    name: str  # Chinese name, e.g. "中山大道(大智路—南京路)段"
    roads: tuple[tuple[str, tuple[str, ...]], ...]  # (name, aliases); the first is primary
    name_en: str = ""


@dataclass(frozen=True)
class Place:
    area_id: int | None
    area_code: str | None
    roads: tuple[str, ...] = ()  # canonical names, in the order the message named them
    matched: tuple[str, ...] = ()  # the words of the message that named them
    intersection: bool = False
    candidates: tuple[int, ...] = field(default=(), compare=False)

    @property
    def road(self) -> str | None:
        return self.roads[0] if self.roads else None

    def describe(self) -> str:
        """What to write in the case's address: "解放大道与黄浦路路口" or "中山大道"."""
        if self.intersection and len(self.roads) >= 2:
            return f"{self.roads[0]}与{self.roads[1]}路口"
        return self.roads[0] if self.roads else ""


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
    def __init__(self, areas: Iterable[AreaEntry]):
        self.areas: list[AreaEntry] = list(areas)
        self._by_id = {a.id: a for a in self.areas}
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
        # One regular expression, longest names first: a single pass over the message
        # finds, at each place, the longest name that starts there.
        self._lookup = names
        self._pattern = re.compile("|".join(
            re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)) if n))

    @classmethod
    def from_data(cls, areas: Iterable[Mapping]) -> Gazetteer:
        """From plain mappings: {"id", "code", "name" (or "name_zh"), "name_en"?, "roads":
        [{"name", "aliases"}]}."""
        return cls(
            AreaEntry(
                id=a["id"], code=a["code"], name=a.get("name") or a["name_zh"],
                name_en=a.get("name_en", ""),
                roads=tuple((r["name"], tuple(r.get("aliases") or ())) for r in a["roads"]),
            )
            for a in areas
        )

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
        return found

    def locate(self, text: str) -> Place | None:
        norm = normalize(text)
        found = self.mentions(text)
        if not found:
            return None
        for _s, _e, kind, key in found:
            if kind == "area":
                area = self._by_id[int(key)]
                return Place(area.id, area.code, (area.roads[0][0],) if area.roads else (),
                             (area.name,), False, (area.id,))
        roads: list[str] = []
        spans: list[tuple[int, int]] = []
        for start, end, _kind, road in found:
            if road not in roads:
                roads.append(road)
                spans.append((start, end))
        matched = tuple(norm[s:e] for s, e in spans)
        intersection = len(roads) >= 2 and _JOINERS.match(norm[spans[0][1]:spans[1][0]]) \
            is not None
        candidates = self._rank(roads)
        best = candidates[0] if candidates else None
        area = self._by_id[best] if best is not None else None
        return Place(best, area.code if area else None, tuple(roads), matched, intersection,
                     tuple(candidates))

    def _rank(self, roads: list[str]) -> list[int]:
        """Areas holding the first-named road, best first: most of the named roads, then
        those led by the first road, then gazetteer order."""
        order = {a.id: i for i, a in enumerate(self.areas)}
        ids = self.road_areas.get(roads[0], [])
        wanted = set(roads)

        def key(area_id: int):
            area = self._by_id[area_id]
            held = {r for r, _ in area.roads} & wanted
            led = area.roads[0][0] == roads[0]
            return (-len(held), not led, order[area_id])

        return sorted(ids, key=key)


def _whole_word(text: str, name: str, start: int, end: int) -> bool:
    if not _ASCII.match(name[0]):
        return True
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (
        after.isascii() and after.isalnum())

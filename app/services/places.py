"""Places as a resident meets them: the searchable list of areas with their roads (the
location picker without a map or JavaScript), a place in words, and whether a point is
in the city at all."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Area, Street
from app.services.reference_data import kept
from app.services.routing import area_index

#: A point this far (degrees, about 1 km) beyond the outermost area still counts as in the
#: city: it is kept as an unrouted case for a dispatcher to place.
CITY_MARGIN_DEG = 0.01


@dataclass(frozen=True)
class AreaChoice:
    id: int
    name_zh: str
    name_en: str
    roads: tuple[str, ...]
    street_zh: str
    street_en: str
    district_zh: str
    district_en: str
    search: str  # everything a resident might type, lower-cased

    def label(self, locale: str) -> str:
        zh = not str(locale).startswith("en")
        name, street, district = ((self.name_zh, self.street_zh, self.district_zh) if zh
                                  else (self.name_en, self.street_en, self.district_en))
        roads = "、".join(self.roads) if zh else ", ".join(self.roads)
        sep = "，" if zh else ", "
        where = f"{district}{street}" if zh else f"{street}, {district}"
        return f"{name}（{roads}）{sep}{where}" if zh else f"{name} ({roads}){sep}{where}"

    def words(self, locale: str) -> str:
        """The place in words, as shown back to the resident."""
        if str(locale).startswith("en"):
            return f"{self.name_en}, {self.street_en}, {self.district_en}"
        return f"{self.district_zh}{self.street_zh}{self.name_zh}"


def choices() -> list[AreaChoice]:
    """Every area with its roads, street and district, kept as reference data."""
    return kept("area-choices", _load_choices)


def _load_choices() -> list[AreaChoice]:
    areas = db.session.scalars(
        select(Area).options(selectinload(Area.roads),
                             selectinload(Area.street).selectinload(Street.district))
        .order_by(Area.code)
    ).all()
    from app.services.landmarks import by_area

    landmarks = by_area()  # "江汉路步行街" finds the area it is in
    out = []
    for a in areas:
        roads = tuple(r.name for r in a.roads)
        aliases = [alias for r in a.roads for alias in (r.aliases or [])]
        aliases += landmarks.get(a.id, [])
        search = " ".join([a.code, a.name_zh, a.name_en, *roads, *aliases, a.street.name_zh,
                           a.street.name_en, a.street.district.name_zh,
                           a.street.district.name_en]).lower()
        out.append(AreaChoice(a.id, a.name_zh, a.name_en, roads, a.street.name_zh,
                              a.street.name_en, a.street.district.name_zh,
                              a.street.district.name_en, search))
    return out


def search(q: str | None, limit: int = 300) -> list[AreaChoice]:
    """Areas whose name, roads (and their aliases), street or district contain every word
    of the query."""
    words = (q or "").lower().split()
    found = [c for c in choices() if all(w in c.search for w in words)]
    return found[:limit]


def choice(area_id: int | None) -> AreaChoice | None:
    return next((c for c in choices() if c.id == area_id), None) if area_id else None


def city_bounds() -> tuple[float, float, float, float] | None:
    """(min lng, min lat, max lng, max lat) of the areas: where the map opens."""
    return area_index().bounds


def in_city(lat: float, lng: float) -> bool:
    bounds = city_bounds()
    if bounds is None:
        return True  # no areas yet: nothing to judge by
    minx, miny, maxx, maxy = bounds
    m = CITY_MARGIN_DEG
    return minx - m <= lng <= maxx + m and miny - m <= lat <= maxy + m


def area_at(lat: float, lng: float) -> AreaChoice | None:
    return choice(area_index().locate(lng, lat))

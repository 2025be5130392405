"""A patrolling inspector's report (信息采集): photos, the place from the phone or from the
photo's own GPS tag, a category the patrol may use, and "fixed on the spot" (自行处置).

Everything is checked before anything is written; the case then goes through the one door
(``cases.submit`` with channel ``patrol``, the inspector as reporter), and the category's
intake rule decides whether it is dispatched at once."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from PIL.ExifTags import GPS, IFD
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseEvent, User
from app.services import cases, clock, intake, media, places
from app.services.actors import Actor
from app.services.errors import InvalidInput
from workflows.lifecycle import Action
from workflows.routing import Urgency

CHANNEL = "patrol"
NOTE_MAX = 500


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


def photo_point(data: bytes) -> Point | None:
    """The position a camera wrote into the photo (EXIF GPS, WGS-84 degrees), read from
    the original bytes before the stored copy is re-encoded without metadata; None when
    the photo carries none or an unusable one."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            gps = image.getexif().get_ifd(IFD.GPSInfo)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        return None
    try:
        lat = _degrees(gps[GPS.GPSLatitude], gps.get(GPS.GPSLatitudeRef, "N"))
        lng = _degrees(gps[GPS.GPSLongitude], gps.get(GPS.GPSLongitudeRef, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lng)) or (lat == 0 and lng == 0):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return Point(round(lat, 6), round(lng, 6))


def _degrees(dms, ref) -> float:
    d, m, s = (float(x) for x in dms)
    value = d + m / 60 + s / 3600
    ref = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -value if ref.strip().upper() in ("S", "W") else value


@dataclass
class PatrolReport:
    """What the inspector sent, as plain values."""

    category: str | None
    urgency: str = Urgency.NORMAL.value
    note: str = ""
    lat: float | None = None
    lng: float | None = None
    photos: list[media.Photo] = field(default_factory=list)
    fixed: bool = False
    after_photos: list[media.Photo] = field(default_factory=list)


@dataclass
class Place:
    point: Point
    from_photo: bool
    area_id: int


def locate(report: PatrolReport) -> Place:
    """Where the problem is: the position given (the phone's, or the pin the inspector
    moved), else the first photo's GPS tag. It must lie inside a responsibility area: an
    inspector patrols the city's areas, and a report nobody can be routed to is refused
    here rather than left for later."""
    if report.lat is not None and report.lng is not None:
        point, from_photo = Point(report.lat, report.lng), False
        if not (-90 <= point.lat <= 90 and -180 <= point.lng <= 180):
            raise InvalidInput(_l("That location is not on the map."), field="location")
    else:
        found = next((p for p in map(photo_point, (ph.data for ph in report.photos)) if p),
                     None)
        if found is None:
            raise InvalidInput(_l(
                "The photo carries no location. Use the phone's position or tap the map "
                "where the problem is."), field="location")
        point, from_photo = found, True
    area = places.area_at(point.lat, point.lng) if places.in_city(point.lat, point.lng) \
        else None
    if area is None:
        raise InvalidInput(_l(
            "That point is outside every responsibility area. Move the pin onto the street "
            "where the problem is."), field="location")
    return Place(point, from_photo, area.id)


def submit(user: User, report: PatrolReport) -> Case:
    """Check everything, then report through the one door; record "fixed on the spot" or
    dispatch at once as the category's rule says. Raises InvalidInput/Forbidden with
    nothing written."""
    category = intake.check_category(CHANNEL, report.category)
    if report.urgency not in Urgency.__members__.values():
        raise InvalidInput(_l("Unknown urgency."), field="urgency")
    note = (report.note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(_l("That text is too long (at most %(n)s characters).",
                              n=NOTE_MAX), field="note")
    if not report.photos:
        raise InvalidInput(_l("Please take a photo of the problem."), field="photos")
    if len(report.photos) > media.MAX_PHOTOS:
        raise InvalidInput(_l("At most %(n)s photos.", n=media.MAX_PHOTOS), field="photos")
    # The photos themselves are checked by the door before it writes anything.
    place = locate(report)
    after = []
    if report.fixed:
        if not report.after_photos:
            raise InvalidInput(_l("Fixed on the spot needs a photo taken after the fix."),
                               field="after_photos")
        after = report.after_photos
        media.prepare(after)
    actor = Actor.staff(user)
    case = cases.submit(
        actor, category_code=category.code, description=note or category.name_zh,
        lat=place.point.lat, lng=place.point.lng, urgency=report.urgency, channel=CHANNEL,
        photos=report.photos, source={"place_from": "photo" if place.from_photo else "given"})
    if report.fixed:
        return cases.self_handle(case.id, actor, note=note or str(_l("Fixed on the spot.")),
                                 photos=after)
    return intake.after_report(case, CHANNEL)


def today(user: User) -> list[tuple[Case, bool]]:
    """The inspector's own reports of today (local day), newest first, each with whether
    it was fixed on the spot."""
    start = clock.from_local(datetime.combine(clock.to_local(clock.now()).date(), time()))
    rows = db.session.scalars(
        select(Case).join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(CaseEvent.actor_user_id == user.id, CaseEvent.action == Action.SUBMIT.value,
               CaseEvent.at >= start, CaseEvent.at < start + timedelta(days=1),
               Case.channel == CHANNEL)
        .order_by(Case.id.desc())).all()
    fixed = set(db.session.scalars(select(CaseEvent.case_id).where(
        CaseEvent.case_id.in_([c.id for c in rows]),
        CaseEvent.action == Action.SELF_HANDLE.value))) if rows else set()
    return [(c, c.id in fixed) for c in rows]

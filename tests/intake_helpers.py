"""Helpers for the patrol and hotline tests: a camera-like JPEG carrying a GPS tag (made
with Pillow's EXIF API), an operator account, and the intake rules of a category."""

from __future__ import annotations

import io

from PIL import Image
from PIL.ExifTags import GPS, IFD
from PIL.TiffImagePlugin import IFDRational

from app.extensions import db
from app.models import Category
from app.services import intake, reference_data
from app.services.media import Photo
from tests.factories import user

CALLER = "13900002222"
CALLER_E164 = "+8613900002222"


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = ((value - d) * 60 - m) * 60
    return IFDRational(d, 1), IFDRational(m, 1), IFDRational(round(s * 10000), 10000)


def gps_jpeg(lat: float | None, lng: float | None, size=(640, 480),
             color=(40, 110, 70)) -> bytes:
    """A JPEG as a phone camera writes it: with GPSLatitude/GPSLongitude in the EXIF GPS
    IFD (degrees, minutes, seconds as rationals), or without any tag when lat is None."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "roadchief-test-camera"  # Make
    if lat is not None and lng is not None:
        exif[IFD.GPSInfo] = {
            GPS.GPSLatitudeRef: "N" if lat >= 0 else "S", GPS.GPSLatitude: _dms(lat),
            GPS.GPSLongitudeRef: "E" if lng >= 0 else "W", GPS.GPSLongitude: _dms(lng),
        }
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif, quality=90)
    return buf.getvalue()


def gps_photo(lat: float | None, lng: float | None, **kw) -> Photo:
    return Photo(gps_jpeg(lat, lng, **kw), "IMG_0001.jpg")


def operator(city, username: str = "operator", **place):
    made = user(username, "operator", **place)
    db.session.commit()
    return made


def rule(channel: str, code: str, *, allowed: bool = True, at_once: bool = False) -> None:
    category = db.session.query(Category).filter_by(code=code).one()
    intake.set_rule(channel, category.id, allowed=allowed, dispatch_at_once=at_once)
    db.session.commit()
    reference_data.invalidate()  # as an administrator's change does (services.admin.commit)

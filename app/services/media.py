"""Photos: checked by content (Pillow must decode them), capped in size, re-encoded so
that metadata (EXIF, GPS) is not kept, and stored in the photo store
(app.services.storage), each with a small JPEG thumbnail beside it named
``<storage key>.thumb.jpg`` (derived, so no column)."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from app.models import Attachment
from app.services import clock, storage
from app.services.errors import InvalidInput

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 4
THUMB_SIZE = (320, 320)
THUMB_SUFFIX = ".thumb.jpg"


@dataclass(frozen=True)
class Photo:
    data: bytes
    filename: str = ""


def check(photo: Photo) -> Image.Image:
    if len(photo.data) > current_app.config["MAX_PHOTO_BYTES"]:
        mb = current_app.config["MAX_PHOTO_BYTES"] // (1024 * 1024)
        raise InvalidInput(_l("A photo may be at most %(mb)s MB.", mb=mb), field="photo")
    try:
        with Image.open(io.BytesIO(photo.data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(photo.data))
        if image.format not in FORMATS:
            raise InvalidInput(_l("Photos must be JPEG, PNG or WebP."), field="photo")
        if image.width * image.height > MAX_PIXELS:
            raise InvalidInput(_l("That photo has too many pixels."), field="photo")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise InvalidInput(_l("That file is not a photo we can read."), field="photo") from None
    return image


def prepare(photos: list[Photo] | tuple[Photo, ...]) -> list[tuple[Image.Image, str]]:
    """Check every photo before anything is written; (image, format) pairs."""
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_l("At most %(n)s photos.", n=MAX_PHOTOS), field="photo")
    return [(img, img.format) for img in (check(p) for p in photos)]


def store(case_id: int, kind: str, prepared, event_id: int | None) -> list[Attachment]:
    """Write checked photos to the store (re-encoded: no metadata survives) and return their
    Attachment rows, not yet added to the session."""
    out = []
    for image, fmt in prepared:
        content_type, ext = FORMATS[fmt]
        key = f"{secrets.token_hex(16)}.{ext}"
        buf = io.BytesIO()
        clean = image.convert("RGB") if fmt == "JPEG" else image
        clean.save(buf, format=fmt, **({"quality": 88} if fmt != "PNG" else {}))
        storage.store().put(key, buf.getvalue(), content_type)
        storage.store().put(thumb_key(key), thumbnail(image), "image/jpeg")
        out.append(
            Attachment(
                case_id=case_id, event_id=event_id, kind=kind, storage_key=key,
                content_type=content_type, size=buf.tell(), width=image.width,
                height=image.height, created_at=clock.now(),
            )
        )
    return out


def thumb_key(key: str) -> str:
    return key + THUMB_SUFFIX


def thumbnail(image: Image.Image) -> bytes:
    """A JPEG at most THUMB_SIZE, transparency flattened onto white."""
    small = image.copy()
    small.thumbnail(THUMB_SIZE)
    if small.mode in ("RGBA", "LA", "P"):
        small = small.convert("RGBA")
        flat = Image.new("RGB", small.size, (255, 255, 255))
        flat.paste(small, mask=small.getchannel("A"))
        small = flat
    buf = io.BytesIO()
    small.convert("RGB").save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def respond(key: str, content_type: str, thumb: bool = False, max_age: int = 3600):
    """The response that sends a stored photo (or its thumbnail, made now if it is
    missing), or None when the photo is not in the store."""
    if not thumb:
        return storage.store().respond(key, content_type, max_age)
    small = thumb_key(key)
    if not storage.store().exists(small):
        data = storage.store().get(key)
        if data is None:
            return None
        with Image.open(io.BytesIO(data)) as image:
            storage.store().put(small, thumbnail(image), "image/jpeg")
    return storage.store().respond(small, "image/jpeg", max_age)

"""Photos: checked by content (Pillow must decode them), capped in size, re-encoded so
that metadata (EXIF, GPS) is not kept, and stored under UPLOAD_DIR, each with a small
JPEG thumbnail beside it named ``<storage key>.thumb.jpg`` (derived, so no column)."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from app.models import Attachment
from app.services import clock
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


def _upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


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
    """Write checked photos to disk (re-encoded: no metadata survives) and return their
    Attachment rows, not yet added to the session."""
    out = []
    for image, fmt in prepared:
        image = upright(image)
        content_type, ext = FORMATS[fmt]
        key = f"{secrets.token_hex(16)}.{ext}"
        buf = io.BytesIO()
        clean = image.convert("RGB") if fmt == "JPEG" else image
        clean.save(buf, format=fmt, **({"quality": 88} if fmt != "PNG" else {}))
        (_upload_dir() / key).write_bytes(buf.getvalue())
        (_upload_dir() / thumb_key(key)).write_bytes(thumbnail(image))
        out.append(
            Attachment(
                case_id=case_id, event_id=event_id, kind=kind, storage_key=key,
                content_type=content_type, size=buf.tell(), width=image.width,
                height=image.height, created_at=clock.now(),
            )
        )
    return out


def upright(image: Image.Image) -> Image.Image:
    """The picture as the phone showed it: a phone stores a portrait photo sideways with
    an EXIF orientation tag, which re-encoding drops, so the rotation is applied first."""
    turned = ImageOps.exif_transpose(image)
    return turned if turned is not None else image


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


def path_of(key: str, thumb: bool = False) -> Path:
    """Where a stored photo (or its thumbnail, made now if it is missing) lies."""
    path = _upload_dir() / key
    if not thumb:
        return path
    small = _upload_dir() / thumb_key(key)
    if not small.exists() and path.exists():
        with Image.open(path) as image:
            small.write_bytes(thumbnail(image))
    return small

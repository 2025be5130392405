"""Photos: checked by content (Pillow must decode them), capped in bytes and in pixels
(from the header, before decoding), re-encoded so that metadata (EXIF, GPS, comments) is
not kept, and stored in the photo store (app.services.storage), each with a small JPEG
thumbnail beside it named ``<storage key>.thumb.jpg`` (derived, so no column)."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import Attachment
from app.services import clock, storage
from app.services.errors import InvalidInput

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS_ANY = 400_000_000  # no photo header beyond this, even a JPEG decoded at 1/8
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
        image = _opened_within_limits(photo)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            Image.DecompressionBombError):
        raise InvalidInput(_l("That file is not a photo we can read."), field="photo") from None
    _without_comments(image)
    return image


def max_decoded_pixels() -> int:
    return int(current_app.config["MAX_PHOTO_MEGAPIXELS"] * 1_000_000)


def _opened_within_limits(photo: Photo) -> Image.Image:
    """The photo opened but not decoded, refused by its header's dimensions before any
    pixel is decoded, and set to decode at a bounded size. A JPEG (an Android phone's MPO
    is a JPEG with a second picture) decodes in Pillow's draft mode at 1/2, 1/4 or 1/8 of
    its size, the first that fits MAX_PHOTO_MEGAPIXELS, which costs a fraction of the
    time and memory; PNG and WebP have no such mode, so a larger one is refused. A
    worker holds at most MAX_PHOTOS decoded photos of that size at once."""
    with Image.open(io.BytesIO(photo.data)) as probe:
        if probe.format not in FORMATS and probe.format != "MPO":
            raise InvalidInput(_l("Photos must be JPEG, PNG or WebP."), field="photo")
        _check_pixels(probe.format, probe.width, probe.height)
        probe.verify()
    image = Image.open(io.BytesIO(photo.data))
    if image.format in ("JPEG", "MPO"):
        limit = max_decoded_pixels()
        for scale in (1, 2, 4, 8):
            if (image.width // scale) * (image.height // scale) <= limit:
                break
        if scale > 1:
            image.draft(None, (image.width // scale, image.height // scale))
    return image


def _check_pixels(fmt: str, width: int, height: int) -> None:
    limit = max_decoded_pixels()
    if fmt in ("JPEG", "MPO"):
        limit *= 64  # decoded at 1/8 of each side at most
    if width <= 0 or height <= 0 or width * height > min(limit, MAX_PIXELS_ANY):
        raise InvalidInput(
            _l("That photo is too large (%(w)s × %(h)s pixels): please send one of at most "
               "%(mp)s megapixels.", w=width, h=height,
               mp=current_app.config["MAX_PHOTO_MEGAPIXELS"]), field="photo")


def _without_comments(image: Image.Image) -> None:
    """Pillow writes a JPEG's comment (COM) back when the photo is saved again: a phone
    or an editor can leave a name or a place in it."""
    for key in ("comment", "COM"):
        image.info.pop(key, None)
    if image.format == "MPO":
        image.format = "JPEG"  # only the first picture is kept, stored as a JPEG


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
        image = upright(image)
        content_type, ext = FORMATS[fmt]
        key = f"{secrets.token_hex(16)}.{ext}"
        buf = io.BytesIO()
        clean = image.convert("RGB") if fmt == "JPEG" and image.mode != "RGB" else image
        clean.save(buf, format=fmt, **({"quality": 88} if fmt != "PNG" else {}))
        storage.store().put(key, buf.getvalue(), content_type)
        storage.store().put(thumb_key(key), thumbnail(image), "image/jpeg")
        _written_by(key)
        out.append(
            Attachment(
                case_id=case_id, event_id=event_id, kind=kind, storage_key=key,
                content_type=content_type, size=buf.tell(), width=image.width,
                height=image.height, created_at=clock.now(),
            )
        )
    return out


def _written_by(key: str) -> None:
    """Remember the files this transaction wrote: a rollback removes them, so a report
    that failed halfway leaves no photo without its case."""
    from app.extensions import db

    db.session().info.setdefault(_WRITTEN, []).append(key)


_WRITTEN = "media_written"


@event.listens_for(Session, "after_commit")
def _keep_written(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _remove_written(session: Session) -> None:
    keys = session.info.pop(_WRITTEN, None)
    if not keys:
        return
    for key in keys:
        storage.store().delete(key)
        storage.store().delete(thumb_key(key))


def upright(image: Image.Image) -> Image.Image:
    """The picture as the phone showed it: a phone stores a portrait photo sideways with
    an EXIF orientation tag, which re-encoding drops, so the rotation is applied first."""
    turned = ImageOps.exif_transpose(image)
    return turned if turned is not None else image


def thumb_key(key: str) -> str:
    return key + THUMB_SUFFIX


def thumbnail(image: Image.Image) -> bytes:
    """A JPEG at most THUMB_SIZE, transparency flattened onto white."""
    # Resized straight from the photo (a copy of a camera-sized photo first costs as much
    # as the resize itself); never enlarged.
    scale = min(1.0, THUMB_SIZE[0] / image.width, THUMB_SIZE[1] / image.height)
    small = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                         Image.Resampling.BICUBIC, reducing_gap=2.0)
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

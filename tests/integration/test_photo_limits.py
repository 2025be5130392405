"""Uploads cannot exhaust a worker: pixel dimensions are checked from the header before any
decoding, a large JPEG is decoded at a bounded size (draft mode), Android's MPO photos are
accepted, and a JPEG comment does not survive into the stored photo."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from app.services import media, storage
from app.services.errors import InvalidInput


@pytest.fixture(autouse=True)
def _english(ctx):
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims these dimensions, with a few bytes of pixel data: decoding
    it would fail, so a refusal that names the size was decided from the header alone."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **params)
    return buf.getvalue()


def test_a_6300_square_png_is_refused_from_its_header(ctx):
    with pytest.raises(InvalidInput) as refused:
        media.check(media.Photo(png_header_only(6300, 6300), "big.png"))
    assert "6300 × 6300" in str(refused.value) and "megapixels" in str(refused.value)


def test_a_real_oversize_png_is_refused_too(ctx):
    big = encoded(Image.new("RGB", (4600, 4600), (10, 10, 10)), "PNG")  # 21 MP, compresses
    with pytest.raises(InvalidInput) as refused:
        media.check(media.Photo(big, "big.png"))
    assert refused.value.field == "photo"


def test_a_large_jpeg_is_decoded_at_a_bounded_size(ctx):
    data = encoded(Image.new("RGB", (8000, 6000), (90, 140, 200)), "JPEG", quality=60)
    image = media.check(media.Photo(data, "48mp.jpg"))
    assert image.width * image.height <= media.max_decoded_pixels()
    assert (image.width, image.height) == (4000, 3000)  # half of each side


def test_a_phone_photo_keeps_its_size(ctx):
    data = encoded(Image.new("RGB", (4032, 3024), (90, 140, 200)), "JPEG", quality=60)
    assert media.check(media.Photo(data, "12mp.jpg")).size == (4032, 3024)


def test_an_android_mpo_photo_is_accepted_and_stored_as_a_jpeg(ctx):
    first, second = Image.new("RGB", (320, 240), (200, 0, 0)), Image.new("RGB", (320, 240))
    data = encoded(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    [(image, fmt)] = media.prepare([media.Photo(data, "IMG_0001.jpg")])
    assert fmt == "JPEG"
    [attachment] = media.store(1, "before", [(image, fmt)], None)
    assert attachment.content_type == "image/jpeg"
    with Image.open(io.BytesIO(storage.store().get(attachment.storage_key))) as stored:
        assert stored.format == "JPEG" and stored.getpixel((5, 5))[0] > 150


def test_a_jpeg_comment_does_not_survive(ctx):
    data = encoded(Image.new("RGB", (64, 48)), "JPEG", comment=b"Zhang San, 12 Jiefang Rd")
    assert Image.open(io.BytesIO(data)).info["comment"]
    [attachment] = media.store(1, "before", media.prepare([media.Photo(data, "c.jpg")]), None)
    stored = storage.store().get(attachment.storage_key)
    assert b"Zhang San" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert "comment" not in image.info


def test_a_truncated_photo_is_refused_cleanly(ctx):
    data = encoded(Image.new("RGB", (640, 480), (1, 2, 3)), "JPEG")[:300]
    with pytest.raises(InvalidInput):
        media.check(media.Photo(data, "cut.jpg"))

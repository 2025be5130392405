"""Photos as phones take them: a portrait photo stored sideways with an EXIF orientation
tag is stored upright, with no metadata left; staff pages get a small thumbnail."""

import io

from PIL import Image

from app.services import media, storage
from tests.work_helpers import client_for, report


def sideways_portrait() -> bytes:
    """What a phone writes for a portrait shot: landscape pixels, orientation 6 (turn
    90° clockwise to view), the top half red so that "up" can be checked."""
    image = Image.new("RGB", (400, 300), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 200, 300))  # the left half: "up" once turned
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif.tobytes())
    return buf.getvalue()


def test_a_portrait_photo_with_exif_orientation_6_is_stored_upright_without_metadata(city, t0):
    case = report(city, t0, photos=0)
    [attachment] = media.store(case.id, "before", media.prepare([media.Photo(
        sideways_portrait(), "p.jpg")]), None)
    assert (attachment.width, attachment.height) == (300, 400)
    with Image.open(io.BytesIO(storage.store().get(attachment.storage_key))) as stored:
        assert stored.size == (300, 400)
        assert not stored.getexif()
        top = stored.convert("RGB").getpixel((150, 20))
        bottom = stored.convert("RGB").getpixel((150, 380))
    assert top[0] > 200 and top[2] < 60, top  # red on top: turned the right way
    assert bottom[2] > 200, bottom


def test_staff_get_a_thumbnail_and_the_full_photo_on_demand(app, city, t0):
    case = report(city, t0, photos=1)
    client = client_for(app, city.dispatcher)
    page = client.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "size=thumb" in page
    attachment = case.attachments[0]
    small = client.get(f"/work/photos/{attachment.id}?size=thumb")
    full = client.get(f"/work/photos/{attachment.id}")
    assert small.status_code == full.status_code == 200
    with Image.open(io.BytesIO(small.data)) as image:
        assert max(image.size) <= max(media.THUMB_SIZE)
    assert f'href="/work/photos/{attachment.id}"' in page

"""Photos held between two steps of the report form.

When the form comes back (a mistake to fix, or "is it one of these?"), the photos that
passed the check are kept here under a random token, so the resident need not pick them
again; they become a case's photos only when the report is sent. They are kept in the photo
store, so the form's next step may reach another app host; left-overs older than a day are
swept."""

from __future__ import annotations

import base64
import io
import re
import secrets

from PIL import Image

from app.services import media, storage

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
MAX_AGE_SECONDS = 24 * 3600


def _key(token: str) -> str:
    return f"staging/{token}"


def stage(photo: media.Photo) -> str:
    token = secrets.token_hex(16)
    storage.store().put(_key(token), photo.data, "application/octet-stream")
    return token


def load(token: str) -> media.Photo | None:
    if not _TOKEN.match(token or ""):
        return None
    data = storage.store().get(_key(token))
    return media.Photo(data, token) if data is not None else None


def discard(tokens: list[str]) -> None:
    for token in tokens:
        if _TOKEN.match(token or ""):
            storage.store().delete(_key(token))


def preview(photo: media.Photo) -> str:
    """A small data: URI to show a held photo in the form again."""
    with Image.open(io.BytesIO(photo.data)) as image:
        data = media.thumbnail(image)
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def sweep_left_overs() -> int:
    """Held photos of forms never sent, older than a day (the periodic sweep calls this)."""
    return storage.sweep("staging/", MAX_AGE_SECONDS)

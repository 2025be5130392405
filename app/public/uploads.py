"""Photos held between two steps of the report form.

When the form comes back (a mistake to fix, or "is it one of these?"), the photos that
passed the check are kept here under a random token, so the resident need not pick them
again; they become a case's photos only when the report is sent. Left-overs older than a
day are swept."""

from __future__ import annotations

import base64
import io
import re
import secrets
import time
from pathlib import Path

from flask import current_app
from PIL import Image

from app.services import media

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
MAX_AGE_SECONDS = 24 * 3600


def _dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stage(photo: media.Photo) -> str:
    token = secrets.token_hex(16)
    (_dir() / token).write_bytes(photo.data)
    _sweep()
    return token


def load(token: str) -> media.Photo | None:
    if not _TOKEN.match(token or ""):
        return None
    path = _dir() / token
    return media.Photo(path.read_bytes(), token) if path.exists() else None


def discard(tokens: list[str]) -> None:
    for token in tokens:
        if _TOKEN.match(token or ""):
            (_dir() / token).unlink(missing_ok=True)


def preview(photo: media.Photo) -> str:
    """A small data: URI to show a held photo in the form again."""
    with Image.open(io.BytesIO(photo.data)) as image:
        data = media.thumbnail(image)
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def _sweep() -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in _dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass

"""Static files are linked with a version of their content (``/static/js/report.js?v=…``):
nginx lets browsers keep them for a week, and a page of a new release must never run with
the scripts of the old one (a new ``report.js`` calling what an old ``basemap.js`` lacks).
The version is a short hash of the file, worked out once per process."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask


def register(app: Flask) -> None:
    folder = Path(app.static_folder or "static").resolve()

    @lru_cache(maxsize=1024)
    def version(filename: str) -> str | None:
        path = (folder / filename).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]

    @app.url_defaults
    def static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and values.get("filename"):
            found = version(values["filename"])
            if found:
                values["v"] = found

"""Commands for running the system for years.

``flask photos ...`` backs up, restores and checks the photos of every case, whatever the
store (a directory or a bucket), so that a restored database can be matched with its
photos and a photo that is missing is said, not discovered by a resident:

    flask photos export /backup/photos-2026-12-07   # every photo and thumbnail, as files
    flask photos import /backup/photos-2026-12-07   # into the configured store
    flask photos check                              # exit 1 and list what is missing

``flask retention run`` applies the personal-data retention periods (daily).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select


def _keys():
    from app.extensions import db
    from app.models import Attachment
    from app.services import media

    for key in db.session.scalars(select(Attachment.storage_key).order_by(Attachment.id)):
        yield key
        yield media.thumb_key(key)


def register(app: Flask) -> None:
    @app.cli.group()
    def photos() -> None:
        """The photo store: export, import, check."""

    @photos.command("export")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    def export(directory: Path) -> None:
        """Copy every case's photos (and thumbnails) from the store into DIRECTORY."""
        from app.services import storage

        directory.mkdir(parents=True, exist_ok=True)
        copied = missing = 0
        for key in _keys():
            data = storage.store().get(key)
            if data is None:
                missing += 1
                click.echo(f"missing: {key}", err=True)
                continue
            (directory / key).write_bytes(data)
            copied += 1
        click.echo(f"exported {copied} files to {directory}; {missing} missing")

    @photos.command("import")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def import_(directory: Path) -> None:
        """Put the files of DIRECTORY (an export) into the configured store."""
        from app.services import storage

        done = 0
        for path in sorted(directory.iterdir()):
            if path.is_file():
                kind = "image/jpeg" if path.name.endswith((".jpg", ".jpeg")) else (
                    "image/png" if path.name.endswith(".png") else "image/webp")
                storage.store().put(path.name, path.read_bytes(), kind)
                done += 1
        click.echo(f"imported {done} files into the {storage.store().describe()}")

    @photos.command("check")
    def check() -> None:
        """Every photo the database names is in the store (exit status 1 if not)."""
        from app.services import storage

        missing = [key for key in _keys() if not storage.store().exists(key)]
        for key in missing:
            click.echo(f"missing: {key}")
        click.echo(f"{len(missing)} missing in the {storage.store().describe()}")
        if missing:
            raise SystemExit(1)

    @app.cli.group()
    def retention() -> None:
        """Personal data kept no longer than needed (PIPL)."""

    @retention.command("run")
    def retention_run() -> None:
        """Anonymise old phone numbers, delete photos past their period, sweep held photos."""
        from app.services import retention as service

        done = service.run()
        click.echo(", ".join(f"{k} {v}" for k, v in done.items()))

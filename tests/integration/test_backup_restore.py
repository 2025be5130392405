"""Backup and restore as the README's Deploy section says: ``pg_dump -Fc`` of the database
and ``flask photos export`` of the photos, restored into an empty database and an empty
photo store; every case and every photo is there again, and ``flask photos check`` says so
(and says what is missing before the photos are back)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from app import create_app
from app.extensions import db
from app.models import Attachment, Case
from app.services import storage
from tests.conftest import IS_POSTGRES, need
from tests.work_helpers import closed, report

pytestmark = pytest.mark.postgres


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def empty_database():
    url = db.engine.url
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_dump_restored_into_an_empty_database_finds_every_case_and_photo(city, app, t0,
                                                                            tmp_path):
    need("PostgreSQL", IS_POSTGRES)
    need("pg_dump and pg_restore", bool(shutil.which("pg_dump") and shutil.which("pg_restore")))
    made = [closed(city, t0 + timedelta(hours=i)) for i in range(3)]
    made.append(report(city, t0 + timedelta(hours=5), photos=2))
    codes = {c.code for c in made}
    originals = {a.storage_key: storage.store().get(a.storage_key)
                 for a in db.session.scalars(select(Attachment))}
    assert len(originals) == 3 * 2 + 2  # a report photo and an after photo per closed case

    export = tmp_path / "photos"
    result = app.test_cli_runner().invoke(args=["photos", "export", str(export)])
    assert result.exit_code == 0 and "0 missing" in result.output
    dump = tmp_path / "roadchief.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), _libpq(db.engine.url)], check=True)

    with empty_database() as url:
        subprocess.run(["pg_restore", "--no-owner", "-d", _libpq(url), str(dump)], check=True)
        restored = create_app({"TESTING": True, "REDIS_URL": None,
                               "SQLALCHEMY_DATABASE_URI": url.render_as_string(
                                   hide_password=False),
                               "UPLOAD_DIR": str(tmp_path / "restored-uploads")})
        # (The CLI runs in the app context it finds: the restored app's.)
        with restored.app_context():
            runner = restored.test_cli_runner()
            before = runner.invoke(args=["photos", "check"])
            assert before.exit_code == 1
            assert f"{2 * len(originals)} missing" in before.output
            assert runner.invoke(args=["photos", "import", str(export)]).exit_code == 0
            after = runner.invoke(args=["photos", "check"])
            assert after.exit_code == 0 and "0 missing" in after.output

            assert set(db.session.scalars(select(Case.code))) == codes
            keys = {a.storage_key: a.kind for a in db.session.scalars(select(Attachment))}
            assert set(keys) == set(originals)
            for key in keys:
                assert storage.store().get(key) == originals[key]
            client = restored.test_client()
            for case in made:
                assert client.get(f"/track/{case.code}").status_code == 200
            # Public: the photos of cases a dispatcher accepted (a report's photos wait).
            public = list(db.session.scalars(
                select(Attachment.storage_key).join(Case, Case.id == Attachment.case_id)
                .where(Attachment.kind.in_(("before", "after")),
                       Case.dispatched_at.is_not(None))))
            assert public and all(client.get(f"/photos/{k}").data == originals[k]
                                  for k in public)
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()

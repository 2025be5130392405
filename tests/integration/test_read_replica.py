"""A real streaming replica: a throw-away PostgreSQL primary and a replica made from it by
``pg_basebackup -R``, each on its own port of this machine. The supervision pages and the
Open311 list read from the replica, writes go to the primary, and a replica that lags or
is stopped leaves those pages reading the primary.

Needs PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup); skipped without them,
required under CI."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from app import create_app
from app.extensions import db
from app.services import replica
from tests.conftest import need
from tests.object_store import free_port, wait_for_port

pytestmark = pytest.mark.postgres


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _as_postgres(args: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


class Pair:
    def __init__(self, root: Path, pg: Path):
        self.root, self.pg = root, pg
        self.primary_port, self.replica_port = free_port(), free_port()

    def url(self, port: int) -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/roadchief"

    def ctl(self, data: str, *args: str) -> None:
        _as_postgres([str(self.pg / "pg_ctl"), "-D", str(self.root / data), "-w",
                      "-l", str(self.root / f"{data}.log"), *args])

    def start(self) -> None:
        primary = self.root / "primary"
        _as_postgres([str(self.pg / "initdb"), "-D", str(primary), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--locale=C"])
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(f"port = {self.primary_port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\nfsync = off\n"
                       "wal_level = replica\nmax_wal_senders = 4\n")
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self.ctl("primary", "start")
        _as_postgres([str(self.pg / "createdb"), "-h", "127.0.0.1", "-p",
                      str(self.primary_port), "-U", "postgres", "roadchief"])

    def make_replica(self) -> None:
        _as_postgres([str(self.pg / "pg_basebackup"), "-h", "127.0.0.1", "-p",
                      str(self.primary_port), "-U", "postgres", "-D",
                      str(self.root / "replica"), "-R", "-X", "stream",
                      "--checkpoint=fast"])  # a spread checkpoint waits minutes for nothing
        with open(self.root / "replica" / "postgresql.auto.conf", "a") as conf:
            conf.write(f"port = {self.replica_port}\n")
        self.ctl("replica", "start")
        assert wait_for_port(self.replica_port, 30)

    def stop(self) -> None:
        for data in ("replica", "primary"):
            if (self.root / data / "postmaster.pid").exists():
                with contextlib.suppress(subprocess.CalledProcessError):
                    self.ctl(data, "stop", "-m", "immediate")


@pytest.fixture(scope="module")
def pair():
    pg = _pg_bin()
    need("PostgreSQL server programs (initdb, pg_basebackup)",
         pg is not None and shutil.which("runuser") is not None)
    root = Path(tempfile.mkdtemp(prefix="roadchief-replica-"))
    root.chmod(0o777)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    pairing = Pair(root, pg)
    try:
        pairing.start()
        replica_app = create_app({
            "TESTING": True, "REDIS_URL": None,
            "SQLALCHEMY_DATABASE_URI": pairing.url(pairing.primary_port),
            "DATABASE_REPLICA_URL": pairing.url(pairing.replica_port),
            "UPLOAD_DIR": str(root / "uploads"), "REPLICA_CHECK_SECONDS": 0,
            "REPLICA_MAX_LAG_BYTES": 256 * 1024})
        with replica_app.app_context():
            from flask_migrate import upgrade

            from tests.factories import build_city

            upgrade()
            build_city()
            db.session.remove()
        pairing.make_replica()
        pairing.app = replica_app
        yield pairing
    finally:
        pairing.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def reads(pair):
    """How many statements each engine ran during the block: {'primary': n, 'replica': n}."""
    app = pair.app
    counts = {"primary": 0, "replica": 0}
    with app.app_context():
        engines = {"primary": db.engine, "replica": app.extensions["roadchief.replica_engine"]}

    def counter(name):
        def count(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SELECT PG_", "SELECT 1")):
                counts[name] += 1
        return count

    hooks = {name: counter(name) for name in engines}
    for name, engine in engines.items():
        event.listen(engine, "before_cursor_execute", hooks[name])
    yield counts
    for name, engine in engines.items():
        event.remove(engine, "before_cursor_execute", hooks[name])


def _signed_in(app, username: str):
    from tests.work_helpers import PASSWORD, token_from

    client = app.test_client()
    page = client.get("/auth/login?lang=en").get_data(as_text=True)
    client.post("/auth/login", data={"csrf_token": token_from(page), "username": username,
                                     "password": PASSWORD})
    return client


def _wait_replayed(pair) -> None:
    with pair.app.app_context():
        for _ in range(100):
            replica.forget_health()
            if replica.check():
                return
            time.sleep(0.1)
    pytest.fail("the replica never caught up")


def test_the_supervision_pages_and_the_open311_list_read_from_the_replica(pair, reads):
    _wait_replayed(pair)
    supervisor = _signed_in(pair.app, "city_sup")
    reads.update(primary=0, replica=0)
    assert supervisor.get("/supervise/?lang=en").status_code == 200
    assert reads["replica"] > 0
    served_by_replica = reads["replica"]
    assert pair.app.test_client().get("/open311/v2/requests.json").status_code == 200
    assert reads["replica"] > served_by_replica

    reads.update(primary=0, replica=0)
    assert supervisor.get("/work/supervise").status_code == 200  # the work page: primary
    assert reads["replica"] == 0 and reads["primary"] > 0


def test_a_report_is_written_to_the_primary_and_reaches_the_replica(pair):
    from app.services import cases
    from app.services.actors import Actor

    with pair.app.app_context():
        case = cases.submit(Actor.resident(), category_code="LD03", description="副本测试",
                            lat=30.602, lng=114.302, phone="13900005555")
        code = case.code
        db.session.remove()
    _wait_replayed(pair)
    replica_db = create_engine(pair.url(pair.replica_port).replace(
        "postgresql://", "postgresql+psycopg://"))
    with replica_db.connect() as conn:
        assert conn.scalar(text('SELECT count(*) FROM "case" WHERE code = :c'), {"c": code}) == 1
        with pytest.raises(Exception, match="read-only"):
            conn.execute(text("DELETE FROM audit_entry"))
    replica_db.dispose()


def test_a_replica_that_lags_leaves_the_heavy_pages_on_the_primary(pair, reads):
    _wait_replayed(pair)
    replica_db = create_engine(pair.url(pair.replica_port).replace(
        "postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    primary_db = create_engine(pair.url(pair.primary_port).replace(
        "postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    try:
        with replica_db.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
        with primary_db.connect() as conn:  # a megabyte of WAL the replica has not replayed
            conn.execute(text("CREATE TABLE lag_filler AS SELECT repeat('x', 1000) AS pad "
                              "FROM generate_series(1, 1000)"))
        supervisor = _signed_in(pair.app, "city_sup")
        with pair.app.app_context():
            replica.forget_health()
        reads.update(primary=0, replica=0)
        assert supervisor.get("/supervise/?lang=en").status_code == 200
        assert reads["replica"] == 0 and reads["primary"] > 0
    finally:
        with replica_db.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
        with primary_db.connect() as conn:
            conn.execute(text("DROP TABLE IF EXISTS lag_filler"))
        replica_db.dispose()
        primary_db.dispose()
    _wait_replayed(pair)


def test_a_stopped_replica_leaves_the_heavy_pages_on_the_primary(pair, reads):
    supervisor = _signed_in(pair.app, "city_sup")
    pair.ctl("replica", "stop", "-m", "fast")
    try:
        with pair.app.app_context():
            replica.forget_health()
            pair.app.extensions["roadchief.replica_engine"].dispose()
        reads.update(primary=0, replica=0)
        assert supervisor.get("/supervise/?lang=en").status_code == 200
        assert pair.app.test_client().get("/open311/v2/requests.json").status_code == 200
        assert reads["primary"] > 0
    finally:
        pair.ctl("replica", "start")
    _wait_replayed(pair)


@pytest.mark.parametrize("url, says", [
    ("mysql://db/roadchief", "expected postgresql://"),
    ("not a url", "is not a database URL"),
    ("postgresql:///roadchief", "expected postgresql://"),
])
def test_a_misconfigured_replica_url_stops_the_app_at_start(url, says):
    with pytest.raises(replica.MisconfiguredReplica, match=says):
        create_app({"TESTING": True, "DATABASE_REPLICA_URL": url,
                    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1/x"})

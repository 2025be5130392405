"""An S3-compatible object store for the tests: moto's server mode started as a real HTTP
server in a process of its own (boto3 talks to it over TCP exactly as to MinIO), skipped on
a laptop without moto and required under CI.

Import the fixtures into a test module: ``from tests.object_store import moto_url, s3``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import pytest

from tests.conftest import need


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def moto_available() -> bool:
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def moto_server():
    """A moto S3 server on a free port; yields (endpoint URL, process)."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "roadchief-test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "roadchief-test-secret")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                             "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_for_port(port):
            raise RuntimeError("moto server did not start")
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(10)


def make_bucket(endpoint: str, name: str | None = None) -> str:
    import boto3

    name = name or f"photos-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
        Bucket=name)
    return name


def bucket_keys(endpoint: str, bucket: str) -> set[str]:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


@pytest.fixture(scope="session")
def moto_url():
    need("moto (pip install 'moto[server]' boto3)", moto_available())
    with moto_server() as (url, _proc):
        yield url


@pytest.fixture()
def s3(app, moto_url):
    """The session's app keeps its photos in a fresh bucket for the test; yields
    (endpoint, bucket)."""
    from app.services import storage

    bucket = make_bucket(moto_url)
    before = app.extensions["roadchief.photo_store"]
    config = {"PHOTO_STORE_URL": f"s3://{bucket}/roadchief", "S3_ENDPOINT_URL": moto_url,
              "UPLOAD_DIR": app.config["UPLOAD_DIR"]}
    app.extensions["roadchief.photo_store"] = storage.from_config(config)
    yield moto_url, bucket
    app.extensions["roadchief.photo_store"] = before

"""Where photos live: a directory on this host's disk (the embedded default) or an
S3-compatible bucket (MinIO, Ceph, a cloud's object storage) shared by every app host.

``PHOTO_STORE_URL`` chooses: empty for ``UPLOAD_DIR`` on disk, ``s3://bucket/prefix`` for a
bucket (``S3_ENDPOINT_URL`` for a store that is not AWS; credentials the usual boto3 way,
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` or an instance role). The bucket stays
private: photos are served by the app after its own access checks, either streamed or, with
``PHOTO_SIGNED_URL_SECONDS`` set, as a redirect to a signed URL that expires that soon.

A store that cannot be reached raises :class:`StoreUnavailable` (a 503 with a message in the
user's language): the report or action that wanted the photo fails as a whole, so no case is
kept without the photo it was sent with."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask, Response, current_app, redirect, request, send_file
from flask_babel import lazy_gettext as _l

from app.services.errors import ServiceError

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,200}$")


class StoreUnavailable(ServiceError):
    status = 503

    def __init__(self, message=None):
        super().__init__(message or _l(
            "Photos cannot be stored just now, so nothing was saved. Please try again in a "
            "few minutes; if it is urgent, please call 12345."), field="photo")


class MisconfiguredStore(RuntimeError):
    """Raised at start: the app refuses to run with a photo store it cannot use."""


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    modified: float  # seconds since the epoch


def _check_key(key: str) -> str:
    if not _KEY.match(key or "") or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStore:
    """Files under one directory (``UPLOAD_DIR``): one host, or a shared mount."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def describe(self) -> str:
        return f"directory {self.root}"

    def path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # a reader never sees half a photo

    def get(self, key: str) -> bytes | None:
        path = self.path(key)
        return path.read_bytes() if path.is_file() else None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[Stored]:
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return
        for path in base.rglob("*"):
            if path.is_file() and not path.name.endswith(".part"):
                stat = path.stat()
                yield Stored(str(path.relative_to(self.root)), stat.st_size, stat.st_mtime)

    def respond(self, key: str, content_type: str, max_age: int) -> Response | None:
        path = self.path(key)
        if not path.is_file():
            return None
        return send_file(path, mimetype=content_type, max_age=max_age, conditional=True)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MisconfiguredStore(
                f"UPLOAD_DIR {self.root} cannot be created: {exc.strerror}") from None


class S3Store:
    """Objects in one private bucket, under an optional prefix."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, signed_url_seconds: int = 0):
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.endpoint_url, self.signed_url_seconds = endpoint_url, signed_url_seconds
        # Short timeouts and few retries: a resident waits for the answer, and a down
        # store must say so in seconds, not minutes.
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region or "us-east-1",
            config=BotoConfig(connect_timeout=3, read_timeout=10,
                              retries={"max_attempts": 2, "mode": "standard"},
                              signature_version="s3v4", s3={"addressing_style": "path"}))

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"bucket {self.bucket}{where}"

    def _name(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _errors(self):
        from botocore.exceptions import BotoCoreError, ClientError

        return BotoCoreError, ClientError

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data,
                                   ContentType=content_type)
        except self._errors() as exc:
            current_app.logger.warning("photo store: put %s failed: %s", key, exc)
            raise StoreUnavailable() from exc

    def _get(self, key: str):
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise StoreUnavailable() from exc
        except self._errors() as exc:
            raise StoreUnavailable() from exc

    def get(self, key: str) -> bytes | None:
        found = self._get(key)
        return None if found is None else found["Body"].read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StoreUnavailable() from exc
        except self._errors() as exc:
            raise StoreUnavailable() from exc

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except self._errors() as exc:
            raise StoreUnavailable() from exc

    def list(self, prefix: str = "") -> Iterator[Stored]:
        start = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start + prefix):
                for item in page.get("Contents", []):
                    yield Stored(item["Key"][len(start):], item["Size"],
                                 item["LastModified"].timestamp())
        except self._errors() as exc:
            raise StoreUnavailable() from exc

    def respond(self, key: str, content_type: str, max_age: int) -> Response | None:
        if self.signed_url_seconds:
            if not self.exists(key):
                return None
            url = self.client.generate_presigned_url(
                "get_object", ExpiresIn=self.signed_url_seconds,
                Params={"Bucket": self.bucket, "Key": self._name(key),
                        "ResponseContentType": content_type})
            response = redirect(url, 302)
            # The redirect is as short-lived as the URL it points to.
            response.cache_control.max_age = max(self.signed_url_seconds // 2, 0)
            return response
        found = self._get(key)
        if found is None:
            return None
        response = Response(found["Body"].iter_chunks(64 * 1024), mimetype=content_type,
                            direct_passthrough=True)
        response.content_length = found.get("ContentLength")
        if found.get("ETag"):
            response.set_etag(found["ETag"].strip('"'))
        response.cache_control.max_age = max_age
        return response.make_conditional(request)  # a browser's revalidation gets a 304

    def check(self) -> None:
        """At start: a bucket that does not exist or refuses us stops the app; a store that
        does not answer yet (it may start after us) only warns."""
        from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            raise MisconfiguredStore(
                f"PHOTO_STORE_URL: the {self.describe()} answered {code}: check the bucket "
                "name and the credentials") from None
        except EndpointConnectionError as exc:
            current_app.logger.warning("photo store %s not reachable yet: %s",
                                       self.describe(), exc)
        except BotoCoreError as exc:
            raise MisconfiguredStore(f"PHOTO_STORE_URL: {exc}") from None


def from_config(config) -> LocalStore | S3Store:
    """The store the settings name; a setting that cannot work raises MisconfiguredStore."""
    url = (config.get("PHOTO_STORE_URL") or "").strip()
    if not url:
        return LocalStore(config["UPLOAD_DIR"])
    parsed = urlparse(url)
    if parsed.scheme != "s3":
        raise MisconfiguredStore(
            f"PHOTO_STORE_URL={url!r}: expected s3://bucket[/prefix] (or leave it empty to "
            "keep photos in UPLOAD_DIR)")
    if not _BUCKET.match(parsed.netloc or ""):
        raise MisconfiguredStore(f"PHOTO_STORE_URL={url!r}: {parsed.netloc!r} is not a valid "
                                 "bucket name")
    endpoint = (config.get("S3_ENDPOINT_URL") or "").strip() or None
    if endpoint:
        ep = urlparse(endpoint)
        if ep.scheme not in ("http", "https") or not ep.hostname:
            raise MisconfiguredStore(f"S3_ENDPOINT_URL={endpoint!r}: expected "
                                     "http(s)://host[:port]")
        try:
            ep.port  # noqa: B018 - a bad port raises here
        except ValueError:
            raise MisconfiguredStore(f"S3_ENDPOINT_URL={endpoint!r}: bad port") from None
    seconds = int(config.get("PHOTO_SIGNED_URL_SECONDS") or 0)
    if seconds < 0 or seconds > 7 * 24 * 3600:
        raise MisconfiguredStore("PHOTO_SIGNED_URL_SECONDS must be between 0 and 604800")
    return S3Store(parsed.netloc, parsed.path, endpoint, config.get("S3_REGION"), seconds)


def init_app(app: Flask) -> None:
    """Build the store once per process and check it; a bad setting stops the app here."""
    store = from_config(app.config)
    app.extensions["roadchief.photo_store"] = store
    with app.app_context():
        store.check()


def store() -> LocalStore | S3Store:
    return current_app.extensions["roadchief.photo_store"]


def sweep(prefix: str, older_than_seconds: float) -> int:
    """Delete objects under prefix older than that; returns how many."""
    cutoff = time.time() - older_than_seconds
    gone = 0
    for item in list(store().list(prefix)):
        if item.modified < cutoff:
            store().delete(item.key)
            gone += 1
    return gone

"""Fixtures shared by the integration tests beyond those of tests/conftest.py."""

from tests.object_store import moto_url, s3  # noqa: F401 - the S3-compatible store fixtures

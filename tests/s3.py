"""A local S3-compatible server for tests (moto's server mode), so that S3 code makes its real boto3 calls
over HTTP, and the ``s3_media`` fixture that points Django's media storage at a fresh bucket on it.

Registered for the whole suite through ``pytest_plugins`` in tests/conftest.py: any test may ask for
``s3_media``. The server starts on first use, once per session, on a free port on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from django.core.files.storage import default_storage
from storages.backends.s3 import S3Storage

REGION = "us-east-1"
# Short, so a test would notice a URL that ignores it; long enough for any test to fetch what it signed.
URL_EXPIRE_SECONDS = 120
_DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
_buckets = itertools.count(1)


@dataclass(frozen=True)
class S3Media:
    """The bucket that media storage writes to in this test, and a plain boto3 client to look inside it."""

    client: Any
    bucket: str
    endpoint_url: str
    url_expire_seconds: int

    def keys(self) -> set[str]:
        """Every object key in the bucket."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", ())}

    def get(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 (a free port), and dummy credentials in the environment while it runs;
    yields its endpoint URL."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _DUMMY_CREDENTIALS.items():
            patch.setenv(name, value)
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        # Nothing from a developer's own AWS setup may reach the tests.
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        # A proxy in the environment must not carry loopback requests (boto3 and urllib both honour it).
        patch.setenv("NO_PROXY", ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"])))
        # The server logs every request at INFO, which the root logger would print.
        access_log = logging.getLogger("werkzeug")
        level = access_log.level
        access_log.setLevel(logging.WARNING)
        from moto.server import ThreadedMotoServer  # a quarter of a second: only for tests that use it

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()
            access_log.setLevel(level)


def _media_storage_from_settings(environ: dict[str, str]) -> dict[str, Any]:
    """``STORAGES["default"]`` as sora_social.settings builds it from these ``S3_*`` variables: the tests
    run the configuration production runs, not a copy of it."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("S3_")]:
            patch.delenv(name)
        for name, value in environ.items():
            patch.setenv(name, value)
        # A fresh copy of the settings module, executed beside the one Django runs on.
        spec = importlib.util.find_spec(os.environ["DJANGO_SETTINGS_MODULE"])
        assert spec is not None and spec.loader is not None
        fresh = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(fresh)
    storage: dict[str, Any] = fresh.STORAGES["default"]
    return storage


@pytest.fixture
def s3_media(s3_server: str, settings: Any) -> Iterator[S3Media]:
    """Media storage (``default_storage``) on S3, in a fresh bucket of the local server, with signed URLs
    that expire after ``URL_EXPIRE_SECONDS``. Settings are restored after the test."""
    bucket = f"media-{next(_buckets)}-{secrets.token_hex(4)}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name=REGION)
    client.create_bucket(Bucket=bucket)
    storage = _media_storage_from_settings(
        {
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": s3_server,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": _DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "S3_SECRET_ACCESS_KEY": _DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            "S3_URL_EXPIRE_SECONDS": str(URL_EXPIRE_SECONDS),
        }
    )
    # A new STORAGES makes Django drop the storage it built (django.test.signals.storages_changed).
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.S3_BUCKET = bucket
    assert isinstance(default_storage, S3Storage) and default_storage.bucket_name == bucket
    media = S3Media(
        client=client, bucket=bucket, endpoint_url=s3_server, url_expire_seconds=URL_EXPIRE_SECONDS
    )
    yield media
    leftovers = media.keys()
    if leftovers:
        client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in leftovers]})
    client.delete_bucket(Bucket=bucket)

"""Fetching media links as a player does (no credentials), for the media access tests of every app."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.test import Client

from tests.helpers import assert_error


def assert_serves(url: str, name: str) -> None:
    """The link serves the stored file ``name``, whole."""
    response = Client().get(url)
    assert response.status_code == 200, response.content[:300] if not response.streaming else url
    assert b"".join(response.streaming_content) == default_storage.open(name).read()


def assert_refused(url: str) -> None:
    """The link serves nothing, and says so in the contract's format without telling why."""
    assert_error(Client().get(url), 404, "media_not_found")

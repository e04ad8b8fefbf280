"""Text answers go out gzip'd to clients that accept it; media and range answers never are."""

from __future__ import annotations

import gzip

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from sora_social.core.compression import TextGZipMiddleware
from tests.accounts.test_profile import image_file

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_a_page_is_compressed_for_a_client_that_accepts_it_and_plain_for_one_that_does_not():
    compressed = Client().get("/sign-in/", **GZIP)
    assert compressed["Content-Encoding"] == "gzip"
    assert compressed["Vary"].lower().count("accept-encoding") == 1
    page = gzip.decompress(compressed.content).decode()
    assert "<title>Sign in · sora_social</title>" in page
    plain = Client().get("/sign-in/")
    assert not plain.has_header("Content-Encoding")
    assert "<title>Sign in · sora_social</title>" in plain.content.decode()
    assert len(compressed.content) < len(plain.content) / 1.5


def test_the_api_schema_and_the_web_clients_static_files_are_compressed(as_alice):
    schema = as_alice.get("/api/schema/?format=json", **GZIP)
    assert schema["Content-Encoding"] == "gzip" and b'"openapi"' in gzip.decompress(schema.content)
    script = Client().get("/static/django_htmx/htmx-2.min.js", **GZIP)
    assert script.status_code == 200 and script["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(script.streaming_content)).startswith(b"var htmx")


def test_media_are_served_as_they_are(as_alice):
    link = as_alice.patch("/api/v1/me/", {"avatar": image_file("PNG", (64, 48))}, format="multipart").json()
    picture = Client().get(link["avatar"], **GZIP)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert not picture.has_header("Content-Encoding")


@pytest.mark.parametrize(
    ("status", "content_type"),
    [(200, "video/mp4"), (206, "text/plain"), (200, "image/png"), (200, "application/octet-stream")],
)
def test_range_answers_and_binary_types_pass_untouched(status, content_type):
    body = b"x" * 5000
    answer = TextGZipMiddleware(lambda request: HttpResponse(body, status=status, content_type=content_type))(
        RequestFactory().get("/", **GZIP)
    )
    assert not answer.has_header("Content-Encoding") and answer.content == body

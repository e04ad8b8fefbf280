"""Media storage, the same way on both backends: local disk (the embedded default) and S3 (a local S3 server,
real boto3 calls). What is written is what is served, URLs are signed, and no file outlives its row."""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.error import HTTPError
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from cameos.models import ReferenceImage
from feed.models import Video
from feed.services import video_create_draft, video_take_down
from sora_social.accounts.models import User
from tests.cameos.conftest import references
from tests.cameos.test_create import create as create_cameo
from tests.feed.conftest import tiny_media
from tests.s3 import S3Media

pytestmark = pytest.mark.django_db


class Media(Protocol):
    def keys(self) -> set[str]: ...

    def get(self, key: str) -> bytes: ...


@dataclass(frozen=True)
class LocalMedia:
    root: Path

    def keys(self) -> set[str]:
        return {path.relative_to(self.root).as_posix() for path in self.root.rglob("*") if path.is_file()}

    def get(self, key: str) -> bytes:
        return (self.root / key).read_bytes()


@pytest.fixture
def local_media(settings: Any, tmp_path: Path) -> LocalMedia:
    """Media storage on local disk, in a folder of this test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.S3_BUCKET = ""
    assert isinstance(default_storage, FileSystemStorage)
    return LocalMedia(root=tmp_path / "media")


@pytest.fixture(params=["local", "s3"])
def media(request: pytest.FixtureRequest) -> Media:
    return request.getfixturevalue(f"{request.param}_media")  # type: ignore[no-any-return]


def served(media: Media, url: str) -> tuple[str, bytes]:
    """The storage key behind a media URL from the API, and the bytes a client gets from that URL."""
    parts = urlsplit(url)
    if isinstance(media, S3Media):
        query = parse_qs(parts.query)
        assert url.startswith(f"{media.endpoint_url}/{media.bucket}/"), url
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"], url
        assert query["X-Amz-Expires"] == [str(media.url_expire_seconds)], url
        assert query["X-Amz-Signature"][0], url
        # The bucket is private: without the signature the same object is refused.
        with pytest.raises(HTTPError) as refused:
            urllib.request.urlopen(url.split("?", 1)[0], timeout=10)
        assert refused.value.code == 403
        with urllib.request.urlopen(url, timeout=10) as response:
            return unquote(parts.path.removeprefix(f"/{media.bucket}/")), response.read()
    assert isinstance(media, LocalMedia)
    assert parts.netloc == "testserver" and parts.path.startswith("/media/"), url
    # Signed, like S3's: without its query the same file is refused.
    assert Client().get(parts.path).status_code == 404
    response = Client().get(url)
    assert response.status_code == 200, url
    return unquote(parts.path.removeprefix("/media/")), b"".join(response.streaming_content)


def make_draft(author: User, raw_clip: bytes | None = None) -> Video:
    video_bytes, poster = tiny_media()
    return video_create_draft(
        author=author, video_bytes=video_bytes, poster_bytes=poster, prompt="a ball", raw_clip=raw_clip
    )


def test_a_draft_stores_exactly_its_video_and_its_poster(media: Media, alice: User) -> None:
    video = make_draft(alice)

    names = (video.video_file.name, video.poster_file.name)
    assert media.keys() == set(names)
    assert names[0].startswith(f"videos/{alice.pk}/") and names[0].endswith(".mp4")
    assert names[1].startswith(f"posters/{alice.pk}/")
    assert media.get(names[0]) == tiny_media()[0]
    poster = Image.open(io.BytesIO(media.get(names[1])))
    assert (poster.format, poster.size) == ("JPEG", (32, 24))


def test_the_api_links_to_the_stored_media(
    media: Media, alice: User, client_for: Callable[[User], APIClient]
) -> None:
    video = make_draft(alice)

    response = client_for(alice).get(f"/api/v1/videos/{video.pk}/")

    assert response.status_code == 200, response.content[:500]
    urls = response.json()["media"]
    assert served(media, urls["video_url"]) == (video.video_file.name, tiny_media()[0])
    key, poster = served(media, urls["poster_url"])
    assert (key, poster) == (video.poster_file.name, media.get(video.poster_file.name))


def test_a_take_down_purges_the_files_once_it_commits(
    media: Media, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    video = make_draft(alice, raw_clip=b"raw frames")
    names = {video.video_file.name, video.poster_file.name, video.raw_file.name}
    assert len(names) == 3 and media.get(video.raw_file.name) == b"raw frames"

    with pytest.raises(RuntimeError), transaction.atomic():
        video_take_down(video=video, reason=Video.Removal.MODERATION)
        raise RuntimeError("rolled back")
    assert media.keys() == names

    with django_capture_on_commit_callbacks(execute=True):
        video_take_down(video=video, reason=Video.Removal.MODERATION)
        assert media.keys() == names
    assert media.keys() == set()


def test_a_draft_that_fails_after_storing_its_files_leaves_nothing(
    media: Media, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored_before_failing: set[str] = set()

    def fail(**fields: Any) -> Video:
        stored_before_failing.update(media.keys())
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Video.objects, "create", fail)
    with pytest.raises(RuntimeError):
        make_draft(alice)

    assert len(stored_before_failing) == 2
    assert media.keys() == set()
    assert not Video.objects.exists()


def test_cameo_reference_images_are_stored_linked_and_purged(
    media: Media, as_alice: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    response = create_cameo(as_alice, references(0, 2))
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    names = set(ReferenceImage.objects.filter(cameo_id=body["id"]).values_list("image", flat=True))
    assert len(names) == 2 and media.keys() == names

    for image in body["reference_images"]:
        key, data = served(media, image["url"])
        assert key in names and data == media.get(key)
        assert Image.open(io.BytesIO(data)).format == "JPEG"

    with django_capture_on_commit_callbacks(execute=True):
        assert as_alice.delete(f"/api/v1/cameos/{body['id']}/").status_code == 204
    assert media.keys() == set()

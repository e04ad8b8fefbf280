"""Local media through signed links (sora_social.core.media_access), with avatars as the files: a link is
served while it is ours, unexpired and its reader may still see the object; anything else gets the
contract's JSON error, and the bare folder is never served. Videos, cameos and moderation have their own
tests beside their apps'."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import AsyncClient, Client
from rest_framework.test import APIClient

from sora_social.accounts.models import User
from sora_social.accounts.services import block_create
from sora_social.core import media_access
from tests.accounts.test_profile import image_file
from tests.core.test_settings import start as start_settings
from tests.helpers import assert_error
from tests.media import assert_refused

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def avatar_link(client: APIClient) -> str:
    """Upload an avatar for the client's user and return the link the API gives for it."""
    response = client.patch(ME, {"avatar": image_file("PNG", (64, 48))}, format="multipart")
    assert response.status_code == 200, response.content[:500]
    link: str = response.json()["avatar"]
    return link


def with_query(link: str, **changes: str | None) -> str:
    """The link with some query parameters changed (None: left out)."""
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{parts.path}?{urlencode(query)}"


def with_path(link: str, path: str) -> str:
    return f"{path}?{urlsplit(link).query}"


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_a_link_serves_the_file_to_whoever_holds_it_and_the_bare_path_nothing(as_alice, alice):
    link = avatar_link(as_alice)
    alice.refresh_from_db()
    stored = default_storage.open(alice.avatar.name).read()

    # A link is a capability, like an S3 signed URL: an <img> or a player fetches it without credentials.
    response = Client().get(link)
    assert response.status_code == 200
    assert content(response) == stored
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == str(len(stored))
    assert response["Accept-Ranges"] == "bytes"
    cache = response["Cache-Control"]
    assert cache.startswith("private, max-age=")
    assert 0 < int(cache.rsplit("=", 1)[1]) <= settings.MEDIA_URL_EXPIRE_SECONDS

    assert_refused(urlsplit(link).path)
    # Not even to the owner, without a link.
    assert_error(as_alice.get(urlsplit(link).path), 404, "media_not_found")


def test_debug_mode_serves_no_open_folder_either(as_alice, settings):
    """`make run` turns DEBUG on; the media folder stays closed."""
    settings.DEBUG = True
    link = avatar_link(as_alice)
    assert_refused(urlsplit(link).path)
    assert Client().get(link).status_code == 200


def test_media_settings_are_checked_at_start():
    for env, message in (
        ({"MEDIA_SENDFILE_HEADER": "X-Bogus"}, "MEDIA_SENDFILE_HEADER must be"),
        ({"MEDIA_URL_EXPIRE_SECONDS": "0"}, "MEDIA_URL_EXPIRE_SECONDS must be at least 1"),
    ):
        result = start_settings(DEBUG="1", **env)
        assert result.returncode != 0 and message in result.stderr, result.stderr[-500:]
    assert start_settings(DEBUG="1", MEDIA_SENDFILE_HEADER="X-Accel-Redirect").returncode == 0


def test_the_same_link_is_handed_out_again_within_a_tenth_of_its_lifetime(as_alice):
    """So that browsers and players reuse what they fetched."""
    link = avatar_link(as_alice)
    assert as_alice.get(ME).json()["avatar"] == link


@pytest.mark.parametrize(
    "change",
    [
        {"signature": "A" * 43},
        {"signature": None},
        {"expires": "9999999999"},
        {"viewer": "1"},
        {"viewer": None},
        {"object": "avatar:1"},
        {"object": "video:1"},
        {"object": None},
        {"object": "avatar:١٢"},
        {"expires": "¹²³"},
        {"viewer": "9" * 5000},
    ],
)
def test_a_tampered_link_is_refused(as_alice, change):
    link = avatar_link(as_alice)
    assert_refused(with_query(link, **change))


def test_a_link_to_another_file_is_refused(as_alice, as_bob):
    alices, bobs = avatar_link(as_alice), avatar_link(as_bob)
    assert_refused(with_path(alices, urlsplit(bobs).path))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Moves the media view's clock by some seconds (the rest of the process keeps real time)."""
    offset = [0.0]
    monkeypatch.setattr(media_access, "time", SimpleNamespace(time=lambda: time.time() + offset[0]))

    def move(seconds: float) -> None:
        offset[0] += seconds

    return move


def test_a_link_ends_when_it_expires(as_alice, clock):
    link = avatar_link(as_alice)
    expires = int(dict(parse_qsl(urlsplit(link).query))["expires"])
    assert time.time() < expires <= time.time() + settings.MEDIA_URL_EXPIRE_SECONDS + 1

    clock(expires - time.time() - 2)
    assert Client().get(link).status_code == 200
    clock(3)
    assert_error(Client().get(link), 403, "media_link_expired")
    # A fresh one comes with the object.
    fresh = as_alice.get(ME).json()["avatar"]
    assert fresh != link and Client().get(fresh).status_code == 200


def test_shortening_the_lifetime_ends_longer_links_already_handed_out(as_alice, settings):
    link = avatar_link(as_alice)
    settings.MEDIA_URL_EXPIRE_SECONDS = 5
    assert_error(Client().get(link), 403, "media_link_expired")
    assert Client().get(as_alice.get(ME).json()["avatar"]).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/../manage.py",
        "/media/%2e%2e/manage.py",
        "/media/avatars/%2e%2e/%2e%2e/manage.py",
        "/media/avatars/../../sora_social/settings.py",
        "/media/..%2fmanage.py",
        "/media//etc/passwd",
        "/media/%2fetc/passwd",
        "/media/./manage.py",
        "/media/avatars\\..\\..\\manage.py",
        "/media/.",
        "/media/avatars/",
        "/media/avatars",
    ],
)
def test_path_traversal_is_refused(as_alice, path):
    link = avatar_link(as_alice)
    assert_refused(with_path(link, path))


def test_the_same_file_under_another_spelling_is_refused(as_alice, alice):
    link = avatar_link(as_alice)
    alice.refresh_from_db()
    folder, name = alice.avatar.name.rsplit("/", 1)
    for spelling in (f"{folder}/./{name}", f"{folder}//{name}", f"{folder}/../{folder}/{name}"):
        assert_refused(with_path(link, f"/media/{quote(spelling)}"))


def test_folders_for_the_system_only_are_never_served_even_with_a_valid_link(
    as_alice, alice, monkeypatch: pytest.MonkeyPatch
):
    for folder in media_access.NEVER_SERVED:
        with pytest.raises(ValueError):
            media_access.media_url(f"{folder}x.npz", kind="avatar", object_id=alice.pk)
        # An avatar that somehow sat in that folder, with a link minted while the rule was off.
        name = default_storage.save(f"{folder}face.png", ContentFile(b"\x89PNG private"))
        User.objects.filter(pk=alice.pk).update(avatar=name)
        with monkeypatch.context() as patch:
            patch.setattr(media_access, "NEVER_SERVED", ())
            link = as_alice.get(ME).json()["avatar"]
            assert Client().get(link).status_code == 200
        assert_refused(link)


def test_a_block_ends_the_blocked_users_links_at_once(as_alice, as_bob, as_carol, alice, bob):
    avatar_link(as_alice)
    bobs = as_bob.get("/api/v1/users/alice/").json()["avatar"]
    carols = as_carol.get("/api/v1/users/alice/").json()["avatar"]
    assert Client().get(bobs).status_code == 200

    block_create(blocker=alice, blocked=bob)

    assert_refused(bobs)
    assert Client().get(carols).status_code == 200
    assert_error(as_bob.get("/api/v1/users/alice/"), 404, "user_not_found")


def test_a_replaced_avatar_and_a_deactivated_reader_end_their_links(as_alice, as_bob, bob):
    old = avatar_link(as_alice)
    bobs = as_bob.get("/api/v1/users/alice/").json()["avatar"]
    new = avatar_link(as_alice)
    assert_refused(old)
    assert Client().get(new).status_code == 200

    User.objects.filter(pk=bob.pk).update(is_active=False)
    assert_refused(bobs)


@pytest.mark.parametrize(
    ("header", "status", "start", "length"),
    [
        ("bytes=0-3", 206, 0, 4),
        ("bytes=5-", 206, 5, None),
        ("bytes=-4", 206, -4, 4),
        ("bytes=2-1000000", 206, 2, None),
        ("bytes=0-1,4-5", 200, 0, None),  # several ranges: the whole file
        ("bytes=abc", 200, 0, None),
        ("bytes=¹-²", 200, 0, None),
        ("bytes=4-2", 200, 0, None),
        (f"bytes={'9' * 5000}-", 200, 0, None),
    ],
)
def test_byte_ranges_for_players_that_seek(as_alice, alice, header, status, start, length):
    link = avatar_link(as_alice)
    alice.refresh_from_db()
    stored = default_storage.open(alice.avatar.name).read()
    expected = stored[start:][:length] if length else stored[start:]

    response = Client().get(link, headers={"Range": header})

    assert response.status_code == status
    assert content(response) == expected
    assert response["Content-Length"] == str(len(expected))
    if status == 206:
        first = start % len(stored)
        assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(stored)}"


def test_a_range_outside_the_file_is_416_in_the_contracts_format(as_alice, alice):
    link = avatar_link(as_alice)
    alice.refresh_from_db()
    size = default_storage.size(alice.avatar.name)
    for header in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        response = Client().get(link, headers={"Range": header})
        assert_error(response, 416, "range_not_satisfiable")
        assert response["Content-Range"] == f"bytes */{size}"


def test_head_answers_the_headers_only_and_other_methods_are_405(as_alice, alice):
    link = avatar_link(as_alice)
    alice.refresh_from_db()
    response = Client().head(link)
    assert response.status_code == 200 and response.content == b""
    assert response["Content-Length"] == str(default_storage.size(alice.avatar.name))
    for method in ("post", "put", "delete"):
        response = getattr(Client(), method)(link)
        assert_error(response, 405, "method_not_allowed")
        assert response["Allow"] == "GET, HEAD"


def test_a_front_proxy_sends_the_file_when_configured(as_alice, alice, settings):
    link = avatar_link(as_alice)
    alice.refresh_from_db()
    name = alice.avatar.name

    settings.MEDIA_SENDFILE_HEADER = "X-Accel-Redirect"
    response = Client().get(link)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/internal-media/{name}"
    assert response["Content-Type"] == "image/jpeg"
    assert_refused(with_query(link, signature="A" * 43))

    settings.MEDIA_SENDFILE_HEADER = "X-Sendfile"
    response = Client().get(link)
    assert Path(response["X-Sendfile"]) == Path(settings.MEDIA_ROOT, name)
    assert "X-Accel-Redirect" not in response


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_file_is_streamed_asynchronously(
    make_user: Callable[..., User], client_for: Callable[[User], APIClient], recwarn: pytest.WarningsRecorder
) -> None:
    from asgiref.sync import sync_to_async

    @sync_to_async
    def setup() -> tuple[str, bytes]:
        user = make_user("streamer")
        link = avatar_link(client_for(user))
        user.refresh_from_db()
        return link, default_storage.open(user.avatar.name).read()

    link, stored = await setup()
    client = AsyncClient()
    response = await client.get(link)
    assert response.status_code == 200
    assert response.is_async
    assert b"".join([chunk async for chunk in response.streaming_content]) == stored
    ranged = await client.get(link, headers={"Range": "bytes=1-4"})
    assert ranged.status_code == 206
    assert b"".join([chunk async for chunk in ranged.streaming_content]) == stored[1:5]
    # Django warns when it must read a synchronous file whole to send it under ASGI.
    assert not [w for w in recwarn if "iterators" in str(w.message)]

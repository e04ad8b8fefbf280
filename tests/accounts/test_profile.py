import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def image_file(fmt="PNG", size=(64, 48), name="a.png", exif=None, mode="RGB"):
    buffer = io.BytesIO()
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 1)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_me_shows_private_fields(as_alice):
    body = as_alice.get(ME).json()
    assert set(body) >= {
        "id",
        "username",
        "display_name",
        "bio",
        "avatar",
        "follower_count",
        "following_count",
        "email",
    }


def test_anonymous_has_no_me(anon):
    assert_error(anon.get(ME), 401, "not_authenticated")
    assert_error(anon.patch(ME, {"bio": "x"}, format="json"), 401, "not_authenticated")


def test_patch_display_name_and_bio(as_alice, alice):
    response = as_alice.patch(ME, {"display_name": "  Alice A.  ", "bio": "I make videos."}, format="json")
    assert response.status_code == 200
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio) == ("Alice A.", "I make videos.")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"display_name": "x" * 51}, "display_name"),
        ({"bio": "x" * 301}, "bio"),
        ({"bio": {"nested": True}}, "bio"),
        ({"username": "new_name"}, "username"),
        ({"follower_count": 1000}, "follower_count"),
    ],
)
def test_patch_refuses_bad_and_read_only_fields(as_alice, alice, data, field):
    body = assert_error(as_alice.patch(ME, data, format="json"), 400, "invalid")
    assert field in body["fields"]
    alice.refresh_from_db()
    assert alice.username == "alice" and alice.bio == "" and alice.follower_count == 0


def test_avatar_upload_is_normalised_and_replaced(as_alice, alice):
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    first = as_alice.patch(
        ME, {"avatar": image_file("JPEG", (2000, 1000), "me.jpg", exif=exif)}, format="multipart"
    )
    assert first.status_code == 200, first.json()
    alice.refresh_from_db()
    stored = alice.avatar.name
    assert first.json()["avatar"].startswith("http://testserver/media/")
    with default_storage.open(stored) as handle:
        data = handle.read()
    assert b"SecretCameraMaker" not in data
    assert max(Image.open(io.BytesIO(data)).size) <= 512
    second = as_alice.patch(ME, {"avatar": image_file()}, format="multipart")
    assert second.status_code == 200
    alice.refresh_from_db()
    assert alice.avatar.name != stored


def test_avatar_removal_with_null(as_alice, alice, django_capture_on_commit_callbacks):
    as_alice.patch(ME, {"avatar": image_file()}, format="multipart")
    alice.refresh_from_db()
    stored = alice.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.patch(ME, {"avatar": None}, format="json")
    assert response.json()["avatar"] is None
    assert not default_storage.exists(stored)


def test_a_text_file_named_like_an_image_is_415(as_alice, alice):
    fake = SimpleUploadedFile("avatar.png", b"this is not an image at all", content_type="image/png")
    body = assert_error(
        as_alice.patch(ME, {"avatar": fake}, format="multipart"), 415, "unsupported_media_type"
    )
    assert "avatar" in body["fields"]
    alice.refresh_from_db()
    assert not alice.avatar


def test_a_gif_is_415(as_alice):
    assert_error(
        as_alice.patch(ME, {"avatar": image_file("GIF", name="a.gif")}, format="multipart"),
        415,
        "unsupported_media_type",
    )


def test_a_decompression_bomb_is_413(as_alice):
    bomb = image_file("PNG", (8000, 6000), mode="1")
    assert bomb.size < 200_000
    assert_error(as_alice.patch(ME, {"avatar": bomb}, format="multipart"), 413, "image_too_large")


def test_a_truncated_image_is_400(as_alice):
    whole = image_file("PNG", (300, 300)).read()
    broken = SimpleUploadedFile("a.png", whole[: len(whole) // 2], content_type="image/png")
    assert_error(as_alice.patch(ME, {"avatar": broken}, format="multipart"), 400, "invalid_image")

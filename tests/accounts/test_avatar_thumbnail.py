"""An avatar is stored with a small square thumbnail, for where it is shown small; the two are written,
linked, replaced, removed, redacted, restored and deleted together, and an avatar stored before thumbnails
existed is still shown (in full)."""

import io

import pytest
import yaml
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from PIL import Image

from moderation.targets import UserKind
from sora_social.accounts.models import User
from sora_social.accounts.services import (
    AVATAR_THUMBNAIL_SIDE,
    avatar_files,
    user_profile_redact,
    user_profile_restore,
    user_profile_update,
)
from tests.accounts.test_profile import image_file

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def upload(client, **kwargs):
    response = client.patch(ME, {"avatar": image_file(**kwargs)}, format="multipart")
    assert response.status_code == 200, response.content
    return response.json()


def stored_image(name):
    with default_storage.open(name) as handle:
        return Image.open(io.BytesIO(handle.read()))


def test_an_uploaded_avatar_gets_a_small_square_thumbnail_linked_next_to_it(as_alice, alice):
    body = upload(as_alice, fmt="JPEG", size=(900, 600), name="me.jpg")
    alice.refresh_from_db()
    assert alice.avatar and alice.avatar_thumbnail and alice.avatar.name != alice.avatar_thumbnail.name
    thumbnail = stored_image(alice.avatar_thumbnail.name)
    assert thumbnail.format == "JPEG" and thumbnail.size == (AVATAR_THUMBNAIL_SIDE, AVATAR_THUMBNAIL_SIDE)
    assert max(stored_image(alice.avatar.name).size) == 512
    assert body["avatar_thumbnail"].startswith("http://testserver/media/") and "signature=" in body["avatar"]
    assert body["avatar_thumbnail"] != body["avatar"]
    served = as_alice.get(body["avatar_thumbnail"])
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (96, 96)
    public = as_alice.get("/api/v1/users/alice/").json()
    assert public["avatar_thumbnail"].split("?")[0] == body["avatar_thumbnail"].split("?")[0]


def test_a_transparent_avatar_keeps_its_transparency_in_the_thumbnail(as_alice, alice):
    upload(as_alice, fmt="PNG", size=(80, 80), mode="RGBA")
    alice.refresh_from_db()
    thumbnail = stored_image(alice.avatar_thumbnail.name)
    assert thumbnail.format == "PNG" and thumbnail.mode == "RGBA"


def test_replacing_an_avatar_deletes_the_old_one_and_its_thumbnail(
    as_alice, alice, django_capture_on_commit_callbacks
):
    first = upload(as_alice)
    alice.refresh_from_db()
    old = avatar_files(alice)
    assert len(old) == 2 and all(default_storage.exists(name) for name in old)
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_alice)
    alice.refresh_from_db()
    assert not any(default_storage.exists(name) for name in old)
    assert all(default_storage.exists(name) for name in avatar_files(alice))
    assert as_alice.get(first["avatar_thumbnail"]).status_code == 404  # an old link stops working


def test_removing_an_avatar_deletes_both_files(as_alice, alice, django_capture_on_commit_callbacks):
    upload(as_alice)
    alice.refresh_from_db()
    old = avatar_files(alice)
    with django_capture_on_commit_callbacks(execute=True):
        body = as_alice.patch(ME, {"avatar": None}, format="json").json()
    assert body["avatar"] is None and body["avatar_thumbnail"] is None
    alice.refresh_from_db()
    assert not alice.avatar and not alice.avatar_thumbnail
    assert not any(default_storage.exists(name) for name in old)


def test_a_failed_save_leaves_no_new_file_behind(alice, monkeypatch):
    saved: list[str] = []
    real_save = default_storage.save

    def save_and_note(name, content, **kwargs):
        saved.append(real_save(name, content, **kwargs))
        return saved[-1]

    def refuse(*args, **kwargs):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(default_storage, "save", save_and_note)
    monkeypatch.setattr(User, "save", refuse)
    with pytest.raises(RuntimeError):
        user_profile_update(user=alice, avatar=image_file())
    assert len(saved) == 2 and not any(default_storage.exists(name) for name in saved)


def test_an_avatar_stored_before_thumbnails_is_shown_in_full(as_alice, alice):
    alice.avatar.save("old.jpg", ContentFile(image_file("JPEG").read()))
    body = as_alice.get(ME).json()
    assert body["avatar"] and body["avatar_thumbnail"] == body["avatar"]
    assert as_alice.get(body["avatar_thumbnail"]).status_code == 200
    no_avatar = as_alice.patch(ME, {"avatar": None}, format="json").json()
    assert no_avatar["avatar_thumbnail"] is None


def test_redaction_blanks_both_and_restoring_puts_both_back(alice, as_alice, as_bob):
    upload(as_alice)
    alice.refresh_from_db()
    files = avatar_files(alice)
    before = user_profile_redact(user=alice)
    assert (before["avatar"], before["avatar_thumbnail"]) == tuple(files)
    alice.refresh_from_db()
    assert not alice.avatar and not alice.avatar_thumbnail
    assert as_bob.get("/api/v1/users/alice/").json()["avatar_thumbnail"] is None
    user_profile_restore(user=alice, before=before)
    alice.refresh_from_db()
    assert avatar_files(alice) == files
    # An undo recorded before thumbnails existed brings the avatar back alone, shown in full.
    user_profile_redact(user=alice)
    user_profile_restore(user=alice, before={"avatar": files[0]})
    alice.refresh_from_db()
    assert avatar_files(alice) == files[:1]


def test_restoring_does_not_put_a_thumbnail_over_an_avatar_set_since(alice, as_alice):
    upload(as_alice)
    alice.refresh_from_db()
    before = user_profile_redact(user=alice)
    upload(as_alice)
    alice.refresh_from_db()
    now = avatar_files(alice)
    user_profile_restore(user=User.objects.get(pk=alice.pk), before=before)
    alice.refresh_from_db()
    assert avatar_files(alice) == now


def test_a_moderator_removing_a_profile_holds_both_files_for_deletion(alice, as_alice, bob):
    upload(as_alice)
    alice.refresh_from_db()
    files = avatar_files(alice)
    undo, held = UserKind().remove(alice, actor=bob, note="")
    assert held == files and undo["profile"]["avatar_thumbnail"] == files[1]


def test_an_admin_upload_goes_through_the_profile_service(alice, django_capture_on_commit_callbacks):
    admin = User.objects.create_superuser("site_admin", "root@example.com", "a-long-admin-password")
    browser = Client()
    browser.force_login(admin)
    user_profile_update(user=alice, avatar=image_file())
    alice.refresh_from_db()
    old = avatar_files(alice)
    form = {
        "username": "alice",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "10:00:00",
        "is_active": "on",
        "follower_count": "0",
        "following_count": "0",
        "avatar": image_file("JPEG", (1200, 1200), "big.jpg"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/admin/accounts/user/{alice.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    alice.refresh_from_db()
    assert alice.avatar and alice.avatar_thumbnail and avatar_files(alice) != old
    assert max(stored_image(alice.avatar.name).size) == 512
    assert not any(default_storage.exists(name) for name in old)


def test_the_schema_documents_the_thumbnail_next_to_the_avatar(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(path))
    schema = yaml.safe_load(path.read_text())
    for name in ("UserSummary", "Me", "Profile"):
        properties = schema["components"]["schemas"][name]["properties"]
        assert "avatar" in properties and "avatar_thumbnail" in properties, name
        assert properties["avatar_thumbnail"]["nullable"] is True
        assert "96x96" in properties["avatar_thumbnail"]["description"]

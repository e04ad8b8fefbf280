"""Creating cameos: what a good upload makes, and what a hostile one cannot do (each bad file answered with
its 4xx and a reason, and nothing left behind on disk or in the database)."""

import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from cameos.models import Cameo, ConsentRecord, ReferenceImage
from cameos.services import REFERENCE_IMAGE_MAX_BYTES, cameo_create
from tests.cameos.conftest import cameo_url, media_files, references, upload
from tests.cameos.recordings import reference_images
from tests.helpers import assert_error
from tests.openapi import assert_documented

pytestmark = pytest.mark.django_db

CAMEOS = "/api/v1/cameos/"


def create(client, images, **fields):
    body = {"kind": "character", "display_name": "Whiskers", "handle": "whiskers", "audience": "everyone"}
    body.update(fields)
    if images is not None:
        body["reference_images"] = images
    return client.post(CAMEOS, body, format="multipart")


def png_claiming(width, height):
    """A PNG whose header claims ``width`` x ``height`` with a few bytes of body: cheap to send, ruinous
    to decode."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + chunk(b"IEND", b"")
    )


def state():
    return (
        media_files(),
        Cameo.objects.count(),
        ReferenceImage.objects.count(),
        ConsentRecord.objects.count(),
    )


# A good upload --------------------------------------------------------------------------------------------


def test_a_character_is_active_at_once_and_its_owner_sees_everything(as_alice, alice):
    response = create(as_alice, references(0, 3), preferences="never in political content")
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    assert (body["kind"], body["handle"], body["display_name"], body["audience"], body["status"]) == (
        "character",
        "whiskers",
        "Whiskers",
        "everyone",
        "active",
    )
    assert body["owner"]["username"] == "alice" and body["approval_count"] == 0
    assert body["preferences"] == "never in political content"
    assert len(body["reference_images"]) == 3
    assert all(
        image["url"].startswith("http://testserver/media/cameos/") for image in body["reference_images"]
    )
    record = ConsentRecord.objects.get(cameo_id=int(body["id"]))
    assert (record.action, record.actor, record.details["reference_images"]) == ("create", alice, 3)


def test_a_self_cameo_waits_for_verification(as_alice):
    response = create(as_alice, references(0, 1), kind="self", handle="alice_herself")
    assert response.status_code == 201
    assert response.json()["status"] == "pending_verification"


def test_uploads_are_re_encoded_without_their_metadata(as_alice):
    picture = Image.open(io.BytesIO(reference_images(0, 1)[0]))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    tagged = io.BytesIO()
    picture.save(tagged, format="JPEG", exif=exif)
    response = create(as_alice, [upload(tagged.getvalue())])
    assert response.status_code == 201
    stored = ReferenceImage.objects.get(cameo_id=int(response.json()["id"]))
    with default_storage.open(stored.image.name) as file:
        assert not Image.open(file).getexif()


def test_handles_are_unique_without_regard_to_case_and_follow_the_username_rules(as_alice, as_bob):
    assert create(as_alice, references()).status_code == 201
    assert_error(create(as_bob, references(), handle="WHISKERS"), 400, "handle_taken")
    body = assert_error(create(as_bob, references(), handle="no spaces!"), 400, "invalid")
    assert "handle" in body["fields"]
    assert_error(create(as_bob, references(), handle="ab"), 400, "invalid")


def test_a_deleted_cameos_handle_is_free_again(as_alice, as_bob):
    first = create(as_alice, references()).json()
    assert as_alice.delete(f"{CAMEOS}{first['id']}/").status_code == 204
    second = create(as_bob, references(), handle="Whiskers")
    assert second.status_code == 201
    assert Cameo.objects.get(pk=int(first["id"])).status == "deleted"


def test_unknown_and_missing_fields_are_refused(as_alice):
    body = assert_error(create(as_alice, references(), status="active"), 400, "invalid")
    assert "status" in body["fields"]
    assert_error(create(as_alice, references(), kind="dragon"), 400, "invalid")
    assert_error(as_alice.post(CAMEOS, {"handle": "x"}, format="json"), 400, "invalid")


# Hostile uploads -----------------------------------------------------------------------------------------


def text_renamed_png():
    return upload(b"I am not a picture, only words pretending.\n" * 40, "face.png", "image/png")


def truncated_jpeg():
    data = reference_images(1, 1)[0]
    return upload(data[: len(data) // 2], "face.jpg")


def png_bomb():
    return upload(png_claiming(20000, 20000), "bomb.png", "image/png")


def too_many_pixels():
    return upload(png_claiming(6000, 5000), "wide.png", "image/png")


def oversized():
    return upload(b"\xff\xd8\xff" + b"\x00" * REFERENCE_IMAGE_MAX_BYTES, "huge.jpg")


def empty_file():
    return upload(b"", "empty.jpg")


@pytest.mark.parametrize(
    ("bad", "status", "code"),
    [
        (text_renamed_png, 415, "unsupported_media_type"),
        (truncated_jpeg, 400, "invalid_image"),
        (png_bomb, 413, "image_too_large"),
        (too_many_pixels, 413, "image_too_large"),
        (oversized, 413, "file_too_large"),
        (empty_file, 400, "invalid"),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_a_bad_image_among_good_ones_leaves_nothing_behind(as_alice, bad, status, code):
    before = state()
    images = [*references(2, 2), bad(), *references(3, 1)]
    body = assert_error(create(as_alice, images), status, code)
    assert body["detail"]
    if code != "invalid":
        assert "Reference image 3" in body["detail"], body
        assert body["fields"]["reference_images"][0].startswith("Image 3: ")
    assert state() == before


@pytest.mark.parametrize("count", [0, 6])
def test_zero_or_six_images_are_refused(as_alice, count):
    before = state()
    images = references(0, count) if count else None
    body = assert_error(create(as_alice, images), 400, "invalid")
    assert "reference_images" in body["fields"]
    assert state() == before


def test_a_failure_after_the_files_are_stored_deletes_them(alice, monkeypatch):
    before = state()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ReferenceImage.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        cameo_create(
            owner=alice, kind="character", handle="whiskers", display_name="W", reference_images=references()
        )
    assert state() == before


def test_uploads_are_rate_limited(as_alice, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "cameo_upload": "2/hour",
        },
    }
    assert create(as_alice, references(), handle="one").status_code == 201
    assert create(as_alice, references(), handle="two").status_code == 201
    response = create(as_alice, references(), handle="three")
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0
    assert as_alice.get(CAMEOS).status_code == 200, "reading is not an upload"


# Reading and changing -------------------------------------------------------------------------------------


def test_my_cameos_list_leaves_out_deleted_ones_and_counts_approvals(as_alice, alice, bob, make_cameo):
    kept = make_cameo(alice, audience="approved")
    gone = make_cameo(alice)
    as_alice.post(cameo_url(kept, "approvals"), {"username": "bob"})
    as_alice.delete(cameo_url(gone))
    body = as_alice.get(CAMEOS).json()
    assert [(item["id"], item["approval_count"]) for item in body["results"]] == [(str(kept.pk), 1)]


def test_the_owner_changes_name_audience_and_preferences(as_alice, alice, make_cameo):
    cameo = make_cameo(alice, audience="everyone")
    response = as_alice.patch(
        cameo_url(cameo), {"display_name": "Sir Whiskers", "audience": "mutuals", "preferences": "no hats"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["audience"], body["preferences"]) == (
        "Sir Whiskers",
        "mutuals",
        "no hats",
    )
    changes = ConsentRecord.objects.filter(cameo_id=cameo.pk).exclude(action="create").order_by("id")
    assert [(r.action, r.details) for r in changes] == [
        ("audience_change", {"from": "everyone", "to": "mutuals"}),
        ("preferences_change", {"from": "", "to": "no hats"}),
    ]
    assert_error(as_alice.patch(cameo_url(cameo), {"preferences": "x" * 501}), 400, "invalid")
    assert_error(as_alice.patch(cameo_url(cameo), {"handle": "renamed"}), 400, "invalid")


def test_someone_who_may_use_a_cameo_sees_only_its_public_side(as_bob, alice, make_cameo):
    cameo = make_cameo(alice, audience="everyone")
    body = as_bob.get(cameo_url(cameo)).json()
    assert set(body) == {"id", "owner", "kind", "handle", "display_name"}
    assert_error(as_bob.patch(cameo_url(cameo), {"display_name": "mine now"}), 403, "not_owner")
    assert_error(as_bob.delete(cameo_url(cameo)), 403, "not_owner")
    assert Cameo.objects.get(pk=cameo.pk).status == "active"


def test_both_sides_of_a_cameo_are_as_the_schema_documents(as_alice, as_bob, alice, make_cameo):
    cameo = make_cameo(alice, audience="everyone")
    owners_view = as_alice.get(cameo_url(cameo))
    assert "preferences" in owners_view.json()
    assert_documented(owners_view)
    users_view = as_bob.get(cameo_url(cameo))
    assert "preferences" not in users_view.json()
    assert_documented(users_view)


def test_unknown_ids_are_404(as_alice):
    for cameo_id in ("123", "not-a-number", str(2**70)):
        assert_error(as_alice.get(f"{CAMEOS}{cameo_id}/"), 404, "cameo_not_found")

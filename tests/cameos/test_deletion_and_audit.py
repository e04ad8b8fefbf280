"""Deleting a cameo takes its videos down and purges its media, and the consent records outlive it: they
are append-only in the model layer, and in the database on PostgreSQL."""

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction

from cameos import likeness
from cameos.models import Approval, Cameo, ConsentRecord, ReferenceImage
from cameos.services import cameo_approval_grant, cameos_for_generation
from feed.models import Video
from sora_social.core.models import AppendOnlyError
from tests.cameos.conftest import cameo_url, upload
from tests.cameos.recordings import recording_of
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


def test_deleting_a_cameo_takes_down_its_videos_and_purges_its_media(
    as_alice,
    as_bob,
    alice,
    bob,
    carol,
    make_cameo,
    make_draft,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    cameo = make_cameo(alice, kind="self", audience="approved", seed=0, images=3)
    challenge = as_alice.post(cameo_url(cameo, "verification/challenge")).json()["challenge_id"]
    monkeypatch.setattr(likeness, "PASS_THRESHOLD", 2.0)
    monkeypatch.setattr(likeness, "FAIL_THRESHOLD", -1.0)
    as_alice.post(
        cameo_url(cameo, "verification"),
        {"challenge_id": challenge, "recording": upload(recording_of(0), "take.mp4", "video/mp4")},
        format="multipart",
    )
    Cameo.objects.filter(pk=cameo.pk).update(status="active")  # a moderator approved, the recording kept
    cameo_approval_grant(cameo=cameo, username="bob", actor=alice)
    draft = make_draft(bob, cameo)
    video = make_draft(bob, cameo, publish=True)
    own = make_draft(alice, cameo, publish=True)
    cameo.refresh_from_db()
    files = [image.image.name for image in cameo.reference_images.all()]
    files += [cameo.verification_recording]
    files += [name for v in (draft, video, own) for name in (v.video_file.name, v.poster_file.name)]
    assert len(files) == 10 and all(default_storage.exists(name) for name in files)

    with django_capture_on_commit_callbacks(execute=True):
        assert as_alice.delete(cameo_url(cameo)).status_code == 204

    assert not any(default_storage.exists(name) for name in files)
    assert {v.status for v in Video.objects.filter(pk__in=[draft.pk, video.pk, own.pk])} == {"removed"}
    cameo.refresh_from_db()
    assert (cameo.status, cameo.verification_recording) == ("deleted", "")
    assert not ReferenceImage.objects.filter(cameo=cameo).exists()
    assert not Approval.objects.filter(cameo=cameo).exists()
    assert_error(as_alice.get(cameo_url(cameo)), 404, "cameo_not_found")
    assert as_alice.get("/api/v1/cameos/").json()["results"] == []
    assert_error(as_alice.delete(cameo_url(cameo)), 404, "cameo_not_found")
    bobs_news = [
        n for n in as_bob.get("/api/v1/notifications/").json()["results"] if n["kind"] == "cameo_removed"
    ]
    assert {n["video"] for n in bobs_news} == {str(draft.pk), str(video.pk)}

    actions = list(
        ConsentRecord.objects.filter(cameo_id=cameo.pk).order_by("id").values_list("action", flat=True)
    )
    assert actions[:2] == ["create", "verification"] and actions[-1] == "deletion"
    assert actions.count("takedown") == 3 and actions.count("withdrawal") == 3
    deletion = ConsentRecord.objects.get(cameo_id=cameo.pk, action="deletion")
    assert (deletion.cameo_handle, deletion.actor_username, deletion.details["videos_taken_down"]) == (
        cameo.handle,
        "alice",
        3,
    )


@pytest.fixture
def record(alice, bob, make_cameo):
    cameo = make_cameo(alice, audience="everyone")
    cameos_for_generation(user=bob, cameo_ids=[cameo.pk])
    return ConsentRecord.objects.get(cameo_id=cameo.pk, action="use")


def test_records_refuse_changes_and_deletion_in_the_model_layer(record):
    record.details = {"forged": True}
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=record.pk).update(details={})
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.bulk_update([record], ["details"])
    assert ConsentRecord.objects.get(pk=record.pk).details == {}


@pytest.mark.postgres  # the trigger exists on PostgreSQL
def test_the_database_refuses_changes_and_deletion(record):
    for sql in (
        "UPDATE cameos_consentrecord SET details = '[1]' WHERE id = %s",
        "UPDATE cameos_consentrecord SET actor_id = NULL, actor_username = 'x' WHERE id = %s",
        "DELETE FROM cameos_consentrecord WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [record.pk])
    assert ConsentRecord.objects.get(pk=record.pk).actor_username == "bob"


def test_records_outlive_the_people_in_them(record, bob):
    bob.delete()
    record = ConsentRecord.objects.get(pk=record.pk)
    assert (record.actor, record.actor_username, record.subject_username) == (None, "bob", "alice")

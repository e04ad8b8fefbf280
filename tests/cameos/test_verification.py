"""Verifying a `self` cameo: a one-time challenge, a recording checked against the reference images, and a
moderator's decision when the check is not conclusive."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.utils import timezone

from cameos import likeness
from cameos.models import Cameo, ConsentRecord, VerificationChallenge
from cameos.services import CHALLENGES_PER_DAY, cameo_review_decide
from sora_social.core.errors import Conflict, Forbidden
from tests.cameos.conftest import cameo_url, media_files, upload
from tests.cameos.recordings import corrupt_recording, not_a_video, recording_of, webm_recording_of
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

SUBJECT = 0
STRANGER = 1  # another person, whom the check tells apart from SUBJECT


@pytest.fixture
def selfie(alice, make_cameo):
    return make_cameo(alice, kind="self", audience="everyone", seed=SUBJECT, images=3)


def challenge(client, cameo):
    response = client.post(cameo_url(cameo, "verification/challenge"))
    assert response.status_code == 201, response.content[:500]
    return response.json()


def verify(client, cameo, challenge_id, recording, name="take.mp4", content_type="video/mp4"):
    return client.post(
        cameo_url(cameo, "verification"),
        {"challenge_id": challenge_id, "recording": upload(recording, name, content_type)},
        format="multipart",
    )


def status_of(cameo):
    return Cameo.objects.get(pk=cameo.pk).status


def verifications(cameo):
    return list(ConsentRecord.objects.filter(cameo_id=cameo.pk, action="verification").order_by("id"))


@pytest.fixture
def inconclusive(monkeypatch):
    """Thresholds no score can meet either way: every usable recording is for a moderator to judge."""
    monkeypatch.setattr(likeness, "PASS_THRESHOLD", 2.0)
    monkeypatch.setattr(likeness, "FAIL_THRESHOLD", -1.0)


def test_a_challenge_is_a_phrase_and_three_head_turns_that_expire(as_alice, selfie):
    body = challenge(as_alice, selfie)
    assert set(body) == {"challenge_id", "phrase", "head_turns", "expires_at"}
    assert len(body["phrase"].split()) == 4
    assert len(body["head_turns"]) == 3 and set(body["head_turns"]) <= {"left", "right", "up", "down"}
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=9) < expires - timezone.now() <= timedelta(minutes=10)
    assert challenge(as_alice, selfie)["challenge_id"] != body["challenge_id"]


def test_a_matching_recording_activates_the_cameo(as_alice, as_bob, selfie):
    assert_error(as_bob.get(cameo_url(selfie)), 404, "cameo_not_found")
    response = verify(as_alice, selfie, challenge(as_alice, selfie)["challenge_id"], recording_of(SUBJECT))
    assert response.status_code == 200, response.content[:500]
    assert response.json()["status"] == "active"
    assert as_bob.get(cameo_url(selfie)).status_code == 200, "usable by its audience now"
    [record] = verifications(selfie)
    assert record.details["outcome"] == "pass" and record.details["reason"]
    assert record.details["metrics"] and record.actor_username == "alice"
    assert_error(as_alice.post(cameo_url(selfie, "verification/challenge")), 409, "not_pending_verification")


def test_a_recording_made_in_the_browser_as_webm_activates_the_cameo(as_alice, selfie):
    issued = challenge(as_alice, selfie)["challenge_id"]
    response = verify(as_alice, selfie, issued, webm_recording_of(SUBJECT), "take.webm", "video/webm")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["status"] == "active"
    assert verifications(selfie)[0].details["outcome"] == "pass"


def test_an_inconclusive_webm_is_kept_as_webm(as_alice, selfie, inconclusive):
    issued = challenge(as_alice, selfie)["challenge_id"]
    response = verify(as_alice, selfie, issued, webm_recording_of(SUBJECT), "take.webm", "video/webm")
    assert response.json()["status"] == "in_review"
    kept = Cameo.objects.get(pk=selfie.pk).verification_recording
    assert kept.endswith(".webm") and default_storage.open(kept).read(4) == b"\x1a\x45\xdf\xa3"


def test_someone_else_on_camera_fails_and_the_owner_may_try_again(as_alice, selfie):
    first = challenge(as_alice, selfie)["challenge_id"]
    body = assert_error(verify(as_alice, selfie, first, recording_of(STRANGER)), 400, "verification_failed")
    assert body["detail"].startswith("Verification failed: ")
    assert status_of(selfie) == "pending_verification"
    [record] = verifications(selfie)
    assert record.details["outcome"] == "fail" and record.details["reason"]
    assert record.details["metrics"]
    # The challenge is spent; a new one gives a new chance.
    assert_error(verify(as_alice, selfie, first, recording_of(SUBJECT)), 400, "challenge_used")
    response = verify(as_alice, selfie, challenge(as_alice, selfie)["challenge_id"], recording_of(SUBJECT))
    assert response.json()["status"] == "active"


def test_a_still_photo_fails(as_alice, selfie):
    response = verify(
        as_alice, selfie, challenge(as_alice, selfie)["challenge_id"], recording_of(SUBJECT, still=True)
    )
    assert_error(response, 400, "verification_failed")
    assert status_of(selfie) == "pending_verification"


def test_an_inconclusive_check_waits_for_a_moderator_with_the_recording_kept(
    as_alice, alice, selfie, make_user, inconclusive, django_capture_on_commit_callbacks
):
    response = verify(as_alice, selfie, challenge(as_alice, selfie)["challenge_id"], recording_of(SUBJECT))
    assert response.status_code == 200
    assert response.json()["status"] == "in_review"
    kept = Cameo.objects.get(pk=selfie.pk).verification_recording
    assert kept and default_storage.exists(kept)
    assert verifications(selfie)[0].details["outcome"] == "inconclusive"
    assert_error(as_alice.post(cameo_url(selfie, "verification/challenge")), 409, "not_pending_verification")

    with pytest.raises(Forbidden):
        cameo_review_decide(cameo=selfie, moderator=alice, approve=True)
    moderator = make_user("moderator1")
    moderator.groups.add(Group.objects.get(name="moderators"))
    with pytest.raises(Forbidden):
        cameo_review_decide(cameo=selfie, moderator=make_user(), approve=True)

    with django_capture_on_commit_callbacks(execute=True):
        cameo_review_decide(cameo=selfie, moderator=moderator, approve=True, note="same person")
    assert status_of(selfie) == "active"
    assert not default_storage.exists(kept), "the recording is purged once decided"
    assert Cameo.objects.get(pk=selfie.pk).verification_recording == ""
    review = ConsentRecord.objects.get(cameo_id=selfie.pk, action="review")
    assert (review.actor, review.subject, review.details) == (
        moderator,
        alice,
        {"decision": "approved", "note": "same person"},
    )
    with pytest.raises(Conflict):
        cameo_review_decide(cameo=selfie, moderator=moderator, approve=False)


def test_a_moderator_may_reject(as_alice, alice, selfie, make_user, inconclusive):
    verify(as_alice, selfie, challenge(as_alice, selfie)["challenge_id"], recording_of(SUBJECT))
    staff = make_user("staffer")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    with pytest.raises(Forbidden):  # admin access alone does not make a moderator
        cameo_review_decide(cameo=selfie, moderator=staff, approve=False)
    staff.groups.add(Group.objects.get_or_create(name="moderators")[0])
    cameo_review_decide(cameo=selfie, moderator=staff, approve=False)
    assert status_of(selfie) == "rejected"
    assert_error(as_alice.post(cameo_url(selfie, "verification/challenge")), 409, "not_pending_verification")


def test_an_expired_challenge_is_refused(as_alice, selfie, monkeypatch):
    issued = challenge(as_alice, selfie)["challenge_id"]
    later = timezone.now() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert_error(verify(as_alice, selfie, issued, recording_of(SUBJECT)), 400, "challenge_expired")
    assert status_of(selfie) == "pending_verification"


def test_unknown_and_other_cameos_challenges_are_refused(as_alice, as_bob, bob, selfie, make_cameo):
    bobs = make_cameo(bob, kind="self", seed=SUBJECT)
    theirs = challenge(as_bob, bobs)["challenge_id"]
    assert_error(verify(as_alice, selfie, theirs, recording_of(SUBJECT)), 400, "challenge_invalid")
    assert_error(verify(as_alice, selfie, "12345", recording_of(SUBJECT)), 400, "challenge_invalid")
    for malformed in ("nonsense", "\u00b9\u00b2", "\uff11\uff12"):  # superscript, full-width digits
        assert_error(verify(as_alice, selfie, malformed, recording_of(SUBJECT)), 400, "challenge_invalid")
    assert VerificationChallenge.objects.get(pk=int(theirs)).used_at is None
    assert status_of(selfie) == "pending_verification"


def test_only_the_owner_verifies(as_alice, as_bob, alice, bob, selfie):
    assert_error(as_bob.post(cameo_url(selfie, "verification/challenge")), 404, "cameo_not_found")
    issued = challenge(as_alice, selfie)["challenge_id"]
    assert_error(verify(as_bob, selfie, issued, recording_of(SUBJECT)), 404, "cameo_not_found")
    verify(as_alice, selfie, challenge(as_alice, selfie)["challenge_id"], recording_of(SUBJECT))
    assert_error(as_bob.post(cameo_url(selfie, "verification/challenge")), 403, "not_owner")


def test_a_character_needs_no_verification(as_alice, alice, make_cameo):
    character = make_cameo(alice, kind="character")
    assert_error(
        as_alice.post(cameo_url(character, "verification/challenge")), 409, "verification_not_needed"
    )
    assert_error(verify(as_alice, character, "1", recording_of(SUBJECT)), 409, "verification_not_needed")


def test_a_text_file_as_recording_spends_nothing_and_leaves_nothing(as_alice, selfie, inconclusive):
    issued = challenge(as_alice, selfie)["challenge_id"]
    before = (media_files(), ConsentRecord.objects.count())
    assert_error(verify(as_alice, selfie, issued, not_a_video()), 415, "unsupported_media_type")
    assert (media_files(), ConsentRecord.objects.count()) == before
    assert VerificationChallenge.objects.get(pk=int(issued)).used_at is None
    assert status_of(selfie) == "pending_verification"
    assert verify(as_alice, selfie, issued, recording_of(SUBJECT)).json()["status"] == "in_review"


def test_a_corrupt_recording_is_a_400_and_leaves_nothing(as_alice, selfie, inconclusive):
    """A recording cut off half way is either undecodable (``invalid_video``, nothing spent) or a take too
    short to judge (``verification_failed``, a spent attempt); either way nothing is stored."""
    issued = challenge(as_alice, selfie)["challenge_id"]
    before = media_files()
    response = verify(as_alice, selfie, issued, corrupt_recording())
    assert response.status_code == 400
    assert response.json()["code"] in ("invalid_video", "verification_failed")
    assert media_files() == before
    assert status_of(selfie) == "pending_verification"
    assert Cameo.objects.get(pk=selfie.pk).verification_recording == ""


def test_an_oversized_recording_is_413(as_alice, selfie, monkeypatch):
    issued = challenge(as_alice, selfie)["challenge_id"]
    data = recording_of(SUBJECT)
    monkeypatch.setattr(likeness, "MAX_RECORDING_BYTES", len(data) - 1)
    before = media_files()
    assert_error(verify(as_alice, selfie, issued, data), 413, "file_too_large")
    assert media_files() == before
    assert VerificationChallenge.objects.get(pk=int(issued)).used_at is None


def test_attempts_are_capped_per_day(as_alice, selfie, monkeypatch):
    for _ in range(CHALLENGES_PER_DAY):
        challenge(as_alice, selfie)
    response = as_alice.post(cameo_url(selfie, "verification/challenge"))
    assert_error(response, 429, "too_many_attempts")
    assert 0 < int(response["Retry-After"]) <= 86400
    tomorrow = timezone.now() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    assert as_alice.post(cameo_url(selfie, "verification/challenge")).status_code == 201

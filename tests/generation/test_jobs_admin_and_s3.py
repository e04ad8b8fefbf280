"""Generation jobs in the admin (retry and cancel go through the services), and a generation stored on
S3 (a local S3-compatible server, real boto3 calls)."""

from __future__ import annotations

import urllib.request

import pytest
from django.test import Client

from feed.models import Video
from generation.models import GenerationJob
from generation.provenance import read_provenance, trust_anchors
from sora_social.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generation_env")]

URL = "/api/v1/generations/"
BODY = {"prompt": "a yellow ball rolls across the floor", "duration_seconds": 2, "aspect_ratio": "portrait"}


@pytest.fixture
def staff_browser(db):
    browser = Client()
    browser.force_login(User.objects.create_superuser("site_admin", "root@example.com", "a-long-password-9"))
    return browser


def admin_action(browser, action, *jobs):
    return browser.post(
        "/admin/generation/generationjob/", {"action": action, "_selected_action": [str(j.pk) for j in jobs]}
    )


def test_staff_cancel_and_retry_jobs_in_the_admin(
    staff_browser, as_alice, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job_id = as_alice.post(URL, BODY, format="json").json()["id"]
    job = GenerationJob.objects.get(pk=job_id)
    for path in (
        "/admin/generation/generationjob/",
        "/admin/generation/generationjob/?status__exact=queued",
        f"/admin/generation/generationjob/?q={alice.username}",
        f"/admin/generation/generationjob/{job.pk}/change/",
        "/admin/generation/promptrefusal/",
    ):
        assert staff_browser.get(path).status_code == 200, path

    assert admin_action(staff_browser, "cancel", job).status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled"
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    assert not Video.objects.filter(author=alice).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert admin_action(staff_browser, "retry", job).status_code == 302
    job.refresh_from_db()
    assert job.status == "succeeded" and job.video is not None and job.attempts == 1

    # A succeeded job is neither retried nor cancelled; the admin says why.
    page = staff_browser.post(
        "/admin/generation/generationjob/",
        {"action": "retry", "_selected_action": [str(job.pk)]},
        follow=True,
    )
    assert b"Only a failed or cancelled generation can be retried" in page.content
    job.refresh_from_db()
    assert job.status == "succeeded"


def test_the_admin_is_for_staff_only(as_alice, alice, django_capture_on_commit_callbacks):
    browser = Client()
    browser.force_login(alice)
    assert browser.get("/admin/generation/generationjob/").status_code == 302  # to the login page


def test_a_generation_stored_on_s3(s3_media, as_alice, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = as_alice.post(URL, BODY, format="json").json()["id"]
    job = GenerationJob.objects.get(pk=job_id)
    assert job.status == "succeeded", job.error_detail
    assert s3_media.keys() == {job.video.video_file.name, job.video.poster_file.name, job.video.raw_file.name}

    media = as_alice.get(f"/api/v1/videos/{job.video_id}/").json()["media"]
    assert "X-Amz-Signature=" in media["video_url"]
    with urllib.request.urlopen(media["video_url"]) as response:
        data = response.read()
    assert data == s3_media.get(job.video.video_file.name)
    assert read_provenance(data, trust_anchors=trust_anchors()).trusted
    assert as_alice.get(f"/api/v1/videos/{job.video_id}/provenance/").json()["valid"]

    with django_capture_on_commit_callbacks(execute=True):
        assert as_alice.delete(f"/api/v1/videos/{job.video_id}/").status_code == 204
    assert s3_media.keys() == set()

"""Generation through the API, with the worker's task run inline after commit (Celery's eager mode): the
request path's checks, idempotency, quota, the prompt policy, consent at request and at completion,
cancellation, and what a finished job leaves behind."""

from __future__ import annotations

import pytest

from cameos.models import Cameo
from feed.models import Notification, Video
from generation.models import GenerationJob, PromptRefusal
from generation.provenance import read_provenance, trust_anchors
from sora_social.core.media import probe_video
from tests.cameos.conftest import media_files

pytestmark = pytest.mark.usefixtures("generation_env")

URL = "/api/v1/generations/"


def request_body(**overrides):
    return {
        "prompt": "a red ball drops onto the floor and bounces twice",
        "duration_seconds": 2,
        "aspect_ratio": "square",
        **overrides,
    }


def generate(client, capture, *, key=None, **overrides):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    with capture(execute=True):
        response = client.post(URL, request_body(**overrides), format="json", **headers)
    return response


def test_a_prompt_becomes_a_signed_watermarked_draft(as_alice, alice, django_capture_on_commit_callbacks):
    response = generate(as_alice, django_capture_on_commit_callbacks, seed=7)
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"

    job = as_alice.get(f"{URL}{response.json()['id']}/").json()
    assert job["status"] == "succeeded" and job["progress"] == 100 and job["error"] is None
    assert job["seed"] == "7" and job["attempts"] == 1
    assert job["started_at"] and job["finished_at"]

    video = Video.objects.get(pk=job["video"])
    assert video.author == alice and video.status == Video.Status.DRAFT
    assert video.prompt == "a red ball drops onto the floor and bounces twice"
    shown = as_alice.get(f"/api/v1/videos/{video.pk}/").json()
    assert shown["status"] == "draft" and shown["media"]["duration_seconds"] == 2.0

    data = video.video_file.read()
    info = probe_video(data)
    assert (info.width, info.height) == (128, 128) and info.fps == 4
    summary = read_provenance(data, trust_anchors=trust_anchors())
    assert summary.valid and summary.trusted and summary.ai_generated
    assert summary.creator == "alice" and summary.model == "tiny"

    assert Notification.objects.filter(recipient=alice, kind="video_ready", video=video).exists()


def test_the_worker_records_what_it_made_without_decoding_it_again(
    as_alice, django_capture_on_commit_callbacks, monkeypatch
):
    import feed.services

    decoded = []
    monkeypatch.setattr(feed.services, "probe_video", lambda *args, **kwargs: decoded.append(args))
    job = generate(as_alice, django_capture_on_commit_callbacks, seed=5, aspect_ratio="landscape").json()
    video = Video.objects.get(pk=GenerationJob.objects.get(pk=job["id"]).video_id)
    assert decoded == []

    info = probe_video(video.video_file.read())
    assert (video.width, video.height, video.fps) == (info.width, info.height, info.fps)
    assert video.duration_seconds == info.duration_seconds == 2.0
    assert video.poster_file.read()[:3] == b"\xff\xd8\xff"


def test_the_same_seed_makes_the_same_frames(as_alice, django_capture_on_commit_callbacks):
    first = generate(as_alice, django_capture_on_commit_callbacks, seed=11).json()
    second = generate(as_alice, django_capture_on_commit_callbacks, seed=11).json()
    videos = [
        Video.objects.get(pk=GenerationJob.objects.get(pk=job["id"]).video_id) for job in (first, second)
    ]
    assert probe_video(videos[0].video_file.read()).frame_count == 8
    # The MP4s differ (each is signed for its own job); the poster is the same frame.
    assert videos[0].poster_file.read() == videos[1].poster_file.read()


def test_the_same_idempotency_key_returns_the_same_job(as_alice, alice, django_capture_on_commit_callbacks):
    first = generate(as_alice, django_capture_on_commit_callbacks, key="tap-1")
    again = generate(as_alice, django_capture_on_commit_callbacks, key="tap-1")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert again.json()["status"] == "succeeded"
    other = generate(as_alice, django_capture_on_commit_callbacks, key="tap-2")
    assert other.json()["id"] != first.json()["id"]
    assert GenerationJob.objects.filter(user=alice).count() == 2
    assert Video.objects.filter(author=alice).count() == 2


def test_a_key_reused_for_another_request_is_a_conflict(as_alice, django_capture_on_commit_callbacks):
    generate(as_alice, django_capture_on_commit_callbacks, key="k")
    response = generate(
        as_alice, django_capture_on_commit_callbacks, key="k", prompt="a blue box slides left"
    )
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"


def test_keys_belong_to_their_user(as_alice, as_bob, django_capture_on_commit_callbacks):
    mine = generate(as_alice, django_capture_on_commit_callbacks, key="same").json()
    theirs = generate(as_bob, django_capture_on_commit_callbacks, key="same").json()
    assert mine["id"] != theirs["id"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   "}, "prompt"),
        ({"prompt": "x" * 1001}, "prompt"),
        ({"prompt": " ".join(f"word{i}" for i in range(150))}, "prompt"),
        ({"duration_seconds": 3}, "duration_seconds"),
        ({"duration_seconds": "four"}, "duration_seconds"),
        ({"aspect_ratio": "wide"}, "aspect_ratio"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**63}, "seed"),
        ({"storyboard": [{"at_seconds": 5, "prompt": "later"}]}, "storyboard"),
        ({"storyboard": [{"at_seconds": 1, "prompt": "b"}, {"at_seconds": 0, "prompt": "a"}]}, "storyboard"),
        (
            {"storyboard": [{"at_seconds": 0.1, "prompt": "a"}, {"at_seconds": 0.2, "prompt": "b"}]},
            "storyboard",
        ),
        ({"storyboard": [{"at_seconds": 0, "prompt": ""}]}, "storyboard"),
        ({"storyboard": [{"at_seconds": 0}]}, "storyboard"),
        ({"storyboard": "first this then that"}, "storyboard"),
        ({"remix_strength": 1.5}, "remix_strength"),
        ({"cameo_ids": "123"}, "cameo_ids"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_every_bad_field_is_a_400_naming_it(
    as_alice, alice, overrides, field, django_capture_on_commit_callbacks
):
    response = generate(as_alice, django_capture_on_commit_callbacks, **overrides)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"], body
    assert not GenerationJob.objects.filter(user=alice).exists()


def test_missing_fields_are_named(as_alice):
    response = as_alice.post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"prompt", "duration_seconds", "aspect_ratio"}


def test_an_overlong_idempotency_key_is_refused(as_alice):
    response = as_alice.post(URL, request_body(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["fields"]


def test_anonymous_requests_are_refused(anon):
    assert anon.post(URL, request_body(), format="json").status_code == 401
    assert anon.get(URL).status_code == 401


def test_the_daily_quota(as_alice, alice, settings, django_capture_on_commit_callbacks):
    settings.GENERATION_DAILY_QUOTA = 2
    for _ in range(2):
        assert generate(as_alice, django_capture_on_commit_callbacks).status_code == 202
    refused = generate(as_alice, django_capture_on_commit_callbacks)
    assert refused.status_code == 429 and refused.json()["code"] == "quota_exceeded"
    assert 0 < int(refused["Retry-After"]) <= 86400
    assert GenerationJob.objects.filter(user=alice).count() == 2

    # A job that failed through our fault gives its place back.
    GenerationJob.objects.filter(user=alice).update(status="failed", error_code="attempts_exhausted")
    assert generate(as_alice, django_capture_on_commit_callbacks).status_code == 202


def test_the_quota_is_per_user(as_alice, as_bob, settings, django_capture_on_commit_callbacks):
    settings.GENERATION_DAILY_QUOTA = 1
    assert generate(as_alice, django_capture_on_commit_callbacks).status_code == 202
    assert generate(as_bob, django_capture_on_commit_callbacks).status_code == 202


@pytest.mark.parametrize(
    "prompt",
    [
        "a naked child on a beach",  # a listed term
        "a N4KED woman",  # spelled around the list
        "a man's head is chopped off and blood sprays everywhere",  # a paraphrase, caught by meaning
        "gunman opens fire in a classroom full of kids",
    ],
)
def test_prompts_against_the_policy_are_refused(as_alice, alice, prompt, django_capture_on_commit_callbacks):
    response = generate(as_alice, django_capture_on_commit_callbacks, prompt=prompt)
    assert response.status_code == 422 and response.json()["code"] == "prompt_blocked"
    assert not GenerationJob.objects.filter(user=alice).exists()
    refusal = PromptRefusal.objects.get(user=alice)
    assert refusal.prompt == prompt and refusal.reason in {"term", "similar_to_forbidden"}


def test_a_storyboard_beat_is_checked_too(as_alice, django_capture_on_commit_callbacks):
    beats = [{"at_seconds": 0, "prompt": "a calm lake"}, {"at_seconds": 1, "prompt": "a snuff film"}]
    response = generate(as_alice, django_capture_on_commit_callbacks, storyboard=beats)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "prompt",
    [
        "a child blowing out birthday candles",
        "fireworks explode over a city at night",
        "a knight fights a dragon in a cartoon style",
        "Essex countryside at dawn",
    ],
)
def test_ordinary_prompts_pass(as_alice, prompt, django_capture_on_commit_callbacks):
    assert generate(as_alice, django_capture_on_commit_callbacks, prompt=prompt).status_code == 202


def test_a_cameo_i_may_not_use_is_refused_at_request(
    as_alice, alice, bob, make_cameo, django_capture_on_commit_callbacks
):
    private = make_cameo(bob, audience="only_me")
    response = generate(as_alice, django_capture_on_commit_callbacks, cameo_ids=[str(private.pk)])
    assert response.status_code == 403 and response.json()["code"] == "cameo_not_permitted"
    missing = generate(as_alice, django_capture_on_commit_callbacks, cameo_ids=["123456789"])
    assert missing.status_code == 403 and missing.json()["code"] == "cameo_not_permitted"
    mine = [str(make_cameo(alice).pk) for _ in range(3)]
    too_many = generate(as_alice, django_capture_on_commit_callbacks, cameo_ids=mine)
    assert too_many.status_code == 400 and too_many.json()["code"] == "too_many_cameos"
    assert not GenerationJob.objects.filter(user=alice).exists()


def test_a_cameo_video_records_the_appearance(
    as_alice, alice, bob, make_cameo, django_capture_on_commit_callbacks
):
    cameo = make_cameo(bob, audience="everyone")
    response = generate(as_alice, django_capture_on_commit_callbacks, cameo_ids=[str(cameo.pk)])
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", (job.error_code, job.error_detail)
    video = job.video
    assert list(video.featured_cameos.values_list("cameo_id", flat=True)) == [cameo.pk]
    assert Notification.objects.filter(recipient=bob, kind="cameo_used", video=video).exists()
    # The cameo's owner sees the draft; nobody else does.
    appearances = as_alice.get(f"/api/v1/videos/{video.pk}/")
    assert appearances.status_code == 200


def test_consent_revoked_while_queued_keeps_nothing(
    as_alice, alice, bob, make_cameo, django_capture_on_commit_callbacks
):
    cameo = make_cameo(bob, audience="approved")
    from cameos.services import cameo_approval_grant, cameo_approval_revoke

    cameo_approval_grant(cameo=cameo, username="alice", actor=bob)
    before = media_files()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = as_alice.post(URL, request_body(cameo_ids=[str(cameo.pk)]), format="json")
    assert response.status_code == 202
    cameo_approval_revoke(cameo=Cameo.objects.get(pk=cameo.pk), username="alice", actor=bob)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()

    job = as_alice.get(f"{URL}{response.json()['id']}/").json()
    assert job["status"] == "failed" and job["error"]["code"] == "consent_revoked" and job["video"] is None
    assert not Video.objects.filter(author=alice).exists()
    assert media_files() == before
    assert Notification.objects.filter(recipient=alice, kind="generation_failed").exists()


def test_cancel_while_queued(as_alice, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = as_alice.post(URL, request_body(), format="json").json()
    cancelled = as_alice.post(f"{URL}{job['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()  # the message arrives: the worker finds nothing to do
    job = GenerationJob.objects.get(pk=job["id"])
    assert job.status == "cancelled" and job.attempts == 0 and job.video is None
    assert not Video.objects.filter(author=alice).exists()
    again = as_alice.post(f"{URL}{job.pk}/cancel/")
    assert again.status_code == 200 and again.json()["status"] == "cancelled"


def test_cancel_while_running_stops_between_steps(
    as_alice, alice, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from generation import rendering

    settings.GENERATION_STEPS = 6
    real = rendering.engine()
    calls = []

    class CancellingEngine:
        """The real engine, with the user pressing cancel while step 2 runs."""

        def generate(self, request, *, callback):
            def step(progress):
                calls.append(progress.step)
                if progress.step == 2:
                    job_id = GenerationJob.objects.get(user=alice).pk
                    assert as_alice.post(f"{URL}{job_id}/cancel/").status_code == 200
                return callback(progress)

            return real.generate(request, callback=step)

    monkeypatch.setattr(rendering, "engine", CancellingEngine)
    before = media_files()
    response = generate(as_alice, django_capture_on_commit_callbacks)
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "cancelled" and calls == [1, 2]
    assert not Video.objects.filter(author=alice).exists() and media_files() == before


def test_a_finished_job_cannot_be_cancelled(as_alice, django_capture_on_commit_callbacks):
    job = generate(as_alice, django_capture_on_commit_callbacks).json()
    response = as_alice.post(f"{URL}{job['id']}/cancel/")
    assert response.status_code == 409 and response.json()["code"] == "generation_finished"


def test_jobs_are_private_and_listed_newest_first(as_alice, as_bob, django_capture_on_commit_callbacks):
    ids = [generate(as_alice, django_capture_on_commit_callbacks).json()["id"] for _ in range(3)]
    page = as_alice.get(f"{URL}?limit=2").json()
    assert [job["id"] for job in page["results"]] == ids[::-1][:2] and page["next"]
    rest = as_alice.get(page["next"]).json()
    assert [job["id"] for job in rest["results"]] == ids[:1] and rest["next"] is None
    assert as_bob.get(URL).json()["results"] == []
    assert as_bob.get(f"{URL}{ids[0]}/").status_code == 404
    assert as_bob.post(f"{URL}{ids[0]}/cancel/").status_code == 404
    assert as_alice.get(f"{URL}nonsense/").status_code == 404


def test_an_engine_failure_is_retried_then_fails(
    as_alice, alice, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from generation import rendering

    settings.GENERATION_MAX_ATTEMPTS = 3
    settings.GENERATION_RETRY_DELAY_SECONDS = 0

    class BrokenEngine:
        def generate(self, request, *, callback):
            raise RuntimeError("CUDA error: an illegal memory access was encountered")

    monkeypatch.setattr(rendering, "engine", BrokenEngine)
    response = generate(as_alice, django_capture_on_commit_callbacks)
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "failed" and job.error_code == "attempts_exhausted" and job.attempts == 3
    body = as_alice.get(f"{URL}{job.pk}/").json()
    assert body["error"]["code"] == "attempts_exhausted" and "3 times" in body["error"]["detail"]


def test_a_duplicate_message_does_nothing(as_alice, alice, django_capture_on_commit_callbacks):
    from generation.tasks import generate_video

    job_id = generate(as_alice, django_capture_on_commit_callbacks).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        generate_video.apply(args=(int(job_id),))
    job = GenerationJob.objects.get(pk=job_id)
    assert job.status == "succeeded" and job.attempts == 1
    assert Video.objects.filter(author=alice).count() == 1


def test_the_sweep_sends_again_only_a_queued_job_left_untaken(
    as_alice, alice, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """A queued job whose message nobody took well after it was due is sent again, once per period; one
    still within its period, or running with a live worker, is left alone."""
    from datetime import timedelta

    from django.utils import timezone

    from generation import services

    sent: list[int] = []
    monkeypatch.setattr(services, "_enqueue", lambda job_id, countdown=0: sent.append(job_id))
    settings.GENERATION_QUEUED_RESEND_SECONDS = 60
    stranded, fresh, running = (
        GenerationJob.objects.get(pk=generate(as_alice, django_capture_on_commit_callbacks).json()["id"])
        for _ in range(3)
    )
    sent.clear()
    long_ago = timezone.now() - timedelta(seconds=61)
    GenerationJob.objects.filter(pk=stranded.pk).update(enqueued_at=long_ago)
    GenerationJob.objects.filter(pk=running.pk).update(
        status="running", worker="w1@host:1", enqueued_at=long_ago, heartbeat_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.generation_recover_lost() == 1
    assert sent == [stranded.pk]
    stranded.refresh_from_db()
    assert stranded.status == "queued" and stranded.enqueued_at > long_ago
    # Sent once: the next sweep, within the period, leaves it alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.generation_recover_lost() == 0
    assert sent == [stranded.pk]
    assert GenerationJob.objects.get(pk=fresh.pk).status == "queued"
    assert GenerationJob.objects.get(pk=running.pk).status == "running"


def test_a_lost_worker_s_job_is_queued_again_and_due_after_the_retry_delay(
    as_alice, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from generation import services

    sent: list[tuple[int, float]] = []
    monkeypatch.setattr(services, "_enqueue", lambda job_id, countdown=0: sent.append((job_id, countdown)))
    settings.GENERATION_LEASE_SECONDS = 60
    settings.GENERATION_RETRY_DELAY_SECONDS = 5
    job = GenerationJob.objects.get(pk=generate(as_alice, django_capture_on_commit_callbacks).json()["id"])
    sent.clear()
    GenerationJob.objects.filter(pk=job.pk).update(
        status="running", worker="w1@host:1", attempts=1, heartbeat_at=timezone.now() - timedelta(seconds=61)
    )
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.generation_recover_lost() == 1
    job.refresh_from_db()
    assert job.status == "queued" and job.worker == "" and job.attempts == 1
    assert sent == [(job.pk, 5)]
    assert job.enqueued_at >= before + timedelta(seconds=5)


def test_a_remix_starts_from_a_published_video(
    as_alice, as_bob, alice, bob, make_video, django_capture_on_commit_callbacks
):
    parent = make_video(bob)
    response = generate(
        as_alice, django_capture_on_commit_callbacks, remix_of=str(parent.pk), remix_strength=0.5
    )
    assert response.status_code == 202 and response.json()["remix_of"] == str(parent.pk)
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.error_detail
    assert job.video.remix_of == parent and job.video.remix_depth == 1


def test_what_may_not_be_remixed(as_alice, bob, make_video, django_capture_on_commit_callbacks):
    draft = make_video(bob, publish=False)
    hidden = generate(as_alice, django_capture_on_commit_callbacks, remix_of=str(draft.pk))
    assert hidden.status_code == 404 and hidden.json()["code"] == "video_not_found"
    closed = make_video(bob)
    Video.objects.filter(pk=closed.pk).update(allow_remix=False)
    refused = generate(as_alice, django_capture_on_commit_callbacks, remix_of=str(closed.pk))
    assert refused.status_code == 403 and refused.json()["code"] == "remix_not_allowed"
    assert not GenerationJob.objects.exists()

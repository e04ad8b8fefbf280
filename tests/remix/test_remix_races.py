"""Remixes finishing at the same moment, for real: threads with their own database connections, on
PostgreSQL. The parent's ``remix_count`` is an atomic increment, so none is lost."""

from __future__ import annotations

import pytest

from feed.models import Video
from generation import services
from generation.models import GenerationJob
from tests.cameos.test_races import race
from tests.feed.conftest import tiny_media

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("generation_env"),
    # Concurrent transactions: SQLite serialises writers.
    pytest.mark.postgres,
]

REMIXES = 20


def test_remix_count_under_concurrent_completions(alice, bob, make_video, monkeypatch, settings):
    monkeypatch.setattr(services, "_enqueue", lambda job_id, countdown=0: None)
    settings.GENERATION_DAILY_QUOTA = REMIXES
    parent = make_video(bob)
    claims = []
    for _ in range(REMIXES):
        job, _ = services.generation_request(
            user=alice,
            prompt="the ball turns blue",
            duration_seconds=None,
            aspect_ratio=None,
            remix_of=parent.pk,
        )
        claim = services.generation_claim(job_id=job.pk, worker="w@host:1")
        assert claim is not None
        claims.append(claim)
    video_bytes, poster = tiny_media()

    def complete(claim: services.Claim) -> Video | None:
        return services.generation_complete(claim=claim, video_bytes=video_bytes, poster_bytes=poster)

    results = race(*[lambda claim=claim: complete(claim) for claim in claims])
    assert all(isinstance(result, Video) for result in results), results
    assert Video.objects.get(pk=parent.pk).remix_count == REMIXES
    assert Video.objects.filter(remix_of=parent).count() == REMIXES
    assert set(GenerationJob.objects.filter(user=alice).values_list("status", flat=True)) == {"succeeded"}

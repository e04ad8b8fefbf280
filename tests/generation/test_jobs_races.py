"""Requests racing each other, for real: threads with their own database connections, on PostgreSQL."""

from __future__ import annotations

import pytest

from generation import services
from generation.models import GenerationJob
from sora_social.core.errors import ApiError
from tests.cameos.test_races import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("generation_env"),
    # Concurrent transactions: SQLite serialises writers.
    pytest.mark.postgres,
]


@pytest.fixture(autouse=True)
def _nothing_runs(monkeypatch):
    """Only the request path races here; the jobs stay queued."""
    monkeypatch.setattr(services, "_enqueue", lambda job_id, countdown=0: None)


def request(user, key=None):
    return lambda: services.generation_request(
        user=user, prompt="a red ball bounces", duration_seconds=2, aspect_ratio="square", idempotency_key=key
    )


def test_the_quota_holds_under_concurrent_requests(alice, settings):
    settings.GENERATION_DAILY_QUOTA = 3
    results = race(*[request(alice) for _ in range(8)])
    accepted = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, ApiError)]
    assert len(accepted) == 3 and len(refused) == 5, results
    assert {error.code for error in refused} == {"quota_exceeded"}
    assert GenerationJob.objects.filter(user=alice).count() == 3


def test_one_idempotency_key_makes_one_job_under_concurrent_retries(alice):
    results = race(*[request(alice, key="double-tap") for _ in range(6)])
    assert all(isinstance(r, tuple) for r in results), results
    assert len({job.pk for job, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert GenerationJob.objects.filter(user=alice).count() == 1

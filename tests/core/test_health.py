"""The web role's probes: liveness asks nothing of other services; readiness names the one that fails."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client

from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_asking_the_database_or_redis(django_assert_num_queries):
    with django_assert_num_queries(0), mock.patch("redis.Redis.ping", side_effect=AssertionError):
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readiness_checks_the_database_and_redis():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}
    assert response["Cache-Control"] == "no-store"


def test_readiness_fails_naming_redis_when_it_does_not_answer(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = Client().get("/readyz")
    assert_error(response, 503, "not_ready")
    assert response.json()["checks"] == {"database": "ok", "redis": "failing"}
    assert "redis" in response.json()["detail"] and response["Retry-After"] == "5"


def test_readiness_fails_naming_the_database_when_it_does_not_answer():
    with mock.patch("sora_social.core.health.connection.cursor", side_effect=OperationalError("gone")):
        response = Client().get("/readyz")
    assert_error(response, 503, "not_ready")
    assert response.json()["checks"] == {"database": "failing", "redis": "ok"}
    assert "gone" not in response.content.decode(), "a probe's answer tells nothing of the failure's insides"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_take_only_get_and_head(path):
    assert Client().head(path).status_code == 200
    response = Client().post(path)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"

"""Probes for whatever runs the web role (compose, Kubernetes, a load balancer).

``GET /healthz`` is liveness: the process answers, nothing else is asked (restart it when this fails).
``GET /readyz`` is readiness: the database and Redis each answer within ``CHECK_SECONDS`` (send it traffic
only while this passes); a failing one is a 503 in the API's error format that names it, with
``Retry-After``. Neither is cached, and neither says more about a failure than which service failed.
"""

from __future__ import annotations

from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from sora_social.core.errors import error_body, method_not_allowed

CHECK_SECONDS = 2.0
SAFE_METHODS = ("GET", "HEAD")


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=CHECK_SECONDS, socket_connect_timeout=CHECK_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "redis": _redis}


def _uncached(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    if request.method not in SAFE_METHODS:
        return method_not_allowed(request, SAFE_METHODS)
    return _uncached(JsonResponse({"status": "ok"}))


def readyz(request: HttpRequest) -> HttpResponse:
    if request.method not in SAFE_METHODS:
        return method_not_allowed(request, SAFE_METHODS)
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # any failure of the service means not ready; which one is all a probe needs
            results[name] = "failing"
        else:
            results[name] = "ok"
    failing = [name for name, result in results.items() if result != "ok"]
    if not failing:
        return _uncached(JsonResponse({"status": "ready", "checks": results}))
    body = {**error_body("not_ready", f"Not ready: {', '.join(failing)} not answering."), "checks": results}
    response = JsonResponse(body, status=503)
    response["Retry-After"] = "5"
    return _uncached(response)

"""One Redis client per process (and per forked child), built from ``settings.REDIS_URL``."""

from __future__ import annotations

import os

import redis
import redis.asyncio
from django.conf import settings

_client: redis.Redis | None = None
_client_pid: int | None = None


def get_redis() -> redis.Redis:
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():
        _client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
        _client_pid = os.getpid()
    return _client


def get_async_redis() -> redis.asyncio.Redis:
    """A new asyncio client; the caller closes it (``aclose``). Pools cannot be shared across event loops."""
    return redis.asyncio.Redis.from_url(settings.REDIS_URL, decode_responses=True)

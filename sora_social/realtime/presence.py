"""Who has an event socket open, for senders that only want to reach people online.

A sorted set ``presence:online`` scores each user id with the last time one of their sockets said it was
alive (at connect, then every ``HEARTBEAT_SECONDS``). A user counts as online while that is recent; a
socket that vanished without saying goodbye simply stops refreshing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sora_social.core.redis import get_redis

PRESENCE_KEY = "presence:online"
HEARTBEAT_SECONDS = 30
ONLINE_WINDOW_SECONDS = 3 * HEARTBEAT_SECONDS


async def mark_online(client: Any, user_id: int) -> None:
    """Refresh this user's mark, and drop the marks of users whose sockets went quiet."""
    now = time.time()
    pipe = client.pipeline(transaction=False)
    pipe.zadd(PRESENCE_KEY, {str(user_id): now})
    pipe.zremrangebyscore(PRESENCE_KEY, "-inf", now - ONLINE_WINDOW_SECONDS)
    await pipe.execute()


def online_among(user_ids: Sequence[int]) -> list[int]:
    """The users of ``user_ids`` with a live socket, in one round trip."""
    if not user_ids:
        return []
    scores = get_redis().zmscore(PRESENCE_KEY, [str(user_id) for user_id in user_ids])
    cutoff = time.time() - ONLINE_WINDOW_SECONDS
    return [
        user_id for user_id, seen in zip(user_ids, scores, strict=True) if seen is not None and seen >= cutoff
    ]

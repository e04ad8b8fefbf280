"""Serving the for-you feed in pages. A first request ranks (``ranking.rank``) and keeps the order in a short
Redis session, so the following pages are stable; every id handed out joins the user's served set, which
later rankings leave out, so nothing is shown twice. Each page is hydrated through the visibility rule
again. Without Redis, a page is ranked on the spot and the feed has no next page."""

from __future__ import annotations

import logging
import secrets

import redis

from feed import ranking
from feed.models import Video
from feed.selectors import videos_hydrate
from sora_social.accounts.models import User
from sora_social.core.ids import parse_decimal
from sora_social.core.pagination import decode_token, encode_token, invalid_cursor
from sora_social.core.redis import get_redis

logger = logging.getLogger(__name__)

SESSION_SECONDS = 3600
SERVED_SECONDS = 3 * 86400
CURSOR_PREFIX = "fy1:"
# Past any ranking's length: a cursor beyond it is not one this feed made.
MAX_SESSION_OFFSET = 1 << 31


def _session_key(user_id: int, session: str) -> str:
    return f"foryou:session:{user_id}:{session}"


def _served_key(user_id: int) -> str:
    return f"foryou:served:{user_id}"


def page(viewer: User, cursor: str | None, limit: int) -> tuple[list[Video], str | None]:
    """A page of the viewer's for-you feed and the cursor of the next one (None at the end)."""
    try:
        return _page(get_redis(), viewer, cursor, limit)
    except redis.RedisError:
        logger.warning("For-you sessions unavailable; ranking without them.", exc_info=True)
        return videos_hydrate(viewer=viewer, ids=ranking.rank(viewer, exclude=set())[:limit]), None


def _page(
    client: redis.Redis, viewer: User, cursor: str | None, limit: int
) -> tuple[list[Video], str | None]:
    if cursor is None:
        served = {int(member) for member in client.smembers(_served_key(viewer.pk))}
        order = ranking.rank(viewer, exclude=served)
        session, offset = secrets.token_hex(8), 0
        if order:
            client.rpush(_session_key(viewer.pk, session), *order)
            client.expire(_session_key(viewer.pk, session), SESSION_SECONDS)
    else:
        session, _, raw_offset = decode_token(cursor, CURSOR_PREFIX).partition(":")
        parsed = parse_decimal(raw_offset, highest=MAX_SESSION_OFFSET)
        if parsed is None or not client.exists(_session_key(viewer.pk, session)):
            raise invalid_cursor()
        offset = parsed
    ids = [int(i) for i in client.lrange(_session_key(viewer.pk, session), offset, offset + limit - 1)]
    if ids:
        client.sadd(_served_key(viewer.pk), *ids)
        client.expire(_served_key(viewer.pk), SERVED_SECONDS)
    more = client.llen(_session_key(viewer.pk, session)) > offset + limit
    next_cursor = encode_token(f"{CURSOR_PREFIX}{session}:{offset + limit}") if more else None
    return videos_hydrate(viewer=viewer, ids=ids), next_cursor

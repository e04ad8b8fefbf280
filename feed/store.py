"""The following feed's store: fan-out on write into Redis, the way Mastodon and Twitter build home
timelines, with every read falling back to SQL when Redis cannot answer.

- ``feed:home:<user>`` is a sorted set of video ids (members) scored by the id, capped at ``HOME_CAP``.
  Ids exceed a double's 53 bits, so equal scores can hide adjacent ids; Redis orders equal scores by
  member, and members are decimal strings of one length, so the order is still exact.
- The key exists only while its owner is active: reads renew its TTL (``ACTIVE_SECONDS``) and fan-out adds
  to existing keys only, so nobody writes for people who left. A sentinel member keeps an empty feed alive.
- A returning user's missing key is rebuilt from SQL on their next read, under a lock; a read that finds
  the lock taken, or Redis down, is served straight from SQL, correctly, only slower.
- Authors with more than ``BIG_ACCOUNT_FOLLOWERS`` followers are not fanned out. Their recent videos sit
  in ``feed:author:<author>`` and are merged into each follower's page at read time.
- Reads take more ids than a page needs; the caller hydrates them through the visibility rule, which
  drops anything removed, hidden or unfollowed since it was written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import redis
from django.conf import settings

from feed.models import Video
from sora_social.accounts.models import Follow, User
from sora_social.core.redis import get_redis

logger = logging.getLogger(__name__)

SENTINEL = "0"
BIG_AUTHORS_KEY = "feed:big_authors"
REBUILD_LOCK_SECONDS = 30

# Adds a video to every home feed that exists (active users), trimming each to the cap. KEYS are the home
# keys; ARGV: video id, its score, the cap.
_FAN_OUT = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, ARGV[2], ARGV[1])
    redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(ARGV[3]) + 2))
  end
end
return 0
"""


def home_key(user_id: int) -> str:
    return f"feed:home:{user_id}"


def author_key(author_id: int) -> str:
    return f"feed:author:{author_id}"


def cap() -> int:
    return int(settings.FEED_HOME_CAP)


def is_big_account(author: User) -> bool:
    return author.follower_count > settings.FEED_BIG_ACCOUNT_FOLLOWERS


def fan_out(video_id: int, follower_ids: Sequence[int]) -> None:
    """Add a video to the home feeds of those followers who are active (their key exists)."""
    if follower_ids:
        get_redis().eval(_FAN_OUT, len(follower_ids), *map(home_key, follower_ids), video_id, video_id, cap())


def remember_big_author_video(author_id: int, video_id: int) -> None:
    pipe = get_redis().pipeline()
    pipe.sadd(BIG_AUTHORS_KEY, author_id)
    pipe.zadd(author_key(author_id), {str(video_id): video_id})
    pipe.zremrangebyrank(author_key(author_id), 0, -(cap() + 1))
    pipe.execute()


def remove_video(video_id: int, user_ids: Iterable[int]) -> None:
    pipe = get_redis().pipeline(transaction=False)
    for user_id in user_ids:
        pipe.zrem(home_key(user_id), str(video_id))
    pipe.execute()


def forget_big_author_video(author_id: int, video_id: int) -> None:
    get_redis().zrem(author_key(author_id), str(video_id))


def add_to_home(user_id: int, video_ids: Sequence[int]) -> None:
    """Videos join one user's feed, if it is live (a new follow brings the author's recent videos)."""
    client = get_redis()
    key = home_key(user_id)
    if video_ids and client.exists(key):
        pipe = client.pipeline()
        pipe.zadd(key, {str(video_id): video_id for video_id in video_ids})
        pipe.zremrangebyrank(key, 0, -(cap() + 2))
        pipe.execute()


def _sql_candidates(viewer: User, before: int | None, count: int) -> list[int]:
    """Newest published videos of the people ``viewer`` follows, straight from the database."""
    following = Follow.objects.filter(follower=viewer).values("followee_id")
    videos = Video.objects.filter(author_id__in=following, status=Video.Status.PUBLISHED)
    if before is not None:
        videos = videos.filter(pk__lt=before)
    return list(videos.order_by("-id").values_list("id", flat=True)[:count])


def _rebuild(client: redis.Redis, viewer: User) -> bool:
    """Fill a missing home feed from SQL; False when another request is already rebuilding it."""
    lock = client.set(f"feed:rebuild:{viewer.pk}", "1", nx=True, ex=REBUILD_LOCK_SECONDS)
    if not lock:
        return False
    try:
        ids = _sql_candidates(viewer, None, cap())
        pipe = client.pipeline()
        pipe.delete(home_key(viewer.pk))
        pipe.zadd(
            home_key(viewer.pk), {SENTINEL: float("inf"), **{str(video_id): video_id for video_id in ids}}
        )
        pipe.expire(home_key(viewer.pk), settings.FEED_ACTIVE_SECONDS)
        pipe.execute()
    finally:
        client.delete(f"feed:rebuild:{viewer.pk}")
    return True


def _big_authors_followed(client: redis.Redis, viewer: User) -> list[int]:
    """The big accounts (those with recent videos in an author key) that ``viewer`` follows; no query at
    all while there are none."""
    big = [int(author_id) for author_id in client.smembers(BIG_AUTHORS_KEY)]
    if not big:
        return []
    return list(
        Follow.objects.filter(follower=viewer, followee_id__in=big).values_list("followee_id", flat=True)
    )


def candidates(viewer: User, before: int | None, count: int) -> list[int]:
    """Up to ``count`` video ids for ``viewer``'s following feed, newest first, all older than ``before``.

    From Redis (rebuilt first if the viewer was away) merged with big accounts' recent videos; from SQL
    when Redis is down or a rebuild is already under way.
    """
    try:
        client = get_redis()
        key = home_key(viewer.pk)
        if not client.exists(key) and not _rebuild(client, viewer):
            return _sql_candidates(viewer, before, count)
        client.expire(key, settings.FEED_ACTIVE_SECONDS)
        top = "+inf" if before is None else before
        # The bound is inclusive and scores round ids, so a few ids at the edge come back; filtered below.
        pipe = client.pipeline(transaction=False)
        pipe.zrevrangebyscore(key, top, 1, start=0, num=count + 64)
        big = _big_authors_followed(client, viewer)
        for author_id in big:
            pipe.zrevrangebyscore(author_key(author_id), top, 1, start=0, num=count + 64)
        results = pipe.execute()
    except redis.RedisError:
        logger.warning("Feed store unavailable; serving the following feed from SQL.", exc_info=True)
        return _sql_candidates(viewer, before, count)
    ids = {int(member) for batch in results for member in batch} - {int(SENTINEL)}
    if before is not None:
        ids = {video_id for video_id in ids if video_id < before}
    return sorted(ids, reverse=True)[:count]

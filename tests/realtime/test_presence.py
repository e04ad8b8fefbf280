import time

from sora_social.core.redis import get_async_redis, get_redis
from sora_social.realtime import presence


async def test_marking_online_counts_the_user_and_drops_quiet_ones():
    get_redis().zadd(presence.PRESENCE_KEY, {"7": time.time() - presence.ONLINE_WINDOW_SECONDS - 5})
    client = get_async_redis()
    await presence.mark_online(client, 42)
    await client.aclose()
    assert presence.online_among([42, 7, 99]) == [42]
    assert get_redis().zscore(presence.PRESENCE_KEY, "7") is None, "a quiet user's mark is dropped"

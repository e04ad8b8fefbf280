"""The following feed: the Redis store (fan-out, cap, big accounts, rebuild, fallback) and its reads."""

import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feed import services, store, tasks
from feed.services import video_take_down
from sora_social.accounts.services import follow_create, follow_delete
from sora_social.core.events import decode_events, read_events
from sora_social.core.redis import get_redis
from sora_social.realtime.presence import PRESENCE_KEY

pytestmark = pytest.mark.django_db(transaction=True)

FEED = "/api/v1/feed/following/"


def feed_ids(client, **params):
    response = client.get(FEED, params)
    assert response.status_code == 200, response.content
    return [int(v["id"]) for v in response.json()["results"]]


def home(user):
    return [int(m) for m in get_redis().zrevrange(store.home_key(user.pk), 0, -1) if m != store.SENTINEL]


@pytest.fixture
def author(make_user):
    return make_user("author")


@pytest.fixture
def reader(make_user, author):
    reader = make_user("reader")
    follow_create(follower=reader, followee=author)
    return reader


def test_a_published_video_reaches_an_active_follower(author, reader, make_video, client_for):
    client = client_for(reader)
    assert feed_ids(client) == []  # the first read makes the feed live
    assert get_redis().exists(store.home_key(reader.pk))
    video = make_video(author)
    assert home(reader) == [video.pk]
    assert feed_ids(client) == [video.pk]


def test_inactive_followers_are_not_written_but_rebuilt_on_return(author, reader, make_video, client_for):
    videos = [make_video(author) for _ in range(3)]
    assert not get_redis().exists(store.home_key(reader.pk)), "no writes for someone who is away"
    assert feed_ids(client_for(reader)) == [v.pk for v in reversed(videos)]
    assert home(reader) == [v.pk for v in reversed(videos)]


def test_only_followed_published_and_visible(author, reader, make_user, make_video, client_for):
    client = client_for(reader)
    feed_ids(client)
    stranger = make_user("stranger")
    make_video(stranger)
    make_video(author, publish=False)
    mutuals_only = make_video(author, visibility="mutuals")
    public = make_video(author)
    assert feed_ids(client) == [public.pk]
    assert mutuals_only.pk not in home(reader)


def test_cap_and_trim(author, reader, make_video, client_for, settings):
    settings.FEED_HOME_CAP = 5
    client = client_for(reader)
    feed_ids(client)
    videos = [make_video(author) for _ in range(8)]
    newest = [v.pk for v in reversed(videos)][:5]
    assert home(reader) == newest
    assert get_redis().zcard(store.home_key(reader.pk)) == 6, "five videos and the sentinel"
    assert feed_ids(client, limit=50) == newest


def test_fan_out_runs_in_chunks(author, make_user, make_video, client_for, settings):
    settings.FEED_FANOUT_CHUNK = 2
    readers = [make_user(f"reader{i}") for i in range(5)]
    for reader in readers:
        follow_create(follower=reader, followee=author)
        feed_ids(client_for(reader))
    with mock.patch.object(tasks.fan_out_chunk, "delay", wraps=tasks.fan_out_chunk.delay) as chunk:
        video = make_video(author)
    assert [len(call.args[1]) for call in chunk.call_args_list] == [2, 2, 1]
    assert all(home(reader) == [video.pk] for reader in readers)


def test_big_accounts_are_merged_at_read_time(author, reader, make_user, make_video, client_for, settings):
    settings.FEED_BIG_ACCOUNT_FOLLOWERS = 1
    follow_create(follower=make_user("second_fan"), followee=author)
    client = client_for(reader)
    small = make_user("small")
    follow_create(follower=reader, followee=small)
    feed_ids(client)
    big_video = make_video(author)
    small_video = make_video(small)
    assert home(reader) == [small_video.pk], "the big account's video was not fanned out"
    assert get_redis().zscore(store.author_key(author.pk), str(big_video.pk)) is not None
    assert feed_ids(client) == [small_video.pk, big_video.pk]


def test_a_big_accounts_publish_reaches_only_its_online_followers(
    author, reader, make_user, make_video, settings
):
    settings.FEED_BIG_ACCOUNT_FOLLOWERS = 1
    offline = [make_user(f"offline{i}") for i in range(3)]
    for user in offline:
        follow_create(follower=user, followee=author)
    get_redis().zadd(PRESENCE_KEY, {str(reader.pk): time.time()})
    with mock.patch.object(tasks.fan_out_chunk, "delay", wraps=tasks.fan_out_chunk.delay) as chunk:
        video = make_video(author)
    assert not chunk.called, "no feed is written for a big account"
    [event] = decode_events(read_events(get_redis(), reader.pk, "0-0"))
    assert event["type"] == "feed.video" and event["data"]["video"]["id"] == str(video.pk)
    assert all(not read_events(get_redis(), user.pk, "0-0") for user in offline)


def test_reads_fall_back_to_sql_when_redis_is_down(author, reader, make_video, client_for):
    videos = [make_video(author) for _ in range(3)]
    client = client_for(reader)
    with mock.patch.object(store, "get_redis", side_effect=redis.ConnectionError("down")):
        assert feed_ids(client) == [v.pk for v in reversed(videos)]
        first = client.get(FEED, {"limit": 2}).json()
        second = client.get(first["next"]).json()
    assert [int(v["id"]) for v in first["results"] + second["results"]] == [v.pk for v in reversed(videos)]


def test_reads_answer_while_another_request_rebuilds(author, reader, make_video, client_for):
    video = make_video(author)
    get_redis().set(f"feed:rebuild:{reader.pk}", "1", ex=30)
    assert feed_ids(client_for(reader)) == [video.pk]
    assert not get_redis().exists(store.home_key(reader.pk))


def test_pages_have_no_duplicates_or_gaps_while_videos_arrive(author, reader, make_video, client_for):
    client = client_for(reader)
    feed_ids(client)
    old = [make_video(author) for _ in range(7)]
    seen = []
    page = client.get(FEED, {"limit": 3}).json()
    seen += [int(v["id"]) for v in page["results"]]
    for _ in range(2):
        make_video(author)
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [int(v["id"]) for v in page["results"]]
    assert seen == [v.pk for v in reversed(old)]


def test_removed_and_unfollowed_videos_leave_the_feed(author, reader, make_video, client_for):
    client = client_for(reader)
    feed_ids(client)
    first, second = make_video(author), make_video(author)
    video_take_down(video=second, reason="moderation")
    assert home(reader) == [first.pk]
    assert feed_ids(client) == [first.pk]
    follow_delete(follower=reader, followee=author)
    assert feed_ids(client) == []


def test_a_new_follow_brings_the_authors_recent_videos(author, make_user, make_video, client_for):
    newcomer = make_user("newcomer")
    client = client_for(newcomer)
    feed_ids(client)
    video = make_video(author)
    follow_create(follower=newcomer, followee=author)
    assert home(newcomer) == [video.pk]
    assert feed_ids(client) == [video.pk]


def test_online_followers_get_a_feed_video_event(author, reader, make_user, make_video):
    offline = make_user("offline")
    follow_create(follower=offline, followee=author)
    get_redis().zadd(PRESENCE_KEY, {str(reader.pk): time.time()})
    video = make_video(author, caption="hello")
    [event] = decode_events(read_events(get_redis(), reader.pk, "0-0"))
    assert event["type"] == "feed.video"
    assert event["data"]["video"]["id"] == str(video.pk)
    assert event["data"]["video"]["caption"] == "hello"
    assert urlsplit(event["data"]["video"]["media"]["video_url"]).path.endswith(".mp4")
    assert [e["type"] for e in decode_events(read_events(get_redis(), offline.pk, "0-0"))] == []


def test_an_online_followers_feed_holds_the_video_before_the_event_is_sent(
    author, reader, make_video, client_for
):
    """The "new videos" a page is told of are in its feed when it looks, before the chunked writes run."""
    client = client_for(reader)
    feed_ids(client)
    get_redis().zadd(PRESENCE_KEY, {str(reader.pk): time.time()})
    seen_at_event: list[list[int]] = []
    real_publish = services.publish_event

    def publish(user_ids, kind, data):
        seen_at_event.append(home(reader))
        return real_publish(user_ids, kind, data)

    with (
        mock.patch.object(services, "publish_event", side_effect=publish),
        mock.patch.object(tasks.fan_out_chunk, "delay"),
    ):
        video = make_video(author)
    assert seen_at_event == [[video.pk]]


def test_a_page_of_50_costs_what_a_page_of_5_costs(author, reader, make_user, make_video, client_for):
    other = make_user("other")
    follow_create(follower=reader, followee=other)
    client = client_for(reader)
    feed_ids(client)
    for i in range(55):
        make_video(author if i % 2 else other, cameo_owners=(other,) if i % 3 == 0 else ())

    def queries(limit):
        client.get(FEED, {"limit": limit})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(FEED, {"limit": limit})
        assert len(response.json()["results"]) == limit
        return len(captured)

    assert queries(5) == queries(50)


def test_anonymous_and_bad_cursors(anon, as_alice):
    assert anon.get(FEED).status_code == 401
    response = as_alice.get(FEED, {"cursor": "nope"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


def test_a_big_accounts_removed_video_leaves_its_author_set(
    author, reader, make_user, make_video, client_for, settings
):
    settings.FEED_BIG_ACCOUNT_FOLLOWERS = 1
    follow_create(follower=make_user("second_fan"), followee=author)
    client = client_for(reader)
    video = make_video(author)
    assert feed_ids(client) == [video.pk]
    video_take_down(video=video, reason="moderation")
    assert get_redis().zscore(store.author_key(author.pk), str(video.pk)) is None
    assert feed_ids(client) == []

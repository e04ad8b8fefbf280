"""The for-you feed: candidate sources, scoring steered by plain-words preferences, diversity, no repeats."""

from unittest import mock

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feed import for_you, services
from feed.models import Video, VideoEmbedding
from feed.preferences import split
from sora_social.accounts.services import block_create, follow_create
from sora_social.core.redis import get_redis
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db(transaction=True)

FOR_YOU = "/api/v1/feed/for-you/"


def ranked(client, **params):
    response = client.get(FOR_YOU, params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(page):
    return [int(v["id"]) for v in page["results"]]


@pytest.mark.parametrize(
    "text, more, less",
    [
        ("more animals, less sports", ["animals"], ["sports"]),
        ("Show me cooking but no horror", ["cooking"], ["horror"]),
        ("cats and dogs; without cars", ["cats and dogs"], ["cars"]),
        ("", [], []),
    ],
)
def test_preference_words_are_read_for_and_against(text, more, less):
    assert split(text) == (more, less)


def test_candidates_come_from_every_source_and_never_your_own(make_user, make_video, client_for):
    me, friend, friends_friend, stranger = (make_user(n) for n in ("me_user", "friend", "fof", "stranger"))
    follow_create(follower=me, followee=friend)
    follow_create(follower=friend, followee=friends_friend)
    videos = {
        "friend": make_video(friend),
        "fof_followers_only": make_video(friends_friend, visibility="followers"),
        "fof": make_video(friends_friend),
        "stranger": make_video(stranger),
        "mine": make_video(me),
        "draft": make_video(stranger, publish=False),
    }
    got = set(ids(ranked(client_for(me), limit=50)))
    assert got == {videos[k].pk for k in ("friend", "fof", "stranger")}


def test_preferences_steer_the_ranking(make_user, make_video, client_for):
    me, author_a, author_b = make_user("me_user"), make_user("author_a"), make_user("author_b")
    animals = make_video(author_a, prompt="a kitten chasing a puppy across a meadow", caption="cute pets")
    sports = make_video(author_b, prompt="a football striker scores a goal in a stadium", caption="match day")
    assert VideoEmbedding.objects.count() == 2, "published videos are embedded"
    client = client_for(me)

    response = client.post("/api/v1/feed/preferences/", {"text": "more animals, less sports"}, format="json")
    assert response.status_code == 200 and response.json() == {"text": "more animals, less sports"}
    assert client.get("/api/v1/feed/preferences/").json() == {"text": "more animals, less sports"}
    assert ids(ranked(client))[:2] == [animals.pk, sports.pk]

    client.post("/api/v1/feed/preferences/", {"text": "more football, no pets"}, format="json")
    for_you_served_reset(me)
    assert ids(ranked(client))[:2] == [sports.pk, animals.pk]


def for_you_served_reset(user):
    get_redis().delete(f"foryou:served:{user.pk}")


def test_preferences_validate_their_input(as_alice):
    for body in ({}, {"text": "x" * 501}, {"text": ["a"]}, {"text": "ok", "extra": 1}):
        assert_error(as_alice.post("/api/v1/feed/preferences/", body, format="json"), 400, "invalid")
    assert as_alice.post("/api/v1/feed/preferences/", {"text": ""}, format="json").json() == {"text": ""}


def test_the_same_author_does_not_come_twice_in_a_row(make_user, make_video, client_for):
    me, prolific, other = make_user("me_user"), make_user("prolific"), make_user("other")
    follow_create(follower=me, followee=prolific)  # affinity puts all of prolific's videos on top
    for _ in range(4):
        make_video(prolific)
    make_video(other)
    make_video(other)
    order = ranked(client_for(me), limit=50)["results"]
    authors = [v["author"]["username"] for v in order]
    assert len(order) == 6
    # Four of prolific's and two of other's: they alternate as long as other has videos left.
    assert authors[:4] == ["prolific", "other", "prolific", "other"], authors


def test_pages_are_stable_and_nothing_is_served_twice(make_user, make_video, client_for):
    me, author = make_user("me_user"), make_user("author")
    made = {make_video(author).pk for _ in range(7)}
    client = client_for(me)
    first = ranked(client, limit=3)
    second = ranked(client, **{"limit": 3, "cursor": first["next"].split("cursor=")[1].split("&")[0]})
    third = client.get(second["next"]).json()
    served = ids(first) + ids(second) + ids(third)
    assert len(served) == len(set(served)) == 7 and set(served) == made
    assert third["next"] is None
    assert ids(ranked(client)) == [], "a new ranking leaves out what was already served"
    fresh = make_video(author)
    assert ids(ranked(client)) == [fresh.pk]


def test_a_hidden_video_disappears_from_a_ranked_session(make_user, make_video, client_for):
    me, author = make_user("me_user"), make_user("author")
    for _ in range(4):
        make_video(author)
    client = client_for(me)
    first = ranked(client, limit=2)
    assert len(first["results"]) == 2
    block_create(blocker=author, blocked=me)
    assert client.get(first["next"]).json()["results"] == [], "each page is checked against visibility again"


def test_bad_and_expired_cursors(as_alice, alice, make_user, make_video):
    assert_error(as_alice.get(FOR_YOU, {"cursor": "garbage"}), 400, "invalid_cursor")
    make_video(make_user("someone"))
    make_video(make_user("someone_else"))
    first = ranked(as_alice, limit=1)
    for key in get_redis().scan_iter(f"foryou:session:{alice.pk}:*"):
        get_redis().delete(key)
    assert_error(as_alice.get(first["next"]), 400, "invalid_cursor")


def test_without_redis_a_page_is_still_ranked(as_alice, make_user, make_video):
    video = make_video(make_user("someone"))
    with mock.patch.object(for_you, "get_redis", side_effect=redis.ConnectionError("down")):
        page = ranked(as_alice)
    assert ids(page) == [video.pk] and page["next"] is None


def test_anonymous_gets_401(anon):
    assert_error(anon.get(FOR_YOU), 401, "not_authenticated")
    response = anon.post("/api/v1/feed/preferences/", {"text": "x"}, format="json")
    assert_error(response, 401, "not_authenticated")


def test_a_page_of_50_costs_what_a_page_of_5_costs(make_user, make_video, client_for):
    me = make_user("me_user")
    authors = [make_user(f"author{i}") for i in range(6)]
    follow_create(follower=me, followee=authors[0])
    for i in range(60):
        make_video(authors[i % 6], cameo_owners=(authors[(i + 1) % 6],) if i % 4 == 0 else ())
    client = client_for(me)
    client.post("/api/v1/feed/preferences/", {"text": "more bouncing balls"}, format="json")

    def queries(limit):
        for_you_served_reset(me)
        with CaptureQueriesContext(connection) as captured:
            assert len(ranked(client, limit=limit)["results"]) == limit
        return len(captured)

    assert queries(5) == queries(50)
    assert Video.objects.count() == 60


@pytest.mark.django_db(transaction=True)
def test_a_video_deleted_while_its_text_is_embedded_leaves_nothing(make_user, make_video):
    video = make_video(make_user("author"), publish=False, prompt="a kite over the dunes")
    real_embed = services.embed_text

    def embed_then_delete(text):
        vector = real_embed(text)
        Video.objects.filter(pk=video.pk).delete()
        return vector

    with mock.patch.object(services, "embed_text", side_effect=embed_then_delete):
        services.video_embed(video=video)
    assert not VideoEmbedding.objects.exists()

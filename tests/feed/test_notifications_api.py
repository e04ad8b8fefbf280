"""Notifications through the API: who gets which, the list with its unread count, marking read, and the live
`notification` event pushed to the recipient's event log after commit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feed.models import Notification
from feed.services import comment_create, like_create, notification_create
from sora_social.accounts.services import block_create, follow_create
from sora_social.core.events import decode_events, read_events
from sora_social.core.redis import get_redis
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/v1/notifications/"
READ = "/api/v1/notifications/read/"


def video_url(video, action=""):
    return f"/api/v1/videos/{video.pk}/{action + '/' if action else ''}"


def listed(client, query=""):
    response = client.get(NOTIFICATIONS + query)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def pushed(user):
    """The `notification` events in the user's live event log."""
    events = decode_events(read_events(get_redis(), user.pk, "0-0"))
    return [event for event in events if event["type"] == "notification"]


def same_shape(pushed_item, listed_item):
    """The pushed notification is the listed one: same fields, same values, except the actor's counters,
    which the list shows as they are now and the event as they were when it was sent."""
    counters = {"follower_count", "following_count"}
    assert pushed_item.keys() == listed_item.keys()
    assert pushed_item["actor"].keys() == listed_item["actor"].keys()
    assert {k: v for k, v in pushed_item.items() if k != "actor"} == {
        k: v for k, v in listed_item.items() if k != "actor"
    }
    assert {k: v for k, v in pushed_item["actor"].items() if k not in counters} == {
        k: v for k, v in listed_item["actor"].items() if k not in counters
    }
    return True


def test_anonymous_gets_401(anon, alice):
    notification_create(recipient=alice, kind=Notification.Kind.FOLLOW, actor=None)
    assert_error(anon.get(NOTIFICATIONS), 401, "not_authenticated")
    assert_error(anon.post(READ, {"all": True}), 401, "not_authenticated")
    assert Notification.objects.get().read_at is None


# Who is notified of what -------------------------------------------------------------------------------


def test_a_follow_notifies_the_person_followed(as_alice, as_bob, alice, bob):
    assert as_bob.post("/api/v1/users/alice/follow/").status_code == 201
    page = listed(as_alice)
    [item] = page["results"]
    assert (item["kind"], item["actor"]["username"], item["video"], item["comment"], item["read"]) == (
        "follow",
        "bob",
        None,
        None,
        False,
    )
    assert item["actor"]["id"] == str(bob.pk) and isinstance(item["id"], str)
    assert page["unread_count"] == 1
    # The follower is not notified, and following again (idempotent) notifies nobody again.
    assert listed(as_bob)["results"] == []
    assert as_bob.post("/api/v1/users/alice/follow/").status_code == 200
    assert listed(as_alice)["unread_count"] == 1


def test_a_like_notifies_the_author_once(as_alice, as_bob, alice, bob, make_video):
    video = make_video(alice)
    as_bob.post(video_url(video, "like"))
    as_bob.post(video_url(video, "like"))
    as_bob.delete(video_url(video, "like"))
    as_bob.post(video_url(video, "like"))  # liking again after an unlike does not ping twice
    [item] = listed(as_alice)["results"]
    assert (item["kind"], item["actor"]["username"], item["video"], item["comment"]) == (
        "like",
        "bob",
        str(video.pk),
        None,
    )
    assert listed(as_bob)["results"] == []


def test_a_comment_notifies_the_author(as_alice, as_bob, alice, bob, make_video):
    video = make_video(alice)
    comment = as_bob.post(video_url(video, "comments"), {"text": "nice"}).json()
    [item] = listed(as_alice)["results"]
    assert (item["kind"], item["actor"]["username"], item["video"], item["comment"]) == (
        "comment",
        "bob",
        str(video.pk),
        comment["id"],
    )
    assert listed(as_bob)["results"] == []


def test_deleting_a_comment_takes_its_notification_away(as_alice, as_bob, alice, bob, make_video):
    video = make_video(alice)
    comment = as_bob.post(video_url(video, "comments"), {"text": "oops"}).json()
    assert listed(as_alice)["unread_count"] == 1
    assert as_bob.delete(f"/api/v1/comments/{comment['id']}/").status_code == 204
    assert listed(as_alice)["results"] == [] and listed(as_alice)["unread_count"] == 0


def test_acting_on_your_own_video_notifies_nobody(as_alice, alice, make_video):
    video = make_video(alice)
    assert as_alice.post(video_url(video, "like")).status_code == 201
    assert as_alice.post(video_url(video, "comments"), {"text": "my own"}).status_code == 201
    page = listed(as_alice)
    assert (page["results"], page["unread_count"]) == ([], 0)
    assert not Notification.objects.exists()


def test_no_notifications_between_people_who_block_each_other(
    as_bob, as_carol, client_for, alice, bob, carol, make_video
):
    video = make_video(alice)
    block_create(blocker=alice, blocked=bob)
    block_create(blocker=carol, blocked=alice)
    as_alice = client_for(alice)
    # Through the API, neither side can reach the other at all...
    for client, other in ((as_bob, "alice"), (as_carol, "alice"), (as_alice, "bob"), (as_alice, "carol")):
        assert_error(client.post(f"/api/v1/users/{other}/follow/"), 403, "blocked")
    for client in (as_bob, as_carol):
        assert_error(client.post(video_url(video, "like")), 404, "video_not_found")
        assert_error(client.post(video_url(video, "comments"), {"text": "hi"}), 404, "video_not_found")
    # ...and the service every other layer notifies through (remixes, cameos) refuses as well.
    assert notification_create(recipient=alice, kind=Notification.Kind.REMIX, actor=bob, video=video) is None
    assert notification_create(recipient=alice, kind=Notification.Kind.CAMEO_USED, actor=carol) is None
    assert notification_create(recipient=carol, kind=Notification.Kind.LIKE, actor=alice) is None
    assert not Notification.objects.exists()
    assert listed(as_alice)["unread_count"] == 0


def test_a_block_hides_notifications_already_received_from_that_person(
    as_alice, alice, bob, carol, make_video
):
    video = make_video(alice)
    like_create(video=video, user=bob)
    like_create(video=video, user=carol)
    follow_create(follower=bob, followee=alice)
    block_create(blocker=alice, blocked=bob)
    page = listed(as_alice)
    assert [item["actor"]["username"] for item in page["results"]] == ["carol"]
    assert page["unread_count"] == 1


# The list and marking read -----------------------------------------------------------------------------


def test_the_list_is_newest_first_with_an_unread_count(as_alice, alice, bob, carol, make_video):
    video = make_video(alice)
    follow_create(follower=bob, followee=alice)
    like_create(video=video, user=carol)
    comment = comment_create(video=video, author=bob, text="hey")
    notification_create(recipient=bob, kind=Notification.Kind.FOLLOW, actor=carol)  # someone else's
    page = listed(as_alice)
    assert [(n["kind"], n["actor"]["username"]) for n in page["results"]] == [
        ("comment", "bob"),
        ("like", "carol"),
        ("follow", "bob"),
    ]
    assert page["results"][0]["comment"] == str(comment.pk)
    assert (page["unread_count"], page["next"]) == (3, None)


def test_the_list_pages_with_a_cursor_and_counts_all_unread(as_alice, alice, make_user):
    fans = [make_user(f"fan{i}") for i in range(7)]
    for fan in fans:
        follow_create(follower=fan, followee=alice)
    first = listed(as_alice, "?limit=3")
    assert [n["actor"]["username"] for n in first["results"]] == ["fan6", "fan5", "fan4"]
    assert first["unread_count"] == 7
    assert first["next"].startswith("http://testserver/api/v1/notifications/?")
    # A notification arriving between pages is not repeated later, and nothing is skipped.
    follow_create(follower=make_user("late"), followee=alice)
    seen = [n["actor"]["username"] for n in first["results"]]
    page = first
    while page["next"]:
        page = as_alice.get(page["next"]).json()
        seen += [n["actor"]["username"] for n in page["results"]]
    assert seen == [f"fan{i}" for i in reversed(range(7))]
    assert page["unread_count"] == 8


def test_marking_some_read_with_the_ids_the_list_gives(as_alice, alice, make_user):
    for i in range(4):
        follow_create(follower=make_user(f"fan{i}"), followee=alice)
    items = listed(as_alice)["results"]
    chosen = [items[0]["id"], items[2]["id"]]
    response = as_alice.post(READ, {"ids": chosen})
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread_count": 2}
    page = listed(as_alice)
    assert [n["read"] for n in page["results"]] == [True, False, True, False]
    assert page["unread_count"] == 2
    # Marking again changes nothing; integer ids are understood too.
    again = as_alice.post(READ, {"ids": [int(chosen[0])]})
    assert again.json() == {"marked": 0, "unread_count": 2}


def test_marking_all_read(as_alice, alice, make_user):
    for i in range(3):
        follow_create(follower=make_user(f"fan{i}"), followee=alice)
    assert as_alice.post(READ, {"all": True}).json() == {"marked": 3, "unread_count": 0}
    page = listed(as_alice)
    assert all(n["read"] for n in page["results"]) and page["unread_count"] == 0
    assert as_alice.post(READ, {"all": True}).json() == {"marked": 0, "unread_count": 0}


def test_someone_elses_notifications_cannot_be_marked(as_bob, alice, bob, carol):
    follow_create(follower=carol, followee=alice)
    follow_create(follower=carol, followee=bob)
    alices = Notification.objects.get(recipient=alice)
    assert as_bob.post(READ, {"ids": [str(alices.pk)]}).json() == {"marked": 0, "unread_count": 1}
    alices.refresh_from_db()
    assert alices.read_at is None
    # And "all" means all of mine, not everyone's.
    assert as_bob.post(READ, {"all": True}).json() == {"marked": 1, "unread_count": 0}
    alices.refresh_from_db()
    assert alices.read_at is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"all": False},
        {"ids": ["1"], "all": True},
        {"ids": "123"},
        {"ids": 123},
        {"ids": {"a": 1}},
        {"ids": None},
        {"ids": ["abc"]},
        {"ids": [0]},
        {"ids": [-3]},
        {"all": "maybe"},
        {"all": True, "everything": True},
        {"ids": ["1"] * 501},
    ],
)
def test_bad_mark_read_bodies_are_400(as_alice, alice, bob, body):
    follow_create(follower=bob, followee=alice)
    assert_error(as_alice.post(READ, body), 400, "invalid")
    assert listed(as_alice)["unread_count"] == 1


def test_ids_beyond_64_bits_are_400_not_500(as_alice, alice, bob):
    follow_create(follower=bob, followee=alice)
    body = assert_error(as_alice.post(READ, {"ids": [str(1 << 63)]}), 400, "invalid")
    assert "ids" in body["fields"]
    assert listed(as_alice)["unread_count"] == 1


# Live delivery -----------------------------------------------------------------------------------------


def test_a_follow_is_pushed_to_the_person_followed_after_commit(
    as_alice, as_bob, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert as_bob.post("/api/v1/users/alice/follow/").status_code == 201
        assert pushed(alice) == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [event] = pushed(alice)
    [item] = listed(as_alice)["results"]
    assert same_shape(event["data"]["notification"], item)
    assert pushed(bob) == []


def test_a_pushed_follow_shows_the_follower_as_the_list_does(
    as_alice, as_bob, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert as_bob.post("/api/v1/users/alice/follow/").status_code == 201
    [event] = pushed(alice)
    assert event["data"]["notification"] == listed(as_alice)["results"][0]


def test_likes_and_comments_are_pushed_to_the_author(
    as_alice, as_bob, alice, bob, make_video, django_capture_on_commit_callbacks
):
    video = make_video(alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert as_bob.post(video_url(video, "like")).status_code == 201
        assert as_bob.post(video_url(video, "like")).status_code == 200
        assert as_bob.post(video_url(video, "comments"), {"text": "wow"}).status_code == 201
    events = pushed(alice)
    assert [event["data"]["notification"]["kind"] for event in events] == ["like", "comment"]
    # Each event carries the notification exactly as the list shows it (oldest event first).
    assert [event["data"]["notification"] for event in events] == list(reversed(listed(as_alice)["results"]))
    first, second = (tuple(map(int, event["id"].split("-"))) for event in events)
    assert first < second
    assert pushed(bob) == []


def test_nothing_is_pushed_for_acting_on_your_own_video(
    as_alice, alice, make_video, django_capture_on_commit_callbacks
):
    video = make_video(alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert as_alice.post(video_url(video, "like")).status_code == 201
        assert as_alice.post(video_url(video, "comments"), {"text": "me"}).status_code == 201
    assert pushed(alice) == []


# Query counts ------------------------------------------------------------------------------------------


def test_a_page_of_50_notifications_costs_the_queries_of_a_page_of_5(as_alice, alice, make_user, make_video):
    videos = [make_video(alice, caption=f"v{i}") for i in range(2)]
    for i in range(11):
        fan = make_user(f"fan{i}")
        follow_create(follower=fan, followee=alice)
        for video in videos:
            like_create(video=video, user=fan)
            comment_create(video=video, author=fan, text=f"from fan{i}")
    assert Notification.objects.filter(recipient=alice).count() == 55
    as_alice.post(READ, {"ids": [str(n.pk) for n in Notification.objects.filter(recipient=alice)[:20]]})

    def queries(path):
        as_alice.get(path)  # warm the token's last-used stamp
        with CaptureQueriesContext(connection) as captured:
            response = as_alice.get(path)
        assert response.status_code == 200
        return len(captured), len(response.json()["results"]), response.json()["unread_count"]

    small, n_small, unread_small = queries(NOTIFICATIONS + "?limit=5")
    large, n_large, unread_large = queries(NOTIFICATIONS + "?limit=50")
    assert (n_small, n_large, unread_small, unread_large) == (5, 50, 35, 35)
    assert small == large, (small, large)

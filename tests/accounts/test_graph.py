import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sora_social.accounts.models import Block, Follow
from sora_social.accounts.services import block_create, follow_create
from sora_social.core.pagination import encode_cursor
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


def url(username, action=""):
    return f"/api/v1/users/{username}/{action + '/' if action else ''}"


def counts(user):
    user.refresh_from_db()
    return user.follower_count, user.following_count


def test_follow_is_idempotent_and_counts(as_alice, alice, bob):
    first = as_alice.post(url("bob", "follow"))
    assert first.status_code == 201
    assert first.json()["is_following"] is True
    assert first.json()["follower_count"] == 1
    again = as_alice.post(url("BOB", "follow"))
    assert again.status_code == 200
    assert Follow.objects.count() == 1
    assert counts(alice) == (0, 1) and counts(bob) == (1, 0)


def test_unfollow_is_idempotent_and_counts(as_alice, alice, bob):
    as_alice.post(url("bob", "follow"))
    for _ in range(2):
        response = as_alice.delete(url("bob", "follow"))
        assert response.status_code == 200
        assert response.json()["is_following"] is False
    assert counts(alice) == (0, 0) and counts(bob) == (0, 0)


def test_following_yourself_is_refused(as_alice, alice):
    assert_error(as_alice.post(url("alice", "follow")), 400, "cannot_follow_self")
    assert_error(as_alice.delete(url("alice", "follow")), 400, "cannot_follow_self")
    assert counts(alice) == (0, 0)


def test_unknown_users_are_404(as_alice):
    for response in (
        as_alice.get(url("nobody")),
        as_alice.post(url("nobody", "follow")),
        as_alice.delete(url("nobody", "follow")),
        as_alice.post(url("nobody", "block")),
        as_alice.get(url("nobody", "followers")),
        as_alice.get(url("nobody", "following")),
    ):
        assert_error(response, 404, "user_not_found")


def test_anonymous_gets_401_everywhere(anon, alice):
    for method, path in [
        ("get", url("alice")),
        ("post", url("alice", "follow")),
        ("delete", url("alice", "follow")),
        ("post", url("alice", "block")),
        ("get", url("alice", "followers")),
        ("get", url("alice", "following")),
        ("get", "/api/v1/me/blocks/"),
        ("post", "/api/v1/realtime/ticket/"),
    ]:
        assert_error(getattr(anon, method)(path), 401, "not_authenticated")


def test_profile_shows_the_relationship(as_alice, as_bob, alice, bob):
    assert as_alice.get(url("bob")).json() | {} == as_alice.get(url("Bob")).json()
    as_alice.post(url("bob", "follow"))
    seen_by_bob = as_bob.get(url("alice")).json()
    assert (seen_by_bob["is_following"], seen_by_bob["follows_you"], seen_by_bob["is_mutual"]) == (
        False,
        True,
        False,
    )
    as_bob.post(url("alice", "follow"))
    seen_by_alice = as_alice.get(url("bob")).json()
    assert (seen_by_alice["is_following"], seen_by_alice["follows_you"], seen_by_alice["is_mutual"]) == (
        True,
        True,
        True,
    )
    assert seen_by_alice["is_blocked"] is False
    assert "email" not in seen_by_alice


def test_block_removes_follows_both_ways_and_hides(as_alice, as_bob, alice, bob, make_user):
    as_alice.post(url("bob", "follow"))
    as_bob.post(url("alice", "follow"))
    response = as_alice.post(url("bob", "block"))
    assert response.status_code == 201
    assert response.json()["is_blocked"] is True
    assert response.json()["is_following"] is False
    assert Follow.objects.count() == 0
    assert counts(alice) == (0, 0) and counts(bob) == (0, 0)
    assert as_alice.post(url("bob", "block")).status_code == 200
    assert Block.objects.count() == 1

    # The blocker still sees the profile (to unblock); the blocked user does not see the blocker at all.
    assert as_alice.get(url("bob")).json()["is_blocked"] is True
    assert_error(as_bob.get(url("alice")), 404, "user_not_found")
    assert_error(as_bob.get(url("alice", "followers")), 404, "user_not_found")
    assert_error(as_bob.post(url("alice", "block")), 404, "user_not_found")

    # Neither may follow the other.
    assert_error(as_alice.post(url("bob", "follow")), 403, "blocked")
    assert_error(as_bob.post(url("alice", "follow")), 403, "blocked")

    # And neither shows up in lists the other reads.
    carol = make_user("carol")
    follow_create(follower=alice, followee=carol)
    follow_create(follower=bob, followee=carol)
    names = [u["username"] for u in as_bob.get(url("carol", "followers")).json()["results"]]
    assert names == ["bob"]
    names = [u["username"] for u in as_alice.get(url("carol", "followers")).json()["results"]]
    assert names == ["alice"]


def test_unblock_lets_them_follow_again(as_alice, as_bob, alice, bob):
    as_alice.post(url("bob", "block"))
    assert [u["username"] for u in as_alice.get("/api/v1/me/blocks/").json()["results"]] == ["bob"]
    response = as_alice.delete(url("bob", "block"))
    assert response.status_code == 200 and response.json()["is_blocked"] is False
    assert as_alice.delete(url("bob", "block")).status_code == 200
    assert as_bob.post(url("alice", "follow")).status_code == 201
    assert as_alice.get("/api/v1/me/blocks/").json()["results"] == []


def test_blocking_yourself_is_refused(as_alice):
    assert_error(as_alice.post(url("alice", "block")), 400, "cannot_block_self")


def test_followers_and_following_lists(as_alice, alice, bob, make_user):
    carol = make_user("carol")
    follow_create(follower=bob, followee=alice)
    follow_create(follower=carol, followee=alice)
    follow_create(follower=alice, followee=carol)
    followers = as_alice.get(url("alice", "followers")).json()
    assert [u["username"] for u in followers["results"]] == ["carol", "bob"]
    assert followers["next"] is None
    by_name = {u["username"]: u for u in followers["results"]}
    assert by_name["carol"]["is_mutual"] is True and by_name["bob"]["follows_you"] is True
    following = as_alice.get(url("alice", "following")).json()
    assert [u["username"] for u in following["results"]] == ["carol"]
    assert all(isinstance(u["id"], str) for u in followers["results"])


def test_cursor_walks_every_item_once_while_new_items_arrive(as_alice, alice, make_user):
    followers = [make_user(f"fan{i:02d}") for i in range(12)]
    for fan in followers:
        follow_create(follower=fan, followee=alice)
    seen: list[str] = []
    page = as_alice.get(url("alice", "followers") + "?limit=5").json()
    seen += [u["username"] for u in page["results"]]
    # New followers arrive between pages; they belong before the cursor and must not appear later.
    for i in range(3):
        follow_create(follower=make_user(f"late{i}"), followee=alice)
    while page["next"]:
        assert page["next"].startswith("http://testserver/api/v1/users/alice/followers/?")
        page = as_alice.get(page["next"]).json()
        seen += [u["username"] for u in page["results"]]
    assert seen == [f"fan{i:02d}" for i in reversed(range(12))]


@pytest.mark.parametrize("cursor", ["garbage", "!!!", encode_cursor(5)[:-2] + "==", "a" * 300, "azE6LTU"])
def test_malformed_cursors_are_400(as_alice, alice, cursor):
    body = assert_error(as_alice.get(url("alice", "followers"), {"cursor": cursor}), 400, "invalid_cursor")
    assert "cursor" in body["fields"]


@pytest.mark.parametrize("limit", ["0", "51", "-1", "ten", "1.5"])
def test_bad_limits_are_400(as_alice, alice, limit):
    body = assert_error(as_alice.get(url("alice", "followers"), {"limit": limit}), 400, "invalid")
    assert "limit" in body["fields"]


def test_a_page_of_50_costs_the_queries_of_a_page_of_5(as_alice, alice, make_user):
    fans = [make_user(f"fan{i:02d}") for i in range(50)]
    for i, fan in enumerate(fans):
        follow_create(follower=fan, followee=alice)
        if i % 2:
            follow_create(follower=alice, followee=fan)
        if i % 7 == 0:
            block_create(blocker=alice, blocked=make_user(f"blocked{i}"))

    def queries(path):
        as_alice.get(path)  # warm the token's last-used stamp
        with CaptureQueriesContext(connection) as captured:
            response = as_alice.get(path)
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    for listing in ("followers", "following"):
        small, n_small = queries(url("alice", listing) + "?limit=5")
        large, n_large = queries(url("alice", listing) + "?limit=50")
        assert (n_small, n_large) == (5, 50 if listing == "followers" else 25)
        assert small == large, (listing, small, large)
    small, _ = queries("/api/v1/me/blocks/?limit=1")
    large, _ = queries("/api/v1/me/blocks/?limit=50")
    assert small == large


def test_selectors_for_the_layers_above(alice, bob, make_user):
    from sora_social.accounts.selectors import blocked_user_ids, users_are_mutuals

    carol, dave = make_user("carol"), make_user("dave")
    follow_create(follower=alice, followee=bob)
    assert not users_are_mutuals(a=alice, b=bob)
    follow_create(follower=bob, followee=alice)
    assert users_are_mutuals(a=alice, b=bob) and users_are_mutuals(a=bob, b=alice)
    block_create(blocker=alice, blocked=carol)
    block_create(blocker=dave, blocked=alice)
    assert blocked_user_ids(user=alice) == {carol.pk, dave.pk}
    assert blocked_user_ids(user=carol) == {alice.pk}
    assert blocked_user_ids(user=bob) == set()
    block_create(blocker=bob, blocked=alice)
    assert not users_are_mutuals(a=alice, b=bob)

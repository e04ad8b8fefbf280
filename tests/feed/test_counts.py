"""A video's counts agree with its lists for every reader: likes and comments of people a block hides from
the reader are left out of ``like_count`` and ``comment_count`` as they are left out of the lists."""

import pytest

from feed.services import comment_create, like_create
from sora_social.accounts.services import block_create, block_delete

pytestmark = pytest.mark.django_db


def seen_by(client, video):
    """(like_count, comment_count, comments listed) of ``video`` as the reader of ``client`` sees it, in its
    detail and in every list that shows it."""
    detail = client.get(f"/api/v1/videos/{video.pk}/").json()
    comments = client.get(f"/api/v1/videos/{video.pk}/comments/").json()["results"]
    author = detail["author"]["username"]
    for listed in client.get(f"/api/v1/users/{author}/videos/").json()["results"]:
        if listed["id"] == str(video.pk):
            assert (listed["like_count"], listed["comment_count"]) == (
                detail["like_count"],
                detail["comment_count"],
            )
    return detail["like_count"], detail["comment_count"], len(comments)


@pytest.mark.parametrize("blocker", ["author", "fan"])
def test_a_block_takes_likes_and_comments_out_of_the_counts_it_takes_out_of_the_lists(
    alice, bob, carol, as_alice, as_carol, make_video, blocker
):
    video = make_video(alice)
    for fan in (bob, carol):
        like_create(video=video, user=fan)
        comment_create(video=video, author=fan, text=f"hello from {fan.username}")
    assert seen_by(as_alice, video) == (2, 2, 2)

    pair = {"blocker": alice, "blocked": bob} if blocker == "author" else {"blocker": bob, "blocked": alice}
    block_create(**pair)
    assert seen_by(as_alice, video) == (1, 1, 1)
    assert seen_by(as_carol, video) == (2, 2, 2)  # nobody else's counts change
    mine = as_alice.get("/api/v1/me/videos/").json()["results"][0]
    assert (mine["like_count"], mine["comment_count"]) == (1, 1)

    block_delete(**pair)
    assert seen_by(as_alice, video) == (2, 2, 2)

"""Videos through the API: reading, publishing, editing, deleting, likes, comments and the video lists, for
every role (anonymous, the author, another user, a blocked user, the owner of a cameo in a draft). Who may
see what in general is the matrix in test_visibility.py; these tests are about what each endpoint does."""

from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feed.models import Comment, FeaturedCameo, Like, Video
from feed.services import comment_create, like_create, video_take_down
from sora_social.accounts.services import block_create, follow_create
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

MEDIA_PREFIX = "http://testserver/media/"


def video_url(video, action=""):
    return f"/api/v1/videos/{video.pk}/{action + '/' if action else ''}"


def comment_url(comment_id):
    return f"/api/v1/comments/{comment_id}/"


def stored(video):
    video.refresh_from_db()
    return video


def ids(response):
    assert response.status_code == 200, response.content[:500]
    return [item["id"] for item in response.json()["results"]]


def walk(client, path):
    """Every item of a cursor-paginated list, following `next` links, and the number of pages."""
    items, pages = [], 0
    while path:
        response = client.get(path)
        assert response.status_code == 200, response.content[:500]
        items += response.json()["results"]
        path, pages = response.json()["next"], pages + 1
    return items, pages


def count_queries(client, path):
    client.get(path)  # warm the token's last-used stamp
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return len(captured), len(response.json()["results"])


# Anonymous ---------------------------------------------------------------------------------------------


def test_anonymous_gets_401_everywhere_and_changes_nothing(anon, alice, bob, make_video):
    video = make_video(alice)
    draft = make_video(alice, publish=False)
    comment = comment_create(video=video, author=bob, text="first")
    for method, path, body in [
        ("get", video_url(video), None),
        ("patch", video_url(video), {"caption": "hijacked"}),
        ("delete", video_url(video), None),
        ("post", video_url(draft, "publish"), {}),
        ("post", video_url(video, "like"), None),
        ("delete", video_url(video, "like"), None),
        ("get", video_url(video, "comments"), None),
        ("post", video_url(video, "comments"), {"text": "hello"}),
        ("delete", comment_url(comment.pk), None),
        ("get", "/api/v1/users/alice/videos/", None),
        ("get", "/api/v1/me/videos/", None),
    ]:
        response = getattr(anon, method)(path, body) if body is not None else getattr(anon, method)(path)
        assert_error(response, 401, "not_authenticated")
    video = stored(video)
    assert (video.caption, video.status, video.like_count, video.comment_count) == ("", "published", 0, 1)
    assert stored(draft).status == "draft"
    assert Comment.objects.get(pk=comment.pk).removed_at is None


# GET /videos/{id}/ -------------------------------------------------------------------------------------


def test_a_video_shows_every_field_of_the_contract(as_bob, alice, carol, make_video):
    video = make_video(alice, caption="a cat on a skateboard", cameo_owners=(carol,))
    body = as_bob.get(video_url(video)).json()
    for field in [
        "id",
        "author",
        "caption",
        "status",
        "visibility",
        "media",
        "cameos",
        "remix_of",
        "remix_root",
        "remix_depth",
        "remix_count",
        "like_count",
        "comment_count",
        "liked_by_me",
        "allow_remix",
        "created_at",
        "published_at",
    ]:
        assert field in body, field
    assert body["id"] == str(video.pk)
    assert body["author"]["username"] == "alice" and body["author"]["id"] == str(alice.pk)
    assert (body["caption"], body["status"], body["visibility"]) == (
        "a cat on a skateboard",
        "published",
        "public",
    )
    assert body["cameos"] == [{"cameo_id": "1000", "handle": "carol_cameo", "owner": "carol"}]
    assert (body["remix_of"], body["remix_root"], body["remix_depth"], body["remix_count"]) == (
        None,
        None,
        0,
        0,
    )
    assert (body["like_count"], body["comment_count"], body["liked_by_me"]) == (0, 0, False)
    assert body["allow_remix"] is True
    assert isinstance(body["created_at"], str) and isinstance(body["published_at"], str)
    assert body["published_at"] >= body["created_at"]


def test_media_describes_the_real_file(as_bob, alice, make_video):
    media = as_bob.get(video_url(make_video(alice))).json()["media"]
    # The tiny test clip: 8 frames of 32x24 at 8 fps.
    assert (media["width"], media["height"]) == (32, 24)
    assert media["fps"] == pytest.approx(8.0)
    assert media["duration_seconds"] == pytest.approx(1.0, abs=0.05)
    # The URLs are absolute and serve the stored files: an MP4 and a JPEG poster.
    for key, magic in (("video_url", b"ftyp"), ("poster_url", b"\xff\xd8\xff")):
        assert media[key].startswith(MEDIA_PREFIX), media[key]
        served = as_bob.get(media[key])
        assert served.status_code == 200, key
        assert magic in b"".join(served.streaming_content)[:16], key
    assert urlsplit(media["video_url"]).path.endswith(".mp4")


def test_a_draft_is_seen_by_its_author_and_its_cameo_owner_only(
    as_alice, as_bob, as_carol, alice, carol, make_video
):
    draft = make_video(alice, publish=False, cameo_owners=(carol,))
    mine = as_alice.get(video_url(draft)).json()
    assert (mine["status"], mine["published_at"]) == ("draft", None)
    assert mine["media"]["width"] == 32
    assert as_carol.get(video_url(draft)).json()["id"] == str(draft.pk)
    assert_error(as_bob.get(video_url(draft)), 404, "video_not_found")


@pytest.mark.parametrize("video_id", ["0", "abc", "-5", "9" * 25, "123456789012345"])
def test_unknown_or_malformed_video_ids_are_404(as_alice, video_id):
    assert_error(as_alice.get(f"/api/v1/videos/{video_id}/"), 404, "video_not_found")


# POST /videos/{id}/publish/ ----------------------------------------------------------------------------


def test_the_author_publishes_a_draft_with_their_choices(as_alice, as_bob, as_carol, alice, bob, make_video):
    follow_create(follower=bob, followee=alice)
    draft = make_video(alice, publish=False)
    assert_error(as_bob.get(video_url(draft)), 404, "video_not_found")
    response = as_alice.post(
        video_url(draft, "publish"), {"caption": "my dog", "visibility": "followers", "allow_remix": False}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["caption"], body["visibility"], body["allow_remix"]) == (
        "published",
        "my dog",
        "followers",
        False,
    )
    assert body["published_at"] is not None
    video = stored(draft)
    assert (video.status, video.caption, video.visibility, video.allow_remix) == (
        "published",
        "my dog",
        "followers",
        False,
    )
    # Followers now see it; a stranger does not.
    assert as_bob.get(video_url(draft)).json()["caption"] == "my dog"
    assert_error(as_carol.get(video_url(draft)), 404, "video_not_found")


def test_publishing_with_no_choices_makes_a_public_remixable_video(as_alice, as_bob, alice, make_video):
    draft = make_video(alice, publish=False)
    body = as_alice.post(video_url(draft, "publish"), {}).json()
    assert (body["status"], body["caption"], body["visibility"], body["allow_remix"]) == (
        "published",
        "",
        "public",
        True,
    )
    assert as_bob.get(video_url(draft)).status_code == 200


def test_publishing_keeps_what_the_author_set_on_the_draft(as_alice, alice, make_video):
    draft = make_video(alice, publish=False)
    assert (
        as_alice.patch(video_url(draft), {"caption": "set earlier", "allow_remix": False}).status_code == 200
    )
    body = as_alice.post(video_url(draft, "publish"), {"visibility": "public"}).json()
    assert body["status"] == "published"
    assert (body["caption"], body["allow_remix"]) == ("set earlier", False)


def test_only_the_author_may_publish(as_bob, as_carol, client_for, alice, bob, carol, make_user, make_video):
    dave = make_user("dave")
    draft = make_video(alice, publish=False, cameo_owners=(carol, dave))
    # The cameo owner sees the draft, so is told why not; others are not told it exists.
    assert_error(as_carol.post(video_url(draft, "publish"), {}), 403, "not_author")
    assert_error(as_bob.post(video_url(draft, "publish"), {}), 404, "video_not_found")
    block_create(blocker=alice, blocked=dave)
    assert_error(client_for(dave).post(video_url(draft, "publish"), {}), 404, "video_not_found")
    assert stored(draft).status == "draft"


def test_publishing_twice_is_a_conflict(as_alice, alice, make_video):
    video = make_video(alice, caption="first")
    assert_error(as_alice.post(video_url(video, "publish"), {"caption": "second"}), 409, "already_published")
    assert stored(video).caption == "first"


def test_a_removed_video_cannot_be_published(as_alice, as_carol, alice, carol, make_video):
    draft = make_video(alice, publish=False, cameo_owners=(carol,))
    video_take_down(video=draft, reason=Video.Removal.MODERATION)
    # Its author still sees it and is told why; the cameo owner no longer sees it at all.
    assert_error(as_alice.post(video_url(draft, "publish"), {}), 409, "video_removed")
    assert_error(as_carol.post(video_url(draft, "publish"), {}), 404, "video_not_found")
    assert stored(draft).status == "removed"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"visibility": "private"}, "visibility"),
        ({"visibility": ""}, "visibility"),
        ({"caption": "x" * 2201}, "caption"),
        ({"caption": None}, "caption"),
        ({"allow_remix": "maybe"}, "allow_remix"),
        ({"status": "published"}, "status"),
        ({"like_count": 100}, "like_count"),
    ],
)
def test_bad_publish_input_is_400_and_leaves_the_draft(as_alice, alice, make_video, body, field):
    draft = make_video(alice, publish=False)
    response = as_alice.post(video_url(draft, "publish"), body)
    assert field in assert_error(response, 400, "invalid")["fields"]
    assert stored(draft).status == "draft"


def test_a_caption_of_2200_characters_is_fine(as_alice, alice, make_video):
    draft = make_video(alice, publish=False)
    response = as_alice.post(video_url(draft, "publish"), {"caption": "é" * 2200})
    assert response.status_code == 200 and len(response.json()["caption"]) == 2200


def test_a_draft_whose_cameo_was_withdrawn_cannot_be_published(as_alice, alice, carol, make_video):
    draft = make_video(alice, publish=False, cameo_owners=(carol,))
    FeaturedCameo.objects.filter(video=draft).update(withdrawn_at=timezone.now())
    assert_error(as_alice.post(video_url(draft, "publish"), {}), 403, "cameo_not_permitted")
    assert stored(draft).status == "draft"


# PATCH /videos/{id}/ -----------------------------------------------------------------------------------


def test_the_author_edits_caption_visibility_and_remixing(as_alice, as_bob, alice, make_video):
    video = make_video(alice, caption="before")
    response = as_alice.patch(
        video_url(video), {"caption": "after", "visibility": "mutuals", "allow_remix": False}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["caption"], body["visibility"], body["allow_remix"], body["status"]) == (
        "after",
        "mutuals",
        False,
        "published",
    )
    video = stored(video)
    assert (video.caption, video.visibility, video.allow_remix) == ("after", "mutuals", False)
    # The new visibility takes effect at once: a stranger no longer sees it.
    assert_error(as_bob.get(video_url(video)), 404, "video_not_found")


def test_a_patch_changes_only_what_it_sends(as_alice, alice, make_video):
    video = make_video(alice, caption="keep me", visibility="followers")
    body = as_alice.patch(video_url(video), {"allow_remix": False}).json()
    assert (body["caption"], body["visibility"], body["allow_remix"]) == ("keep me", "followers", False)
    body = as_alice.patch(video_url(video), {"caption": ""}).json()
    assert (body["caption"], body["visibility"], body["allow_remix"]) == ("", "followers", False)


def test_only_the_author_may_edit(as_bob, as_carol, client_for, alice, bob, carol, make_user, make_video):
    public = make_video(alice, caption="original")
    followers_only = make_video(alice, caption="original", visibility="followers")
    draft = make_video(alice, publish=False, cameo_owners=(carol,))
    assert_error(as_bob.patch(video_url(public), {"caption": "mine now"}), 403, "not_author")
    assert_error(as_bob.patch(video_url(followers_only), {"caption": "mine now"}), 404, "video_not_found")
    assert_error(as_carol.patch(video_url(draft), {"caption": "mine now"}), 403, "not_author")
    dave = make_user("dave")
    block_create(blocker=dave, blocked=alice)
    assert_error(client_for(dave).patch(video_url(public), {"caption": "mine now"}), 404, "video_not_found")
    assert [stored(v).caption for v in (public, followers_only, draft)] == ["original", "original", ""]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"visibility": "everyone"}, "visibility"),
        ({"caption": "x" * 2201}, "caption"),
        ({"caption": None}, "caption"),
        ({"allow_remix": "perhaps"}, "allow_remix"),
        ({"like_count": 1000}, "like_count"),
        ({"status": "draft"}, "status"),
        ({"author": "bob"}, "author"),
    ],
)
def test_bad_edits_are_400_and_change_nothing(as_alice, alice, make_video, body, field):
    video = make_video(alice, caption="original")
    response = as_alice.patch(
        video_url(video), {"caption": "changed", **body} if "caption" not in body else body
    )
    assert field in assert_error(response, 400, "invalid")["fields"]
    video = stored(video)
    assert (video.caption, video.visibility, video.status, video.like_count) == (
        "original",
        "public",
        "published",
        0,
    )


def test_a_removed_video_cannot_be_edited(as_alice, alice, make_video):
    video = make_video(alice, caption="original")
    assert as_alice.delete(video_url(video)).status_code == 204
    assert_error(as_alice.patch(video_url(video), {"caption": "back"}), 409, "video_removed")
    assert stored(video).caption == "original"


# DELETE /videos/{id}/ ----------------------------------------------------------------------------------


def test_the_author_deletes_a_video_and_its_media_goes(
    as_alice, as_bob, alice, bob, make_video, django_capture_on_commit_callbacks
):
    follow_create(follower=bob, followee=alice)
    video = make_video(alice)
    files = [video.video_file.name, video.poster_file.name]
    assert all(default_storage.exists(name) for name in files)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_alice.delete(video_url(video))
        assert response.status_code == 204
        # The files stay until the removal is committed.
        assert all(default_storage.exists(name) for name in files)
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(name) for name in files)

    assert_error(as_bob.get(video_url(video)), 404, "video_not_found")
    assert_error(as_bob.post(video_url(video, "like")), 404, "video_not_found")
    mine = as_alice.get(video_url(video)).json()
    assert (mine["status"], mine["media"]) == ("removed", None)
    assert ids(as_bob.get("/api/v1/users/alice/videos/")) == []
    assert ids(as_alice.get("/api/v1/me/videos/?status=removed")) == [str(video.pk)]


def test_deleting_a_draft_and_deleting_again(as_alice, alice, make_video, django_capture_on_commit_callbacks):
    draft = make_video(alice, publish=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert as_alice.delete(video_url(draft)).status_code == 204
    assert not default_storage.exists(draft.video_file.name)
    # A second delete finds it already gone and says so the same way: nothing breaks.
    assert as_alice.delete(video_url(draft)).status_code == 204
    assert stored(draft).status == "removed"


def test_only_the_author_may_delete(as_bob, as_carol, client_for, alice, carol, make_user, make_video):
    public = make_video(alice)
    followers_only = make_video(alice, visibility="followers")
    draft = make_video(alice, publish=False, cameo_owners=(carol,))
    assert_error(as_bob.delete(video_url(public)), 403, "not_author")
    assert_error(as_bob.delete(video_url(followers_only)), 404, "video_not_found")
    assert_error(as_carol.delete(video_url(draft)), 403, "not_author")
    dave = make_user("dave")
    block_create(blocker=alice, blocked=dave)
    assert_error(client_for(dave).delete(video_url(public)), 404, "video_not_found")
    assert [stored(v).status for v in (public, followers_only, draft)] == ["published", "published", "draft"]
    assert default_storage.exists(public.video_file.name)


# POST / DELETE /videos/{id}/like/ ----------------------------------------------------------------------


def test_liking_is_idempotent(as_alice, as_bob, alice, bob, make_video):
    video = make_video(alice)
    first = as_bob.post(video_url(video, "like"))
    assert first.status_code == 201
    assert (first.json()["like_count"], first.json()["liked_by_me"]) == (1, True)
    again = as_bob.post(video_url(video, "like"))
    assert again.status_code == 200
    assert (again.json()["like_count"], again.json()["liked_by_me"]) == (1, True)
    assert Like.objects.filter(video=video).count() == 1
    # Others see the count, not as their own like.
    seen = as_alice.get(video_url(video)).json()
    assert (seen["like_count"], seen["liked_by_me"]) == (1, False)
    assert as_bob.get(video_url(video)).json()["liked_by_me"] is True


def test_unliking_is_idempotent_and_never_goes_below_zero(as_alice, as_bob, alice, bob, make_video):
    video = make_video(alice)
    as_alice.post(video_url(video, "like"))
    as_bob.post(video_url(video, "like"))
    for _ in range(2):
        response = as_bob.delete(video_url(video, "like"))
        assert response.status_code == 200
        assert (response.json()["like_count"], response.json()["liked_by_me"]) == (1, False)
    assert as_alice.get(video_url(video)).json()["liked_by_me"] is True
    for _ in range(2):
        assert as_alice.delete(video_url(video, "like")).json()["like_count"] == 0
    assert stored(video).like_count == 0 and not Like.objects.exists()


def test_authors_may_like_their_own_video(as_alice, alice, make_video):
    video = make_video(alice)
    response = as_alice.post(video_url(video, "like"))
    assert response.status_code == 201 and response.json()["like_count"] == 1


def test_a_draft_takes_no_likes(as_alice, as_carol, alice, carol, make_video):
    draft = make_video(alice, publish=False, cameo_owners=(carol,))
    assert_error(as_carol.post(video_url(draft, "like")), 409, "video_not_published")
    assert_error(as_alice.post(video_url(draft, "like")), 409, "video_not_published")
    assert stored(draft).like_count == 0 and not Like.objects.exists()


def test_a_video_you_cannot_see_cannot_be_liked(as_bob, client_for, alice, bob, make_user, make_video):
    followers_only = make_video(alice, visibility="followers")
    public = make_video(alice)
    assert_error(as_bob.post(video_url(followers_only, "like")), 404, "video_not_found")
    assert_error(as_bob.delete(video_url(followers_only, "like")), 404, "video_not_found")
    dave = make_user("dave")
    block_create(blocker=dave, blocked=alice)
    assert_error(client_for(dave).post(video_url(public, "like")), 404, "video_not_found")
    assert not Like.objects.exists()


# Comments ----------------------------------------------------------------------------------------------


def test_commenting(as_alice, as_bob, alice, bob, make_video):
    video = make_video(alice)
    response = as_bob.post(video_url(video, "comments"), {"text": "  lovely colours  "})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "lovely colours"
    assert body["video"] == str(video.pk) and body["author"]["username"] == "bob"
    assert isinstance(body["id"], str) and isinstance(body["created_at"], str)
    assert as_alice.get(video_url(video)).json()["comment_count"] == 1
    listed = as_alice.get(video_url(video, "comments")).json()
    assert listed["results"] == [body] and listed["next"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   \n\t "},
        {"text": "x" * 1001},
        {},
        {"text": None},
        {"text": "hi", "extra": 1},
    ],
)
def test_bad_comments_are_400(as_bob, alice, make_video, body):
    video = make_video(alice)
    response = as_bob.post(video_url(video, "comments"), body)
    assert assert_error(response, 400, "invalid")["fields"]
    assert stored(video).comment_count == 0 and not Comment.objects.exists()


def test_a_comment_of_1000_characters_is_fine(as_bob, alice, make_video):
    video = make_video(alice)
    assert as_bob.post(video_url(video, "comments"), {"text": "ü" * 1000}).status_code == 201


def test_comments_are_listed_newest_first_page_by_page(as_alice, alice, make_user, make_video):
    video = make_video(alice)
    fans = [make_user(f"fan{i}") for i in range(3)]
    made = [comment_create(video=video, author=fans[i % 3], text=f"comment {i}") for i in range(7)]
    first = as_alice.get(video_url(video, "comments") + "?limit=3").json()
    assert [c["text"] for c in first["results"]] == ["comment 6", "comment 5", "comment 4"]
    assert first["next"].startswith(f"http://testserver/api/v1/videos/{video.pk}/comments/?")
    # A comment arriving between pages belongs before the cursor: never seen twice, nothing skipped.
    comment_create(video=video, author=fans[0], text="late")
    rest, pages = walk(as_alice, first["next"])
    assert [c["text"] for c in rest] == ["comment 3", "comment 2", "comment 1", "comment 0"]
    assert pages == 2
    assert [c["id"] for c in first["results"] + rest] == [str(c.pk) for c in reversed(made)]


def test_comments_hidden_by_a_block_either_way(as_alice, as_bob, alice, bob, make_user, make_video):
    carol, dave = make_user("carol"), make_user("dave")
    video = make_video(alice)
    for author in (bob, carol, dave):
        comment_create(video=video, author=author, text=f"from {author.username}")
    block_create(blocker=carol, blocked=bob)  # carol blocks the viewer
    block_create(blocker=bob, blocked=dave)  # the viewer blocks dave
    assert [c["text"] for c in as_bob.get(video_url(video, "comments")).json()["results"]] == ["from bob"]
    assert [c["text"] for c in as_alice.get(video_url(video, "comments")).json()["results"]] == [
        "from dave",
        "from carol",
        "from bob",
    ]


def test_a_comment_is_deleted_by_its_author_once(as_alice, as_bob, alice, bob, make_video):
    video = make_video(alice)
    comment = as_bob.post(video_url(video, "comments"), {"text": "oops"}).json()
    as_bob.post(video_url(video, "comments"), {"text": "keep"})
    assert as_bob.delete(comment_url(comment["id"])).status_code == 204
    assert_error(as_bob.delete(comment_url(comment["id"])), 404, "comment_not_found")
    assert_error(as_alice.delete(comment_url(comment["id"])), 404, "comment_not_found")
    assert as_alice.get(video_url(video)).json()["comment_count"] == 1
    assert [c["text"] for c in as_alice.get(video_url(video, "comments")).json()["results"]] == ["keep"]


def test_the_video_author_may_delete_any_comment_on_it(as_alice, alice, bob, make_user, make_video):
    video = make_video(alice)
    comment = comment_create(video=video, author=bob, text="rude")
    # Even from someone alice has since blocked (and so no longer sees).
    block_create(blocker=alice, blocked=bob)
    assert as_alice.delete(comment_url(comment.pk)).status_code == 204
    assert stored(video).comment_count == 0


def test_a_third_user_may_not_delete_a_comment(as_carol, alice, bob, carol, make_video):
    video = make_video(alice)
    comment = comment_create(video=video, author=bob, text="mine")
    assert_error(as_carol.delete(comment_url(comment.pk)), 403, "not_author")
    assert stored(video).comment_count == 1
    assert Comment.objects.get(pk=comment.pk).removed_at is None


@pytest.mark.parametrize("comment_id", ["0", "nope", "9" * 25, "123456789012345"])
def test_unknown_comments_are_404(as_alice, comment_id):
    assert_error(as_alice.delete(comment_url(comment_id)), 404, "comment_not_found")


def test_comments_on_a_video_you_cannot_see(
    as_bob, as_carol, client_for, alice, carol, make_user, make_video
):
    followers_only = make_video(alice, visibility="followers")
    hidden = comment_create(video=followers_only, author=alice, text="for followers")
    assert_error(as_bob.get(video_url(followers_only, "comments")), 404, "video_not_found")
    assert_error(as_bob.post(video_url(followers_only, "comments"), {"text": "hi"}), 404, "video_not_found")
    assert_error(as_bob.delete(comment_url(hidden.pk)), 404, "comment_not_found")

    public = make_video(alice)
    dave = make_user("dave")
    block_create(blocker=alice, blocked=dave)
    assert_error(client_for(dave).post(video_url(public, "comments"), {"text": "hi"}), 404, "video_not_found")
    assert_error(client_for(dave).get(video_url(public, "comments")), 404, "video_not_found")

    # The cameo owner sees a draft but it takes no comments until it is published.
    draft = make_video(alice, publish=False, cameo_owners=(carol,))
    assert as_carol.get(video_url(draft, "comments")).json()["results"] == []
    assert_error(as_carol.post(video_url(draft, "comments"), {"text": "hi"}), 409, "video_not_published")
    assert Comment.objects.count() == 1 and stored(public).comment_count == 0


def test_comments_of_a_deleted_video_can_no_longer_be_reached(as_alice, as_bob, alice, bob, make_video):
    video = make_video(alice)
    comment = comment_create(video=video, author=bob, text="hello")
    assert as_alice.delete(video_url(video)).status_code == 204
    assert_error(as_bob.get(video_url(video, "comments")), 404, "video_not_found")
    assert_error(as_bob.delete(comment_url(comment.pk)), 404, "comment_not_found")
    assert_error(as_alice.post(video_url(video, "comments"), {"text": "again"}), 409, "video_not_published")


# GET /users/{username}/videos/ -------------------------------------------------------------------------


def test_a_profile_lists_the_published_videos_the_viewer_may_see(
    client_for, alice, bob, carol, make_user, make_video
):
    dave = make_user("dave")
    follow_create(follower=bob, followee=alice)  # bob follows alice
    follow_create(follower=carol, followee=alice)  # carol and alice are mutuals
    follow_create(follower=alice, followee=carol)
    public = make_video(alice, visibility="public")
    followers = make_video(alice, visibility="followers")
    mutuals = make_video(alice, visibility="mutuals")
    make_video(alice, publish=False)
    video_take_down(video=make_video(alice), reason=Video.Removal.AUTHOR_DELETED)
    path = "/api/v1/users/alice/videos/"
    assert ids(client_for(dave).get(path)) == [str(public.pk)]
    assert ids(client_for(bob).get(path)) == [str(followers.pk), str(public.pk)]
    everything = [str(mutuals.pk), str(followers.pk), str(public.pk)]
    assert ids(client_for(carol).get(path)) == everything
    # Your own profile shows what others may see of it: published videos only.
    assert ids(client_for(alice).get(path)) == everything
    assert ids(client_for(carol).get("/api/v1/users/ALICE/videos/")) == everything


def test_a_profile_list_pages_newest_first(as_bob, alice, make_video):
    made = [make_video(alice, caption=f"v{i}") for i in range(7)]
    items, pages = walk(as_bob, "/api/v1/users/alice/videos/?limit=3")
    assert [v["caption"] for v in items] == [f"v{i}" for i in reversed(range(7))]
    assert pages == 3
    assert {v["id"] for v in items} == {str(v.pk) for v in made}


def test_a_profile_is_gone_for_the_person_it_blocks(as_bob, alice, bob, make_video):
    make_video(alice)
    make_video(bob)
    block_create(blocker=alice, blocked=bob)
    # Blocked by alice: her profile does not exist for bob; his own list is untouched.
    assert_error(as_bob.get("/api/v1/users/alice/videos/"), 404, "user_not_found")
    assert len(ids(as_bob.get("/api/v1/users/bob/videos/"))) == 1


def test_a_blocker_sees_no_videos_of_the_person_blocked(as_alice, alice, bob, make_video):
    make_video(bob)
    block_create(blocker=alice, blocked=bob)
    assert ids(as_alice.get("/api/v1/users/bob/videos/")) == []


def test_unknown_and_deactivated_users_have_no_video_list(as_alice, bob, make_video):
    assert_error(as_alice.get("/api/v1/users/nobody/videos/"), 404, "user_not_found")
    make_video(bob)
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert_error(as_alice.get("/api/v1/users/bob/videos/"), 404, "user_not_found")


def test_profile_lists_say_what_i_liked(as_bob, alice, bob, make_video):
    liked, other = make_video(alice), make_video(alice)
    like_create(video=liked, user=bob)
    like_create(video=other, user=alice)
    by_id = {v["id"]: v for v in as_bob.get("/api/v1/users/alice/videos/").json()["results"]}
    assert (by_id[str(liked.pk)]["liked_by_me"], by_id[str(liked.pk)]["like_count"]) == (True, 1)
    assert (by_id[str(other.pk)]["liked_by_me"], by_id[str(other.pk)]["like_count"]) == (False, 1)


# GET /me/videos/ ---------------------------------------------------------------------------------------


def test_my_videos_by_status(as_alice, as_bob, alice, bob, make_video):
    published = make_video(alice)
    draft = make_video(alice, publish=False)
    removed = make_video(alice)
    video_take_down(video=removed, reason=Video.Removal.MODERATION)
    make_video(bob)
    assert ids(as_alice.get("/api/v1/me/videos/")) == [str(removed.pk), str(draft.pk), str(published.pk)]
    assert ids(as_alice.get("/api/v1/me/videos/?status=")) == [
        str(removed.pk),
        str(draft.pk),
        str(published.pk),
    ]
    assert ids(as_alice.get("/api/v1/me/videos/?status=draft")) == [str(draft.pk)]
    assert ids(as_alice.get("/api/v1/me/videos/?status=published")) == [str(published.pk)]
    [gone] = as_alice.get("/api/v1/me/videos/?status=removed").json()["results"]
    assert (gone["id"], gone["status"], gone["media"]) == (str(removed.pk), "removed", None)
    assert ids(as_bob.get("/api/v1/me/videos/?status=draft")) == []


@pytest.mark.parametrize("status", ["drafts", "DRAFT", "deleted", "1"])
def test_my_videos_with_a_bad_status_is_400(as_alice, status):
    body = assert_error(as_alice.get("/api/v1/me/videos/", {"status": status}), 400, "invalid")
    assert "status" in body["fields"]


def test_my_videos_page_newest_first(as_alice, alice, make_video):
    made = [make_video(alice, publish=i % 2 == 0, caption=f"v{i}") for i in range(5)]
    items, pages = walk(as_alice, "/api/v1/me/videos/?limit=2")
    assert [v["id"] for v in items] == [str(v.pk) for v in reversed(made)]
    assert pages == 3


# Query counts ------------------------------------------------------------------------------------------


def test_a_page_of_50_comments_costs_the_queries_of_a_page_of_5(as_alice, alice, make_user, make_video):
    video = make_video(alice)
    fans = [make_user(f"fan{i}") for i in range(12)]
    for i in range(55):
        comment_create(video=video, author=fans[i % 12], text=f"comment {i}")
    block_create(blocker=fans[0], blocked=alice)
    block_create(blocker=alice, blocked=fans[1])
    path = video_url(video, "comments")
    small, n_small = count_queries(as_alice, path + "?limit=5")
    large, n_large = count_queries(as_alice, path + "?limit=50")
    assert (n_small, n_large) == (5, 45)  # 10 of the 55 are hidden by the two blocks
    assert small == large, (small, large)


def _videos_with_cameos_and_likes(author, viewer, owners, make_video, count=55):
    for i in range(count):
        cameo_owners = (owners[i % len(owners)], owners[(i + 1) % len(owners)]) if i % 3 == 0 else ()
        video = make_video(author, caption=f"v{i}", cameo_owners=cameo_owners, publish=i % 11 != 5)
        if i % 2 and video.status == "published":
            like_create(video=video, user=viewer)


def test_a_page_of_50_profile_videos_costs_the_queries_of_a_page_of_5(
    as_bob, alice, bob, make_user, make_video
):
    owners = [make_user(f"owner{i}") for i in range(4)]
    follow_create(follower=bob, followee=alice)
    _videos_with_cameos_and_likes(alice, bob, owners, make_video)
    path = "/api/v1/users/alice/videos/"
    small, n_small = count_queries(as_bob, path + "?limit=5")
    large, n_large = count_queries(as_bob, path + "?limit=50")
    assert (n_small, n_large) == (5, 50)
    assert small == large, (small, large)


def test_a_page_of_50_of_my_videos_costs_the_queries_of_a_page_of_5(as_alice, alice, make_user, make_video):
    owners = [make_user(f"owner{i}") for i in range(4)]
    _videos_with_cameos_and_likes(alice, alice, owners, make_video)
    small, n_small = count_queries(as_alice, "/api/v1/me/videos/?limit=5")
    large, n_large = count_queries(as_alice, "/api/v1/me/videos/?limit=50")
    assert (n_small, n_large) == (5, 50)
    assert small == large, (small, large)


def test_captions_and_comments_keep_no_spoofing_characters(as_alice, as_bob, alice, make_video):
    draft = make_video(alice, publish=False)
    published = as_alice.post(video_url(draft, "publish"), {"caption": "my trip \u202egnp.exe"})
    assert published.status_code == 200, published.content
    assert published.json()["caption"] == stored(draft).caption == "my trip gnp.exe"
    edited = as_alice.patch(video_url(draft), {"caption": "\u2066fixed\u2069\u200b"})
    assert edited.json()["caption"] == stored(draft).caption == "fixed"
    comment = as_bob.post(video_url(draft, "comments"), {"text": "nice\u200b \u202eolleh"})
    assert comment.status_code == 201 and comment.json()["text"] == "nice olleh"
    assert Comment.objects.get().text == "nice olleh"
    # A comment of nothing anyone can see is an empty comment.
    body = assert_error(
        as_bob.post(video_url(draft, "comments"), {"text": "\u202e\u200b\ufeff"}), 400, "invalid"
    )
    assert "text" in body["fields"] and Comment.objects.count() == 1

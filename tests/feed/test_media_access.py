"""The media of videos, for every role: a link works while the reader it was minted for may still see the
video, so a takedown, a deletion, a block or an unfollow ends the links already handed out at once, and new
reads hand out none. The raw clip a remix starts from never has a link. (The link mechanics, expiry and
tampering are in tests/core/test_media_access.py.)"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.files.storage import default_storage

from feed.models import Video
from feed.serializers import VideoSerializer
from feed.services import video_create_draft, video_take_down
from sora_social.accounts.services import block_create, follow_create, follow_delete
from sora_social.core.media_access import media_url
from tests.feed.conftest import tiny_media
from tests.helpers import assert_error
from tests.media import assert_refused, assert_serves

pytestmark = pytest.mark.django_db


def media_of(client, video):
    response = client.get(f"/api/v1/videos/{video.pk}/")
    assert response.status_code == 200, response.content[:500]
    media = response.json()["media"]
    assert media is not None
    return media


def links_of(client, video):
    media = media_of(client, video)
    return [media["video_url"], media["poster_url"]]


def test_a_drafts_media_is_for_its_author_and_its_cameo_owners(
    as_alice, as_bob, as_carol, alice, carol, make_video
):
    draft = make_video(alice, publish=False, cameo_owners=(carol,))
    for client in (as_alice, as_carol):
        media = media_of(client, draft)
        assert_serves(media["video_url"], draft.video_file.name)
        assert_serves(media["poster_url"], draft.poster_file.name)

    # Bob is handed no link, and no link of his reaches the draft's files.
    assert_error(as_bob.get(f"/api/v1/videos/{draft.pk}/"), 404, "video_not_found")
    public = make_video(alice)
    bobs = media_of(as_bob, public)["video_url"]
    query = urlsplit(bobs).query
    assert_refused(f"/media/{draft.video_file.name}?{query}")
    own = dict(parse_qsl(query))
    assert_refused(f"/media/{draft.video_file.name}?{urlencode({**own, 'object': f'video:{draft.pk}'})}")
    assert_refused(f"/media/{draft.video_file.name}")


def test_a_followers_only_video_for_followers_until_they_unfollow(as_bob, as_carol, alice, bob, make_video):
    follow_create(follower=bob, followee=alice)
    video = make_video(alice, visibility="followers")
    link = media_of(as_bob, video)["video_url"]
    assert_serves(link, video.video_file.name)
    assert_error(as_carol.get(f"/api/v1/videos/{video.pk}/"), 404, "video_not_found")

    follow_delete(follower=bob, followee=alice)

    assert_refused(link)
    assert_error(as_bob.get(f"/api/v1/videos/{video.pk}/"), 404, "video_not_found")


def test_a_takedown_ends_every_link_at_once_even_with_the_files_kept(as_alice, as_bob, alice, make_video):
    video = make_video(alice)
    bobs, alices = links_of(as_bob, video), links_of(as_alice, video)
    assert_serves(bobs[1], video.poster_file.name)

    video_take_down(video=video, reason=Video.Removal.MODERATION, purge=False)

    assert default_storage.exists(video.video_file.name)  # kept for an appeal
    for link in bobs + alices:
        assert_refused(link)
    assert_error(as_bob.get(f"/api/v1/videos/{video.pk}/"), 404, "video_not_found")
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").json()["media"] is None


def test_the_author_deleting_a_video_ends_its_links(
    as_alice, as_bob, alice, make_video, django_capture_on_commit_callbacks
):
    video = make_video(alice)
    links = links_of(as_bob, video) + links_of(as_alice, video)
    with django_capture_on_commit_callbacks(execute=True):
        assert as_alice.delete(f"/api/v1/videos/{video.pk}/").status_code == 204
    for link in links:
        assert_refused(link)


@pytest.mark.parametrize("who_blocks", ["author", "reader"])
def test_a_block_ends_the_links_between_the_two_at_once(as_bob, as_carol, alice, bob, make_video, who_blocks):
    video = make_video(alice)
    bobs, carols = media_of(as_bob, video)["video_url"], media_of(as_carol, video)["video_url"]

    if who_blocks == "author":
        block_create(blocker=alice, blocked=bob)
    else:
        block_create(blocker=bob, blocked=alice)

    assert_refused(bobs)
    assert_serves(carols, video.video_file.name)
    assert_error(as_bob.get(f"/api/v1/videos/{video.pk}/"), 404, "video_not_found")


def test_links_pushed_in_events_work_while_the_video_is_out(alice, make_video):
    """``feed.video`` goes to many followers with one payload, so its links name no reader: they work while
    the video is out to its audience."""
    video = make_video(alice, visibility="followers")
    pushed = json.loads(json.dumps(VideoSerializer(video).data))["media"]
    assert "viewer=" not in pushed["video_url"]
    assert_serves(pushed["video_url"], video.video_file.name)

    video_take_down(video=video, reason=Video.Removal.MODERATION, purge=False)
    assert_refused(pushed["video_url"])

    draft = make_video(alice, publish=False)
    assert_refused(VideoSerializer(draft).data["media"]["poster_url"])


def test_the_raw_clip_never_has_a_link(as_alice, alice):
    video_bytes, poster = tiny_media()
    draft = video_create_draft(
        author=alice, video_bytes=video_bytes, poster_bytes=poster, raw_clip=b"raw frames"
    )
    assert draft.raw_file.name.startswith("raw/") and default_storage.exists(draft.raw_file.name)

    response = as_alice.get(f"/api/v1/videos/{draft.pk}/")
    assert "raw" not in json.dumps(response.json()["media"])
    query = urlsplit(response.json()["media"]["video_url"]).query
    assert_refused(f"/media/{draft.raw_file.name}?{query}")
    assert_refused(f"/media/{draft.raw_file.name}")
    with pytest.raises(ValueError):
        media_url(draft.raw_file.name, kind="video", object_id=draft.pk)

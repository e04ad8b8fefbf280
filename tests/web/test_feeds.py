"""The two feeds as pages: video cards with the API's signed media links, what a block or an audience hides,
and the next page as a fragment that htmx loads when the end of the list comes into view."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feed.models import Video
from feed.selectors import feed_preference_text
from sora_social.accounts.services import block_create, follow_create, user_profile_update
from tests.accounts.test_profile import image_file
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db


def card_ids(markup: str) -> list[int]:
    return [
        int(found)
        for found in re.findall(r'<article class="card" aria-labelledby="video-(\d+)-title"', markup)
    ]


def test_the_following_feed_shows_cards_with_the_apis_media_links(
    alice, bob, make_video, alice_browser, client_for
):
    follow_create(follower=alice, followee=bob)
    video = make_video(bob, caption="a fox at dusk", cameo_owners=(alice,))
    page = html(alice_browser.get("/"))

    assert card_ids(page) == [video.pk]
    api = client_for(alice).get(f"/api/v1/videos/{video.pk}/").json()
    # The same signed links the API hands out (minted for the same reader).
    poster = api["media"]["poster_url"].replace("&", "&amp;")
    video_url = api["media"]["video_url"].replace("&", "&amp;")
    assert f'src="{poster}"' in page and f'src="{video_url}"' in page
    # The poster is a lazy image under the video; the video fetches nothing until it plays (in view, by the
    # player module, or from its controls), and does not start by itself without the module.
    image = re.search(r'<img class="player-poster" [^>]*>', page)
    assert image and f'src="{poster}"' in image[0]
    assert all(f" {word}" in image[0] for word in ('loading="lazy"', 'decoding="async"', 'alt=""'))
    assert re.search(r'width="\d+" height="\d+"', image[0])
    player = re.search(r"<video [^>]*>", page)
    assert player and "poster=" not in player[0] and "autoplay" not in player[0].split()
    words = ("muted", "loop", "playsinline", "controls", 'preload="none"', "data-play-in-view")
    assert all(word in player[0].split() for word in words)
    assert '<script type="module" src="/static/web/player.js"></script>' in page
    shown = text_of(page)
    assert "a fox at dusk" in shown and "@bob" in shown
    assert "With @alice_cameo" in shown
    assert "Like 0" in shown and "0 comments" in shown
    assert f'href="/create/?remix_of={video.pk}"' in page
    assert 'aria-current="page">Following<' in page


def test_a_card_shows_the_authors_small_avatar_and_the_profile_the_full_one(
    alice, bob, carol, make_video, alice_browser
):
    follow_create(follower=alice, followee=bob)
    follow_create(follower=alice, followee=carol)
    user_profile_update(user=bob, avatar=image_file("JPEG", (600, 600), "bob.jpg"))
    carol.avatar.save("before-thumbnails.jpg", ContentFile(image_file("JPEG").read()))  # no thumbnail
    make_video(bob)
    make_video(carol)
    page = html(alice_browser.get("/"))
    avatars = re.findall(r'<img class="avatar" src="([^"]+)"[^>]*>', page)
    assert len(avatars) == 2
    assert any(bob.avatar_thumbnail.name in src for src in avatars)
    assert any(carol.avatar.name in src for src in avatars)  # an old avatar is shown in full
    assert bob.avatar.name not in page
    profile = html(alice_browser.get("/u/bob/"))
    assert bob.avatar.name in profile and bob.avatar_thumbnail.name not in profile


def test_the_following_feed_leaves_out_whom_a_block_hides_and_what_an_audience_keeps(
    alice, bob, carol, make_video, alice_browser
):
    follow_create(follower=alice, followee=bob)
    follow_create(follower=alice, followee=carol)
    seen = make_video(bob, caption="for everyone")
    make_video(bob, caption="mutuals only", visibility=Video.Visibility.MUTUALS)  # bob does not follow alice
    make_video(carol, caption="carol's video")
    block_create(blocker=carol, blocked=alice)

    page = html(alice_browser.get("/"))
    assert card_ids(page) == [seen.pk]
    assert "mutuals only" not in page and "carol" not in text_of(page)


def test_for_you_shows_what_one_may_see_and_never_a_blocked_authors_video(
    alice, bob, carol, make_video, alice_browser
):
    public = make_video(bob, caption="public by bob")
    make_video(bob, caption="followers only", visibility=Video.Visibility.FOLLOWERS)
    make_video(carol, caption="by carol")
    block_create(blocker=alice, blocked=carol)

    response = alice_browser.get("/for-you/")
    page = html(response)
    assert card_ids(page) == [public.pk]
    assert 'aria-current="page">For you<' in page
    assert "followers only" not in page and "by carol" not in page


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/", "/for-you/", "/notifications/", "/create/", "/drafts/", "/v/1/", "/u/alice/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/?next="), path


def test_the_next_page_is_a_fragment_that_follows_on(alice, bob, make_video, alice_browser):
    follow_create(follower=alice, followee=bob)
    videos = [make_video(bob, caption=f"clip {i}") for i in range(23)]
    newest_first = [v.pk for v in reversed(videos)]

    page = html(alice_browser.get("/"))
    assert card_ids(page) == newest_first[:20]
    sentinel = re.search(r'<a class="more" href="([^"]+)" hx-get="([^"]+)" hx-trigger="revealed"', page)
    assert sentinel and sentinel[1] == sentinel[2] and sentinel[1].startswith("/?cursor=")

    fragment = html(alice_browser.get(sentinel[1].replace("&amp;", "&"), HTTP_HX_REQUEST="true"))
    assert "<html" not in fragment and "<nav" not in fragment
    assert card_ids(fragment) == newest_first[20:]
    assert 'hx-trigger="revealed"' not in fragment, "the last page has no sentinel"

    # Without script the same link is a whole page with the next cards.
    whole = html(alice_browser.get(sentinel[1].replace("&amp;", "&")))
    assert "<html" in whole and card_ids(whole) == newest_first[20:]


def test_for_you_pages_on_through_its_ranking(bob, make_user, make_video, page_client):
    reader = make_user("reader")
    made = {make_video(bob, caption=f"clip {i}").pk for i in range(22)}
    browser = page_client(reader)
    page = html(browser.get("/for-you/"))
    first = card_ids(page)
    sentinel = re.search(r'hx-get="([^"]+)" hx-trigger="revealed"', page)
    assert len(first) == 20 and sentinel
    second = card_ids(html(browser.get(sentinel[1].replace("&amp;", "&"), HTTP_HX_REQUEST="true")))
    assert set(first) | set(second) == made and not set(first) & set(second)


def test_a_bad_cursor_is_said_in_words(alice_browser):
    response = alice_browser.get("/?cursor=nonsense", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#alerts"
    assert "The cursor is not valid" in text_of(html(response))


def test_the_for_you_box_steers_the_feed_in_plain_words(alice, alice_browser):
    page = html(alice_browser.get("/for-you/"))
    assert '<label for="id_text">Steer your feed in plain words</label>' in page
    response = alice_browser.post("/for-you/", {"text": "  more animals, less sports "})
    assert response.status_code == 302 and response["Location"] == "/for-you/"
    assert feed_preference_text(user=alice) == "more animals, less sports"
    assert 'value="more animals, less sports"' in html(alice_browser.get("/for-you/"))

    too_long = alice_browser.post("/for-you/", {"text": "x" * 501})
    assert too_long.status_code == 400
    assert "Ensure this field has no more than 500 characters." in text_of(html(too_long))
    assert feed_preference_text(user=alice) == "more animals, less sports"


def test_a_feed_page_costs_the_same_queries_for_twenty_videos_as_for_three(
    alice, bob, carol, make_video, alice_browser, django_capture_on_commit_callbacks
):
    follow_create(follower=alice, followee=bob)
    follow_create(follower=alice, followee=carol)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            page = html(alice_browser.get("/"))
        return len(captured), len(card_ids(page))

    for author in (bob, carol, bob):
        make_video(author, cameo_owners=(carol,))
    queries()  # the first read makes the feed live
    few, shown = queries()
    assert shown == 3
    with django_capture_on_commit_callbacks(execute=True):  # the fan-out into alice's live feed
        for i in range(17):
            make_video((bob, carol)[i % 2], cameo_owners=(carol,))
    assert queries() == (few, 20)

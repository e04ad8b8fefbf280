"""The layout every page shares (landmarks, skip link, navigation with the unread badge, the stylesheet and
htmx served from here), profiles and notifications."""

from __future__ import annotations

import re

import pytest

from feed.services import comment_create, like_create
from sora_social.accounts.models import Follow
from sora_social.accounts.services import block_create, follow_create
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/for-you/",
        "/notifications/",
        "/create/",
        "/drafts/",
        "/u/bob/",
        "/u/alice/",
        "/cameos/",
        "/cameos/new/",
    ],
)
def test_every_page_has_the_layout(path, alice, bob, alice_browser):
    response = alice_browser.get(path)
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="en">' in page and '<meta name="viewport"' in page
    assert '<a class="skip-link" href="#main">Skip to content</a>' in page
    assert '<main id="main"' in page and '<nav aria-label="Main">' in page
    assert page.count("<h1") == 1
    for link in ("Following", "For you", "Create", "Cameos", "Notifications", "Profile"):
        assert f">{link}" in page, link
    assert 'href="/u/alice/"' in page and "Sign out" in page
    assert '<link rel="stylesheet" href="/static/web/site.css">' in page
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in page
    assert "https://" not in re.sub(r'(src|href)="https?://testserver', "", page), "nothing from elsewhere"


def test_signed_out_pages_offer_sign_in_and_sign_up(client):
    page = html(client.get("/sign-in/"))
    assert '<nav aria-label="Account">' in page and 'aria-current="page">Sign in<' in page
    assert "Sign out" not in page


def test_the_stylesheet_and_htmx_are_served_here(client):
    css = client.get("/static/web/site.css")
    assert css.status_code == 200
    stylesheet = b"".join(css.streaming_content).decode()
    assert "@media (prefers-color-scheme: dark)" in stylesheet and ":focus-visible" in stylesheet
    script = client.get("/static/django_htmx/htmx-2.min.js")
    assert script.status_code == 200
    assert b'version:"2.' in b"".join(script.streaming_content)


def test_the_badge_counts_unread_notifications_and_marking_read_clears_it(
    alice, bob, carol, make_video, alice_browser
):
    video = make_video(alice)
    like_create(video=video, user=bob)
    comment_create(video=video, author=carol, text="nice")
    follow_create(follower=bob, followee=alice)

    page = html(alice_browser.get("/"))
    badge = re.search(r'<span class="badge">(\d+)<span class="visually-hidden"> unread</span>', page)
    assert badge and badge[1] == "3"

    listing = text_of(html(alice_browser.get("/notifications/")))
    assert "bob followed you." in listing
    assert "carol commented on your video." in listing
    assert "bob liked your video." in listing

    assert alice_browser.post("/notifications/")["Location"] == "/notifications/"
    assert 'class="badge"' not in html(alice_browser.get("/"))


def test_a_notification_from_someone_blocked_is_not_counted(alice, bob, make_video, alice_browser):
    like_create(video=make_video(alice), user=bob)
    block_create(blocker=alice, blocked=bob)
    page = html(alice_browser.get("/notifications/"))
    assert 'class="badge"' not in page and "No notifications yet." in text_of(page)


def test_a_profile_shows_its_published_videos_and_follows(alice, bob, make_video, alice_browser):
    shown = make_video(bob, caption="bob's public clip")
    make_video(bob, caption="bob's draft", publish=False)
    page = html(alice_browser.get("/u/BOB/"))
    assert "@bob" in text_of(page) and "0 followers" in text_of(page)
    assert f'href="/v/{shown.pk}/"' in page and "bob's draft" not in page

    assert alice_browser.post("/u/bob/", {"action": "follow"})["Location"] == "/u/bob/"
    assert Follow.objects.filter(follower=alice, followee=bob).exists()
    followed = text_of(html(alice_browser.get("/u/bob/")))
    assert "1 follower" in followed and "Unfollow" in followed

    alice_browser.post("/u/bob/", {"action": "unfollow"})
    assert not Follow.objects.filter(follower=alice, followee=bob).exists()


def test_a_profile_that_blocks_you_is_not_found(alice, bob, alice_browser):
    block_create(blocker=bob, blocked=alice)
    response = alice_browser.get("/u/bob/")
    assert response.status_code == 404 and "There is no user called 'bob'." in text_of(html(response))


def test_blocking_from_a_profile_hides_each_from_the_other(
    alice, bob, make_video, alice_browser, bob_browser
):
    follow_create(follower=bob, followee=alice)
    video = make_video(bob)
    assert alice_browser.post("/u/bob/", {"action": "block"}).status_code == 302
    assert not Follow.objects.exists()
    assert "Unblock" in text_of(html(alice_browser.get("/u/bob/")))
    assert alice_browser.get(f"/v/{video.pk}/").status_code == 404
    assert bob_browser.get("/u/alice/").status_code == 404

    alice_browser.post("/u/bob/", {"action": "unblock"})
    assert alice_browser.get(f"/v/{video.pk}/").status_code == 200

"""Signing up, in and out on pages: the API's checks and the services' words, shown next to the field; and
notifications, each marked read on its own or all at once, with the unread badge following."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cameos.services import cameo_appearance_take_down, cameo_delete
from feed.models import Notification
from feed.services import comment_create, like_create
from sora_social.accounts.models import User
from sora_social.accounts.services import follow_create, user_deactivate
from tests.conftest import PASSWORD
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db


def field_error(markup: str, name: str) -> str:
    """The message shown under the field ``name``, which the field points to with aria-describedby."""
    assert 'aria-describedby="' in markup
    start = markup.index(f'id="id_{name}_error"')
    return text_of(markup[markup.index(">", start) + 1 : markup.index("</p>", start)])


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back_after(alice):
    browser = Client()
    response = browser.get("/for-you/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/for-you/"

    page = html(browser.get(response["Location"]))
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert 'name="next" value="/for-you/"' in page

    signed_in = browser.post("/sign-in/", {"username": "ALICE", "password": PASSWORD, "next": "/for-you/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/for-you/"
    assert browser.get("/for-you/").status_code == 200


def test_signing_in_never_sends_you_off_the_site(alice):
    response = Client().post(
        "/sign-in/", {"username": "alice", "password": PASSWORD, "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == "/"


def test_a_wrong_password_is_said_in_words_and_the_username_kept(alice):
    response = Client().post("/sign-in/", {"username": "alice", "password": "not-it"})
    assert response.status_code == 400
    page = html(response)
    assert 'role="alert"' in page
    assert "The username or password is not right." in text_of(page)
    assert 'value="alice"' in page
    assert "not-it" not in page


def test_a_missing_field_is_named_next_to_it():
    page = html(Client().post("/sign-in/", {"username": "alice"}))
    assert field_error(page, "password") == "This field is required."
    assert 'aria-invalid="true"' in page


def test_a_suspended_account_is_told_so(alice):
    user_deactivate(user=alice)
    page = html(Client().post("/sign-in/", {"username": "alice", "password": PASSWORD}))
    assert "This account is suspended." in text_of(page)


def test_sign_up_shows_the_services_refusals_next_to_each_field(alice):
    browser = Client()
    page = html(browser.get("/sign-up/"))
    assert "3 to 30 characters." in text_of(page)

    taken = html(browser.post("/sign-up/", {"username": "Alice", "password": "another-good-passphrase"}))
    assert field_error(taken, "username") == "This username is taken."

    weak = html(browser.post("/sign-up/", {"username": "newcomer", "password": "password"}))
    assert "This password is too common." in field_error(weak, "password")
    assert 'value="newcomer"' in weak

    young = html(
        browser.post(
            "/sign-up/",
            {"username": "newcomer", "password": "another-good-passphrase", "birth_date": "2024-01-01"},
        )
    )
    assert field_error(young, "birth_date") == "You must be at least 13 to use this app."

    bad_name = html(browser.post("/sign-up/", {"username": "a b", "password": "another-good-passphrase"}))
    assert field_error(bad_name, "username").startswith("Use letters, digits and underscores only")
    assert not User.objects.filter(username="newcomer").exists()


def test_signing_up_signs_you_in():
    browser = Client()
    response = browser.post(
        "/sign-up/",
        {"username": "newcomer", "password": "another-good-passphrase", "email": "", "birth_date": ""},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert User.objects.get(username="newcomer").email == ""
    assert 'href="/u/newcomer/"' in html(browser.get("/")), "signed in: the navigation links to their profile"


def test_sign_out_takes_a_post_and_ends_the_session(alice_browser):
    assert alice_browser.get("/sign-out/").status_code == 405
    response = alice_browser.post("/sign-out/")
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert alice_browser.get("/").status_code == 302


def test_sign_in_is_rate_limited_with_the_apis_budget(alice, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "auth": "2/min",
    }
    browser = Client()
    for _ in range(2):
        assert browser.post("/sign-in/", {"username": "alice", "password": "wrong"}).status_code == 400
    page = html(browser.post("/sign-in/", {"username": "alice", "password": PASSWORD}))
    assert "Too many attempts from here. Try again in" in text_of(page)
    assert browser.get("/").status_code == 302, "not signed in"


def test_one_notification_is_marked_read_and_the_badge_follows(alice, bob, carol, make_video, alice_browser):
    video = make_video(alice)
    like_create(video=video, user=bob)
    follow_create(follower=carol, followee=alice)
    liked = Notification.objects.get(recipient=alice, kind="like")
    followed = Notification.objects.get(recipient=alice, kind="follow")

    page = html(alice_browser.get("/notifications/"))
    assert page.count('<button type="submit" class="link-button">Mark read</button>') == 2
    assert f'<form method="post" action="/notifications/{liked.pk}/read/" class="mark-read"' in page
    assert "Mark all read" in text_of(page)

    # Without JavaScript: the button posts and the page comes back, the one notification read.
    response = alice_browser.post(f"/notifications/{liked.pk}/read/", {"next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    liked.refresh_from_db()
    followed.refresh_from_db()
    assert liked.read_at is not None and followed.read_at is None
    after = html(alice_browser.get("/notifications/"))
    assert after.count(">Mark read</button>") == 1
    assert re.search(r'<span class="badge">1<span class="visually-hidden"> unread', after)


def test_htmx_swaps_in_the_read_notification_and_the_badge_out_of_band(alice, bob, make_video, alice_browser):
    video = make_video(alice)
    like_create(video=video, user=bob)
    comment_create(video=video, author=bob, text="nice")
    liked = Notification.objects.get(recipient=alice, kind="like")

    fragment = html(alice_browser.post(f"/notifications/{liked.pk}/read/", HTTP_HX_REQUEST="true")).strip()
    assert fragment.startswith(
        f'<li class="notification" id="notification-{liked.pk}" tabindex="-1" autofocus>'
    )
    assert "bob liked your video." in text_of(fragment)
    assert "Mark read" not in fragment and "Unread:" not in fragment
    badge = '<span class="badge">1<span class="visually-hidden"> unread</span></span>'
    assert f'<span id="unread-badge" hx-swap-oob="true">{badge}</span>' in fragment

    commented = Notification.objects.get(recipient=alice, kind="comment")
    last = html(alice_browser.post(f"/notifications/{commented.pk}/read/", HTTP_HX_REQUEST="true"))
    assert '<span id="unread-badge" hx-swap-oob="true"></span>' in last, "no unread left: no badge"
    # Marking a read one again changes nothing and says so in the same way.
    again = alice_browser.post(f"/notifications/{commented.pk}/read/", HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and 'hx-swap-oob="true"></span>' in html(again)


def test_only_its_recipient_marks_a_notification_read(alice, bob, make_video, bob_browser, client):
    like_create(video=make_video(alice), user=bob)
    liked = Notification.objects.get(recipient=alice, kind="like")
    url = f"/notifications/{liked.pk}/read/"

    refused = bob_browser.post(url)
    assert refused.status_code == 404 and "There is no such notification." in text_of(html(refused))
    assert bob_browser.post("/notifications/not-an-id/read/").status_code == 404
    assert bob_browser.get(url).status_code == 405
    signed_out = client.post(url)
    assert signed_out.status_code == 302 and signed_out["Location"].startswith("/sign-in/")
    without_token = Client(enforce_csrf_checks=True)
    without_token.force_login(alice)
    assert without_token.post(url).status_code == 403
    liked.refresh_from_db()
    assert liked.read_at is None


def test_a_taken_down_video_is_explained_to_its_author(alice, bob, make_cameo, make_draft, page_client):
    cameo = make_cameo(alice, handle="alice_cat")
    video = make_draft(bob, cameo)
    cameo_appearance_take_down(cameo=cameo, video_id=video.pk, actor=alice)
    deleted = make_cameo(alice, handle="alice_dog")
    make_draft(bob, deleted)
    cameo_delete(cameo=deleted, actor=alice)
    told = text_of(html(page_client(bob).get("/notifications/")))
    assert "Your video with the cameo @alice_cat was taken down at the request of the cameo's owner." in told
    assert "Your video with the cameo @alice_dog was taken down: the cameo's owner deleted it." in told

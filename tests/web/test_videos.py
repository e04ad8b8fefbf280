"""A video's page: the player, the like button and the comments, written through feed's services."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from feed.models import Comment, Like
from feed.services import comment_create, like_create, video_publish
from remix.services import remix_record
from sora_social.accounts.services import block_create
from tests.web.pages import csrf_token, html, text_of

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_video_page_has_the_player_and_the_comments(alice, bob, make_video, alice_browser):
    video = make_video(bob, caption="waves")
    comment_create(video=video, author=alice, text="lovely colours")
    page = html(alice_browser.get(f"/v/{video.pk}/"))
    assert re.search(r'<video class="player" src="http://testserver/media/[^"]+"', page)
    # The one video of its page starts at once, its poster asked for first; no module plays it.
    player = re.search(r"<video [^>]*>", page)
    assert player and "autoplay" in player[0].split() and "data-play-in-view" not in player[0]
    assert re.search(r'<img class="player-poster" [^>]*fetchpriority="high"', page)
    assert "player.js" not in page
    shown = text_of(page)
    assert "waves" in shown and "1 comment" in shown and "lovely colours" in shown
    assert '<label for="id_text">Add a comment</label>' in page
    assert page.count("<h1") == 1 and '<h1 class="caption"' in page


@pytest.mark.parametrize("visibility", ["private draft", "blocked"])
def test_a_video_one_may_not_see_is_not_found(visibility, alice, bob, make_video, alice_browser):
    if visibility == "blocked":
        video = make_video(bob)
        block_create(blocker=bob, blocked=alice)
    else:
        video = make_video(bob, publish=False)
    response = alice_browser.get(f"/v/{video.pk}/")
    assert response.status_code == 404
    assert "There is no such video." in text_of(html(response))
    assert alice_browser.get("/v/not-an-id/").status_code == 404


def test_liking_through_htmx_swaps_the_button_for_the_new_count(alice, bob, carol, make_video, alice_browser):
    video = make_video(bob)
    like_create(video=video, user=carol)
    response = alice_browser.post(f"/v/{video.pk}/like/", **HTMX)
    assert response.status_code == 200
    button = html(response)
    assert button.lstrip().startswith('<form class="like"') and "<html" not in button
    assert 'aria-pressed="true"' in button and "Like 2" in text_of(button)
    assert f'hx-post="/v/{video.pk}/unlike/"' in button
    assert Like.objects.filter(video=video, user=alice).exists()

    again = html(alice_browser.post(f"/v/{video.pk}/unlike/", **HTMX))
    assert 'aria-pressed="false"' in again and "Like 1" in text_of(again)
    assert not Like.objects.filter(video=video, user=alice).exists()


def test_liking_without_script_goes_back_to_the_page(alice, bob, make_video, alice_browser):
    video = make_video(bob)
    response = alice_browser.post(f"/v/{video.pk}/like/", {"next": "/for-you/"})
    assert response.status_code == 302 and response["Location"] == "/for-you/"
    assert Like.objects.filter(video=video, user=alice).exists()


def test_a_like_after_the_session_ended_sends_the_whole_page_to_sign_in(bob, make_video, client):
    video = make_video(bob)
    response = client.post(f"/v/{video.pk}/like/", HTTP_HX_CURRENT_URL="http://testserver/for-you/", **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/sign-in/?next=/for-you/"
    assert not Like.objects.exists()


def test_a_draft_takes_no_like_and_says_why(alice, make_video, alice_browser):
    draft = make_video(alice, publish=False)
    response = alice_browser.post(f"/v/{draft.pk}/like/", **HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#alerts"
    assert "Only published videos take likes and comments." in text_of(html(response))
    assert not Like.objects.exists()


def test_commenting_through_htmx_shows_the_comment_and_clears_the_form(alice, bob, make_video, alice_browser):
    video = make_video(bob)
    response = alice_browser.post(f"/v/{video.pk}/comments/", {"text": "  first!  "}, **HTMX)
    assert response.status_code == 200
    section = html(response)
    assert section.lstrip().startswith('<section id="comments"')
    assert "1 comment" in text_of(section) and "first!" in text_of(section)
    assert "first!</textarea>" not in section, "the form is cleared"
    assert Comment.objects.get(video=video).text == "first!"


def test_an_empty_comment_is_refused_next_to_the_field(alice, bob, make_video, alice_browser):
    video = make_video(bob)
    response = alice_browser.post(f"/v/{video.pk}/comments/", {"text": "   "}, **HTMX)
    assert response.status_code == 400
    section = html(response)
    error = re.search(r'<p class="field-error" id="id_text_error">([^<]+)</p>', section)
    assert error and error[1] == "This field may not be blank."
    assert 'aria-describedby="id_text_error"' in section
    assert not Comment.objects.exists()

    too_long = html(alice_browser.post(f"/v/{video.pk}/comments/", {"text": "x" * 1001}))
    assert "Ensure this field has no more than 1000 characters." in text_of(too_long)
    assert "<html" in too_long, "without htmx the whole page comes back with the error"


def test_one_deletes_ones_own_comment_and_no_one_elses(alice, bob, carol, make_video, alice_browser):
    video = make_video(bob)
    mine = comment_create(video=video, author=alice, text="mine")
    theirs = comment_create(video=video, author=carol, text="theirs")
    page = html(alice_browser.get(f"/v/{video.pk}/"))
    assert f'action="/comments/{mine.pk}/delete/"' in page
    assert f'action="/comments/{theirs.pk}/delete/"' not in page

    refused = alice_browser.post(f"/comments/{theirs.pk}/delete/", **HTMX)
    assert refused.status_code == 403
    assert "Only the comment's or the video's author can delete it." in text_of(html(refused))

    section = html(alice_browser.post(f"/comments/{mine.pk}/delete/", **HTMX))
    assert "mine" not in text_of(section) and "theirs" in text_of(section)
    assert Comment.objects.get(pk=mine.pk).removed_at is not None


def test_the_videos_author_may_delete_any_comment_on_it(alice, bob, make_video, page_client):
    video = make_video(bob)
    comment = comment_create(video=video, author=alice, text="hello")
    assert f'action="/comments/{comment.pk}/delete/"' in html(page_client(bob).get(f"/v/{video.pk}/"))


def test_older_comments_come_as_a_fragment(alice, bob, make_video, alice_browser):
    video = make_video(bob)
    made = [comment_create(video=video, author=alice, text=f"comment {i}") for i in range(22)]
    page = html(alice_browser.get(f"/v/{video.pk}/"))
    assert "comment 21" in page and "comment 1<" not in page
    more = re.search(r'hx-get="([^"]+)" hx-trigger="revealed"', page)
    assert more and more[1].startswith(f"/v/{video.pk}/?cursor=")
    fragment = html(alice_browser.get(more[1], **HTMX))
    assert "<html" not in fragment
    assert [int(i) for i in re.findall(r'id="comment-(\d+)"', fragment)] == [c.pk for c in made[1::-1]]


@pytest.mark.parametrize(
    ("path", "data"),
    [("/v/{id}/like/", {}), ("/v/{id}/comments/", {"text": "hi"}), ("/sign-out/", {})],
)
def test_forms_refuse_a_post_without_the_csrf_token(path, data, alice, bob, make_video):
    video = make_video(bob)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    url = path.format(id=video.pk)
    refused = browser.post(url, data, **HTMX)
    assert refused.status_code == 403
    assert "This form has expired or did not come from this site." in text_of(html(refused))
    assert not Like.objects.exists() and not Comment.objects.exists()

    token = csrf_token(html(browser.get(f"/v/{video.pk}/")))
    assert browser.post(url, {**data, "csrfmiddlewaretoken": token}, **HTMX).status_code in (200, 302)


def test_sign_in_refuses_a_post_without_the_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/sign-in/", {"username": "alice", "password": "x"}).status_code == 403
    token = csrf_token(html(browser.get("/sign-in/")))
    assert (
        browser.post(
            "/sign-in/", {"username": "alice", "password": "x", "csrfmiddlewaretoken": token}
        ).status_code
        == 400
    )


def test_a_csrf_failure_under_the_api_stays_a_json_error(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post("/api/v1/nothing-here/", {"a": 1}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


def test_a_remixs_page_shows_its_chain_with_what_one_may_not_see_unavailable(
    alice, bob, carol, make_video, alice_browser
):
    root = make_video(bob, caption="the original")
    middle = make_video(carol, caption="carol's take", publish=False)
    remix_record(video=middle, parent=root)
    remix = make_video(carol, caption="carol's second", publish=False)
    remix_record(video=remix, parent=middle)
    video_publish(video=remix, actor=carol, caption="carol's second", visibility="public", allow_remix=True)

    page = html(alice_browser.get(f"/v/{remix.pk}/"))
    chain = text_of(
        page[
            page.index('<section class="chain"') : page.index(
                "</section>", page.index('<section class="chain"')
            )
        ]
    )
    assert chain == "Remix chain the original by @bob Unavailable This video"
    assert f'href="/v/{root.pk}/"' in page
    assert '<section class="chain"' not in html(alice_browser.get(f"/v/{root.pk}/")), "a root has no chain"


def published_remix(make_video, parent, author, caption, visibility="public"):
    remix = make_video(author, caption=caption, publish=False)
    remix_record(video=remix, parent=parent)
    return video_publish(video=remix, actor=author, caption=caption, visibility=visibility, allow_remix=True)


def test_a_videos_page_shows_its_remixes_as_a_tree(alice, bob, carol, make_video, alice_browser):
    root = make_video(bob, caption="the original")
    first = published_remix(make_video, root, carol, "carol's take")
    published_remix(make_video, first, bob, "bob again")
    published_remix(make_video, root, carol, "followers only", visibility="followers")

    page = html(alice_browser.get(f"/v/{root.pk}/"))
    start = page.index('aria-labelledby="remixes-title"')
    tree = text_of(page[start : page.index("</section>", start)])
    assert tree.endswith("Remixes carol's take by @carol bob again by @bob")
    assert "followers only" not in page

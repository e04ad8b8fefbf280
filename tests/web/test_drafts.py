"""Drafts on pages: one's own drafts, published with a caption, a visibility and remixing on or off through
feed's video_publish, or deleted; refusals shown on the draft they are about."""

from __future__ import annotations

import pytest
from django.utils import timezone

from feed.models import FeaturedCameo, Video
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db


def test_the_drafts_page_lists_ones_own_drafts_only(alice, bob, make_video, alice_browser):
    mine = make_video(alice, publish=False, prompt="a kite over the sea")
    make_video(alice, caption="already out")
    make_video(bob, publish=False, cameo_owners=(alice,), prompt="bob's draft with alice")
    page = html(alice_browser.get("/drafts/"))
    assert page.count('class="card"') == 1 and f'data-video-id="{mine.pk}"' in page
    assert "a kite over the sea" in text_of(page)
    assert f'<label for="caption-{mine.pk}">Caption</label>' in page
    assert f'<label for="visibility-{mine.pk}">Who can see it</label>' in page


def test_publishing_a_draft_with_its_settings(alice, make_video, alice_browser):
    draft = make_video(alice, publish=False)
    response = alice_browser.post(
        f"/v/{draft.pk}/publish/", {"caption": " my first video ", "visibility": "followers"}
    )
    assert response.status_code == 302 and response["Location"] == f"/v/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == Video.Status.PUBLISHED and draft.caption == "my first video"
    assert draft.visibility == "followers"
    assert draft.allow_remix is False, "an unticked box turns remixing off"
    assert "No drafts." in text_of(html(alice_browser.get("/drafts/")))


def test_a_refusal_is_shown_on_the_draft_it_is_about(alice, bob, make_video, alice_browser):
    other = make_video(alice, publish=False)
    draft = make_video(alice, publish=False, cameo_owners=(bob,))
    too_long = alice_browser.post(f"/v/{draft.pk}/publish/", {"caption": "x" * 2201})
    assert too_long.status_code == 400
    page = html(too_long)
    assert f'id="caption-{draft.pk}-error">Ensure this field has no more than 2200 characters.<' in page
    assert f'id="caption-{other.pk}-error"' not in page

    FeaturedCameo.objects.filter(video=draft).update(withdrawn_at=timezone.now())
    withdrawn = text_of(html(alice_browser.post(f"/v/{draft.pk}/publish/", {"caption": "hi"})))
    assert "A cameo in this video was withdrawn by its owner." in withdrawn
    assert Video.objects.get(pk=draft.pk).status == Video.Status.DRAFT


def test_only_the_author_publishes_or_deletes(alice, bob, make_video, page_client, alice_browser):
    draft = make_video(alice, publish=False, cameo_owners=(bob,))
    bob_browser = page_client(bob)
    refused = bob_browser.post(f"/v/{draft.pk}/publish/", {"caption": "mine now"})
    assert refused.status_code == 403 and "Only the author can do this." in text_of(html(refused))
    assert bob_browser.post(f"/v/{draft.pk}/delete/").status_code == 403
    assert Video.objects.get(pk=draft.pk).status == Video.Status.DRAFT

    assert alice_browser.post(f"/v/{draft.pk}/delete/")["Location"] == "/drafts/"
    assert Video.objects.get(pk=draft.pk).status == Video.Status.REMOVED

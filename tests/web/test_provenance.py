"""A video's provenance badge on its page: read from the file's signed C2PA manifest by generation's
selector, after the page itself (htmx), or as a page of its own without script."""

from __future__ import annotations

import pytest

from feed.services import video_create_draft, video_publish
from generation.provenance import create_development_identity, sign_mp4
from tests.feed.conftest import tiny_media
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_identity(tmp_path, settings):
    """This site's signing identity, whose root its pages trust."""
    settings.PROVENANCE_TRUST_ANCHORS_FILE = tmp_path / "ca.pem"
    return create_development_identity(tmp_path)


@pytest.fixture
def signed_video(bob, site_identity):
    mp4, poster = tiny_media()
    signed = sign_mp4(mp4, identity=site_identity, title="a fox", creator="bob", model="small", job_id="1")
    draft = video_create_draft(author=bob, video_bytes=signed, poster_bytes=poster, prompt="a fox")
    return video_publish(video=draft, actor=bob, caption="a fox", visibility="public", allow_remix=True)


def test_the_video_page_loads_its_provenance_after_itself(bob, make_video, alice_browser):
    video = make_video(bob)
    page = html(alice_browser.get(f"/v/{video.pk}/"))
    assert f'hx-get="/v/{video.pk}/provenance/" hx-trigger="load"' in page

    badge = html(alice_browser.get(f"/v/{video.pk}/provenance/", HTTP_HX_REQUEST="true"))
    assert "<html" not in badge
    assert text_of(badge) == "No provenance record · this file carries no signed manifest"


def test_a_video_signed_here_says_so(signed_video, alice_browser):
    badge = text_of(html(alice_browser.get(f"/v/{signed_video.pk}/provenance/", HTTP_HX_REQUEST="true")))
    assert badge.startswith("AI-generated with the small model · signed by this site")


def test_a_signer_this_site_does_not_trust_is_named_as_such(signed_video, alice_browser, settings, tmp_path):
    stranger = tmp_path / "stranger"
    create_development_identity(stranger)
    settings.PROVENANCE_TRUST_ANCHORS_FILE = stranger / "ca.pem"
    page = html(alice_browser.get(f"/v/{signed_video.pk}/provenance/"))
    assert "<html" in page, "without script it is a page of its own"
    assert "not a signer this site trusts" in text_of(page)


def test_no_provenance_for_a_video_one_may_not_see(bob, make_video, alice_browser):
    draft = make_video(bob, publish=False)
    assert alice_browser.get(f"/v/{draft.pk}/provenance/").status_code == 404

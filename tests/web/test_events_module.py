"""The event module (web/static/web/events.js) under Node's own test runner, where Node is installed, and
what the pages give it: the module itself, the badge fragment it fetches, the pill it reveals."""

from __future__ import annotations

from pathlib import Path

import pytest

from feed.services import like_create
from tests.web.pages import html, needs_node, node_test

HERE = Path(__file__).resolve().parent


@needs_node
def test_the_module_reconnects_resumes_and_updates_the_page() -> None:
    node_test(HERE / "events_module.test.mjs")


@pytest.mark.django_db
def test_signed_in_pages_load_the_module_and_signed_out_ones_do_not(alice_browser, client):
    page = html(alice_browser.get("/"))
    assert '<script type="module" src="/static/web/events.js"></script>' in page
    assert '<body data-badge-url="/notifications/badge/">' in page
    # The "new videos" pill waits, hidden, in the page's content (not in its <title>, where no one sees it).
    main = page.split('<main id="main"', 1)[1]
    assert '<a id="new-videos" class="pill" href="/" hidden>' in main
    assert "<title>Following · sora_social</title>" in page
    assert "events.js" not in html(client.get("/sign-in/"))
    assert alice_browser.get("/static/web/events.js").status_code == 200


@pytest.mark.django_db
def test_the_badge_fragment_is_the_unread_count(alice, bob, make_video, alice_browser):
    assert html(alice_browser.get("/notifications/badge/")).strip() == '<span id="unread-badge"></span>'
    like_create(video=make_video(alice), user=bob)
    fragment = html(alice_browser.get("/notifications/badge/", HTTP_HX_REQUEST="true")).strip()
    badge = '<span class="badge">1<span class="visually-hidden"> unread</span></span>'
    assert fragment == f'<span id="unread-badge">{badge}</span>'

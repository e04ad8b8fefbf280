"""The player module (web/static/web/player.js) under Node's own test runner, where Node is installed, and
the pages that load it: those with lists of players."""

from __future__ import annotations

from pathlib import Path

import pytest

from sora_social.accounts.services import follow_create
from tests.web.pages import html, needs_node, node_test

HERE = Path(__file__).resolve().parent
MODULE = '<script type="module" src="/static/web/player.js"></script>'


@needs_node
def test_the_module_plays_videos_in_view_and_pauses_them_out_of_it() -> None:
    node_test(HERE / "player_module.test.mjs")


@pytest.mark.django_db
def test_pages_with_lists_of_players_load_the_module(alice, bob, make_video, alice_browser):
    follow_create(follower=alice, followee=bob)
    make_video(bob)
    make_video(alice, publish=False)
    for path in ("/", "/for-you/", "/drafts/"):
        page = html(alice_browser.get(path))
        assert MODULE in page and "data-play-in-view" in page, path
    assert MODULE not in html(alice_browser.get("/cameos/"))
    served = alice_browser.get("/static/web/player.js")
    assert served.status_code == 200
    assert "IntersectionObserver" in b"".join(served.streaming_content).decode()

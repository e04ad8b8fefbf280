"""The web client's flows, clicked through in Chromium as a person would, against the real stack
(``tests/browser/conftest.py``): the server, the WebSocket, and Celery workers making real clips. The test
process only prepares what a flow starts from (people, a draft) and reads back what it left."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from feed.models import Video
from sora_social.accounts.models import User
from tests.browser.conftest import EVENTUAL_MS, screenshot

# The length of a <video> once the browser has read its metadata: proof that it can play the file.
PLAYABLE_SECONDS = """v => new Promise(done => v.readyState >= 1
    ? done(v.duration) : v.addEventListener("loadedmetadata", () => done(v.duration)))"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def test_sign_up_follow_and_a_new_video_arrives_live(
    new_context: Callable[..., Any],
    signed_in: Callable[..., Any],
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    bob = make_user("bob")
    draft = make_video(bob, publish=False, prompt="a kite over the dunes")

    page = new_context().new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))
    page.get_by_role("link", name="Sign up").last.click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    # The API's password rules, in words, next to the field; nothing was created.
    expect(page.locator("#id_password_error")).to_be_visible()
    assert not User.objects.filter(username="newcomer").exists()
    page.get_by_label("Password").fill("a long enough passphrase 42")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto("/u/bob/")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    page.goto("/")
    pill = page.get_by_role("link", name="New videos: show them")
    expect(pill).to_be_hidden()
    screenshot(page, "following-empty-phone")

    # Bob publishes his draft in his own browser; the follower's open page learns of it without a reload.
    bobs = signed_in(bob)
    bobs.goto("/drafts/")
    bobs.get_by_label("Caption").fill("Kites at dawn")
    bobs.get_by_role("button", name="Publish").click()
    expect(pill).to_be_visible(timeout=EVENTUAL_MS)
    pill.click()
    card = page.locator(f'[data-video-id="{draft.pk}"]')
    expect(card).to_contain_text("Kites at dawn")
    expect(card).to_contain_text("@bob")


def test_create_watch_progress_and_publish(
    signed_in: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    alice = make_user("alice")
    page = signed_in(alice)
    page.goto("/create/")
    page.get_by_label("What happens in the video").fill("a red ball drops onto the floor and bounces twice")
    page.get_by_role("button", name="Make the video").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/"))
    progress = page.locator("progress")
    # The bar moves as the worker samples (the job's events swap the card in), then the draft is ready.
    running = re.compile(r"Running: [1-9]\d*%")
    expect(page.locator(".job-status")).to_contain_text(running, timeout=EVENTUAL_MS)
    screenshot(page, "job-running-phone")
    expect(page.get_by_role("link", name="watch it")).to_be_visible(timeout=EVENTUAL_MS)
    expect(progress).to_have_count(0)

    page.goto("/drafts/")
    page.get_by_label("Caption").fill("My first bounce")
    page.get_by_role("button", name="Publish").click()
    video = Video.objects.get(author=alice)
    assert video.status == Video.Status.PUBLISHED
    assert video.caption == "My first bounce"
    page.goto(f"/v/{video.pk}/")
    expect(page.get_by_role("heading", name="My first bounce")).to_be_visible()
    # The clip plays in the page (the browser decoded it: it knows its length).
    duration = page.locator("video").first.evaluate(PLAYABLE_SECONDS)
    assert 1.5 < duration < 2.5

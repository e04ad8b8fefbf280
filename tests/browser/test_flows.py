"""The web client's flows, clicked through in Chromium as a person would, against the real stack
(``tests/browser/conftest.py``): the server, the WebSocket, and Celery workers making real clips. The test
process only prepares what a flow starts from (people, a draft) and reads back what it left."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from PIL import Image
from playwright.sync_api import expect

from feed.models import Video
from sora_social.accounts.models import User
from sora_social.accounts.selectors import MODERATORS_GROUP
from sora_social.accounts.services import follow_create
from tests.browser.conftest import EVENTUAL_MS, screenshot

# The length of a <video> once the browser has read its metadata: proof that it can play the file.
PLAYABLE_SECONDS = """v => new Promise(done => v.readyState >= 1
    ? done(v.duration) : v.addEventListener("loadedmetadata", () => done(v.duration)))"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
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


def _picture(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = tmp_path / f"{name}.png"
    image = Image.new("RGB", (96, 96), (235, 235, 235))
    image.paste(colour, (24, 24, 72, 72))
    image.save(path)
    return path


def _make_video_of(page: Any, prompt: str, *, cameo: str | None = None) -> Video:
    """Create from the Create page, wait for the draft, publish it from the drafts page; the new video."""
    page.goto("/create/")
    page.get_by_label("What happens in the video").fill(prompt)
    if cameo:
        page.get_by_label(re.compile(f"@{cameo}")).check()
    page.get_by_role("button", name="Make the video").click()
    expect(page.get_by_role("link", name="watch it")).to_be_visible(timeout=EVENTUAL_MS)
    page.goto("/drafts/")
    page.get_by_role("button", name="Publish").first.click()
    return Video.objects.filter(prompt=prompt).latest("pk")


def test_a_character_cameo_from_creation_to_take_down(
    signed_in: Callable[..., Any], make_user: Callable[..., User], tmp_path: Path
) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    follow_create(follower=carol, followee=bob)
    owner = signed_in(alice)
    owner.goto("/cameos/new/")
    owner.get_by_label(re.compile("A character")).check()
    owner.get_by_label("Handle").fill("captain_whiskers")
    owner.get_by_label("Name", exact=True).fill("Captain Whiskers")
    owner.get_by_label("Who may use it").select_option("approved")
    owner.get_by_label("Pictures of it").set_input_files([str(_picture(tmp_path, "cat", (200, 120, 40)))])
    owner.get_by_role("button", name="Make the cameo").click()
    expect(owner.get_by_role("heading", name="Approved people")).to_be_visible()
    owner.get_by_label("Approve someone (their username)").fill("bob")
    owner.get_by_role("button", name="Approve", exact=True).click()
    expect(owner.locator("#approvals")).to_contain_text("@bob")
    screenshot(owner, "cameo-owner-phone")

    friend = signed_in(bob)
    video = _make_video_of(friend, "captain whiskers chases a ball", cameo="captain_whiskers")
    assert video.status == Video.Status.PUBLISHED
    follower = signed_in(carol)
    follower.goto("/")
    expect(follower.locator(f'[data-video-id="{video.pk}"]')).to_contain_text("@captain_whiskers")

    # The owner sees the appearance on the cameo's page and takes it down with one click.
    owner.reload()
    appearances = owner.locator("#appearances")
    expect(appearances).to_contain_text("@bob")
    appearances.get_by_role("button", name="Take down the video by @bob").click()
    expect(owner.locator("#appearances")).not_to_contain_text("Take down the video by @bob")
    video.refresh_from_db()
    assert video.status == Video.Status.REMOVED
    follower.reload()
    expect(follower.locator(f'[data-video-id="{video.pk}"]')).to_have_count(0)
    friend.goto("/notifications/")
    expect(friend.get_by_text("taken down at the request of the cameo's owner")).to_be_visible()


def test_remix_a_video_and_see_both_in_the_chain(
    signed_in: Callable[..., Any], make_user: Callable[..., User], make_video: Callable[..., Video]
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    follow_create(follower=bob, followee=alice)
    original = make_video(alice, caption="The original bounce")
    page = signed_in(bob)
    page.goto("/")
    page.locator(f'[data-video-id="{original.pk}"]').get_by_role("link", name="Remix").click()
    expect(page.get_by_text("Remixing")).to_contain_text("The original bounce")
    page.get_by_label("What happens in the video").fill("the same bounce, but in slow motion")
    page.get_by_role("button", name="Make the remix").click()
    expect(page.get_by_role("link", name="watch it")).to_be_visible(timeout=EVENTUAL_MS)
    page.get_by_role("link", name="watch it").click()
    chain = page.get_by_role("region", name="Remix chain")
    expect(chain).to_contain_text("The original bounce")
    remix = Video.objects.get(author=bob)
    assert remix.remix_of_id == original.pk
    page.goto("/drafts/")
    page.get_by_role("button", name="Publish").click()
    page.goto(f"/v/{original.pk}/")
    expect(page.get_by_role("region", name="Remixes")).to_contain_text("@bob")


def test_the_notification_badge_goes_up_live(
    signed_in: Callable[..., Any], make_user: Callable[..., User], make_video: Callable[..., Video]
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    video = make_video(alice, caption="Look at this")
    page = signed_in(alice)
    page.goto("/")
    badge = page.locator("#unread-badge")
    expect(badge).to_have_text("")
    liker = signed_in(bob)
    liker.goto(f"/v/{video.pk}/")
    liker.get_by_role("button", name=re.compile("^Like")).click()
    expect(badge).to_contain_text("1", timeout=EVENTUAL_MS)
    liker.goto("/u/alice/")
    liker.get_by_role("button", name="Follow").click()
    expect(badge).to_contain_text("2", timeout=EVENTUAL_MS)
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_text("bob liked your video.")).to_be_visible()


def test_a_moderator_removes_a_reported_video_and_the_author_appeals(
    signed_in: Callable[..., Any],
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    alice, bob, mod = make_user("alice"), make_user("bob"), make_user("mod_one")
    mod.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    video = make_video(alice, caption="Something reportable")
    reporter = signed_in(bob)
    reporter.goto(f"/v/{video.pk}/")
    reporter.get_by_role("link", name="Report this video").click()
    reporter.get_by_label(re.compile("harassment", re.I)).check()
    reporter.get_by_label("Anything moderators should know (optional)").fill("This breaks the rules.")
    reporter.get_by_role("button", name="Send report").click()
    expect(reporter.locator("main")).to_contain_text(re.compile("report", re.I))

    moderator = signed_in(mod)
    moderator.goto("/")
    moderator.get_by_role("link", name="Moderation").click()
    card = moderator.locator(".mod-card").filter(has_text="@alice").first
    expect(card).to_be_visible()
    card.get_by_role("button", name=re.compile("^Claim")).click()
    expect(moderator.locator(".mod-card").first).to_contain_text("(you)")
    review = moderator.locator(".mod-card").first.get_by_role("link", name=re.compile("Review|Open|Video by"))
    review.first.click()
    moderator.get_by_label("Why: Remove the video").fill("Breaks the rules on harassment.")
    moderator.get_by_role("button", name="Remove the video", exact=True).click()
    video.refresh_from_db()
    assert video.status == Video.Status.REMOVED

    # The author is told what was done and why, in words, and appeals from there.
    author = signed_in(alice)
    author.goto("/notifications/")
    expect(author.get_by_text("Your video was removed for harassment.")).to_be_visible()
    author.get_by_role("link", name="Appeal this decision").click()
    expect(author.locator("main")).to_contain_text("For harassment")
    author.get_by_label("Why was this decision wrong?").fill("It was a joke between friends.")
    author.get_by_role("button", name=re.compile("^Appeal")).click()
    appeals = author.get_by_role("region", name="Your appeals")
    expect(appeals).to_contain_text("It was a joke between friends.")

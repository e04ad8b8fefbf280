"""Every main page of the web client in Chromium, as a phone and as a desktop, in the light and the dark
colour scheme: axe-core finds no serious or critical accessibility violation, and a screenshot of each is
written (``tests/browser/conftest.py``: ``SCREENSHOTS``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group

from cameos.models import Cameo
from feed.models import Video
from feed.services import comment_create, like_create
from generation.models import GenerationJob
from moderation.services import report_create
from sora_social.accounts.models import User
from sora_social.accounts.selectors import MODERATORS_GROUP
from sora_social.accounts.services import follow_create
from tests.browser.conftest import DESKTOP, PHONE, axe_problems, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def _world(
    make_user: Callable[..., User], make_video: Callable[..., Video], make_cameo: Callable[..., Cameo]
) -> dict[str, Any]:
    """A small world with something on every page: follows, videos with credits, likes and comments, a
    remix, a draft, a cameo with an approval, a running job, notifications and a report in the queue."""
    alice, bob, mod = make_user("alice"), make_user("bob"), make_user("mod_one")
    mod.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)
    cameo = make_cameo(alice, handle="alice_the_cat", audience="everyone")
    videos = [
        make_video(bob, caption=f"Bob's clip {n}", cameo_owners=(alice,) if n % 2 else ()) for n in range(4)
    ]
    video = videos[-1]
    like_create(video=video, user=alice)
    comment_create(video=video, author=alice, text="Lovely bounce!")
    mine = make_video(alice, caption="Alice's bounce")
    like_create(video=mine, user=bob)
    comment_create(video=mine, author=bob, text="Nice one")
    make_video(alice, publish=False, prompt="a draft waiting to be published")
    job = GenerationJob.objects.create(
        user=alice,
        prompt="a red ball drops onto the floor and bounces twice",
        duration_seconds=2,
        aspect_ratio="portrait",
        seed=7,
        engine_config="demo",
        status=GenerationJob.Status.RUNNING,
        progress=40,
    )
    report_create(reporter=alice, target_type="video", target_id=video.pk, reason="spam", note="Posted twice")
    return {"alice": alice, "bob": bob, "mod": mod, "cameo": cameo, "video": video, "job": job}


def _pages(world: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Who looks at which pages: (name, path)."""
    video, cameo = world["video"], world["cameo"]
    return {
        "": [("sign-in", "/sign-in/"), ("sign-up", "/sign-up/")],
        "alice": [
            ("following", "/"),
            ("for-you", "/for-you/"),
            ("create", "/create/"),
            ("remix", f"/create/?remix_of={video.pk}"),
            ("job", f"/jobs/{world['job'].pk}/"),
            ("drafts", "/drafts/"),
            ("video", f"/v/{video.pk}/"),
            ("provenance", f"/v/{video.pk}/provenance/"),
            ("profile", "/u/bob/"),
            ("profile-edit", "/profile/edit/"),
            ("notifications", "/notifications/"),
            ("cameos", "/cameos/"),
            ("cameo-new", "/cameos/new/"),
            ("cameo", f"/cameos/{cameo.pk}/"),
            ("report", f"/report/video/{video.pk}/"),
            ("appeals", "/appeals/"),
        ],
        "mod": [
            ("moderation-queue", "/moderation/"),
            ("moderation-appeals", "/moderation/appeals/"),
            ("moderation-audit", "/moderation/audit/"),
        ],
    }


def test_every_page_passes_axe_in_both_schemes_and_sizes(
    new_context: Callable[..., Any],
    signed_in: Callable[..., Any],
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
    make_cameo: Callable[..., Cameo],
) -> None:
    world = _world(make_user, make_video, make_cameo)
    problems: list[str] = []
    looked = 0
    for who, pages in _pages(world).items():
        for size_name, viewport, scheme in (("phone", PHONE, "light"), ("desktop", DESKTOP, "dark")):
            args = {"viewport": viewport, "color_scheme": scheme}
            page = signed_in(world[who], **args) if who else new_context(**args).new_page()
            for name, path in pages:
                answer = page.goto(path)
                assert answer is not None and answer.status == 200, f"{path}: {answer and answer.status}"
                page.wait_for_load_state("networkidle")
                screenshot(page, f"{name}-{size_name}-{scheme}")
                problems += [f"{path} ({size_name}, {scheme}): {problem}" for problem in axe_problems(page)]
                looked += 1
            page.context.close()
    assert looked == 2 * sum(len(pages) for pages in _pages(world).values())
    assert not problems, "\n".join(problems)


def test_the_accessibility_check_catches_what_it_must(new_context: Callable[..., Any]) -> None:
    """The check above can fail: a picture without a text alternative and an unlabelled field are found."""
    page = new_context().new_page()
    page.set_content(
        '<!doctype html><html lang="en"><title>t</title><main><img src="data:,">'
        '<input type="text"></main></html>'
    )
    found = "\n".join(axe_problems(page))
    assert "image-alt" in found and "label" in found

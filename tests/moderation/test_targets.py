"""Each kind of target has one adapter, and what is only a video's (the admin's player) stays a video's."""

from __future__ import annotations

import pytest
from django.test import Client

from feed.services import comment_create
from moderation.models import TargetType
from moderation.targets import KINDS
from tests.moderation.conftest import item_for, report

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_target_type_has_one_adapter():
    assert sorted(KINDS) == sorted(TargetType.values)
    assert all(kind.type == target_type for target_type, kind in KINDS.items())


def test_the_admin_plays_only_videos(alice, bob, mod, as_carol, as_mod, make_video):
    video = make_video(alice)
    comment = comment_create(video=video, author=bob, text="nobody likes you")
    assert report(as_carol, "comment", comment.pk).status_code == 201
    item = item_for(as_mod, "comment", comment.pk)
    browser = Client()
    browser.force_login(mod)
    page = browser.get(f"/admin/moderation/reviewitem/{item['id']}/change/").content.decode()
    assert "<b>text</b>: nobody likes you" in page and "Watch the video" not in page
    assert browser.get(f"/admin/moderation/reviewitem/{item['id']}/video/").status_code == 404

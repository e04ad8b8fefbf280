"""Moderators and media: the queue links a reported video's files for the moderator, and those links keep
working after a removal that keeps the files for an appeal, while everyone else's links end at once. The
admin shows the video to moderators only."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from tests.helpers import assert_error
from tests.media import assert_serves
from tests.moderation.conftest import item_for, report, resolve

pytestmark = pytest.mark.django_db(transaction=True)


def browser_for(user):
    browser = Client()
    browser.force_login(user)
    return browser


def test_a_removed_video_stays_watchable_by_moderators_only(
    alice, as_bob, as_carol, as_mod, mod, make_user, make_video
):
    video = make_video(alice, caption="reported")
    carols = as_carol.get(f"/api/v1/videos/{video.pk}/").json()["media"]
    assert report(as_bob, "video", video.pk).status_code == 201
    item = item_for(as_mod, "video", video.pk)
    preview = item["target"]["preview"]
    assert_serves(preview["video_url"], video.video_file.name)

    assert resolve(as_mod, item["id"], "remove_content").status_code == 200

    for link in (carols["video_url"], carols["poster_url"]):
        assert_error(Client().get(link), 404, "media_not_found")
    assert_serves(preview["video_url"], video.video_file.name)
    assert_serves(preview["poster_url"], video.poster_file.name)

    watch = f"/admin/moderation/reviewitem/{item['id']}/video/"
    assert (
        watch in browser_for(mod).get(f"/admin/moderation/reviewitem/{item['id']}/change/").content.decode()
    )
    response = browser_for(mod).get(watch, headers={"Range": "bytes=0-7"})
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == default_storage.open(video.video_file.name).read()[:8]
    staff = make_user("helpdesk")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    assert_error(browser_for(staff).get(watch), 403, "permission_denied")
    assert browser_for(alice).get(watch).status_code == 302  # to the admin's log-in page

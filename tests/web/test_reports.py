"""Reporting from pages: the API's checks and moderation's service, with the refusals in words."""

from __future__ import annotations

import pytest

from feed.services import comment_create
from moderation.models import Report
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db


def test_a_video_is_reported_from_its_page(alice, bob, make_video, alice_browser):
    video = make_video(bob)
    page = html(alice_browser.get(f"/v/{video.pk}/"))
    assert f'href="/report/video/{video.pk}/">Report this video<' in page

    form = html(alice_browser.get(f"/report/video/{video.pk}/"))
    assert "<legend>What is wrong with it?</legend>" in form and 'value="likeness_misuse"' in form

    sent = alice_browser.post(f"/report/video/{video.pk}/", {"reason": "spam", "note": "ads everywhere"})
    assert "Thank you: your report was sent" in text_of(html(sent))
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.note) == (alice, "spam", "ads everywhere")
    assert report.item.target_id == video.pk

    again = alice_browser.post(f"/report/video/{video.pk}/", {"reason": "other"})
    assert "You have already reported this video" in text_of(html(again))
    assert Report.objects.count() == 1


def test_a_report_needs_a_reason_and_never_of_ones_own(alice, bob, make_video, alice_browser):
    video = make_video(bob)
    missing = alice_browser.post(f"/report/video/{video.pk}/", {"note": "hm"})
    assert missing.status_code == 400
    assert 'id="id_reason_error">This field is required.<' in html(missing)
    assert "hm</textarea>" in html(missing)

    mine = make_video(alice)
    assert f"/report/video/{mine.pk}/" not in html(alice_browser.get(f"/v/{mine.pk}/"))
    own = alice_browser.post(f"/report/video/{mine.pk}/", {"reason": "spam"})
    assert own.status_code == 400 and "You cannot report your own content." in text_of(html(own))
    assert not Report.objects.exists()


def test_comments_and_profiles_are_reported_too(alice, bob, make_video, alice_browser):
    comment = comment_create(video=make_video(alice), author=bob, text="rude")
    assert f'href="/report/comment/{comment.pk}/"' in html(alice_browser.get(f"/v/{comment.video_id}/"))
    alice_browser.post(f"/report/comment/{comment.pk}/", {"reason": "harassment"})
    assert 'href="/report/user/bob/">Report this profile<' in html(alice_browser.get("/u/bob/"))
    alice_browser.post("/report/user/bob/", {"reason": "spam"})
    assert sorted(Report.objects.values_list("item__target_type", flat=True)) == ["comment", "user"]


def test_what_one_may_not_see_cannot_be_reported(alice, bob, make_video, alice_browser):
    draft = make_video(bob, publish=False)
    response = alice_browser.post(f"/report/video/{draft.pk}/", {"reason": "spam"})
    assert response.status_code == 404 and "There is no such video." in text_of(html(response))
    assert alice_browser.get("/report/planet/1/").status_code == 404
    assert not Report.objects.exists()

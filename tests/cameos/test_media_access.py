"""The media of cameos: reference images for their owner only, links to videos that end when the cameo in
them is withdrawn or its owner takes the video down, and verification recordings that never have a link
(a moderator deciding a review watches the recording in the admin, and nobody else gets it)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from cameos.models import Cameo
from cameos.services import cameo_review_decide
from sora_social.accounts.selectors import MODERATORS_GROUP
from tests.cameos.conftest import cameo_url
from tests.helpers import assert_error
from tests.media import assert_refused, assert_serves

pytestmark = pytest.mark.django_db


def video_links(client, video):
    response = client.get(f"/api/v1/videos/{video.pk}/")
    assert response.status_code == 200, response.content[:500]
    return [response.json()["media"]["video_url"], response.json()["media"]["poster_url"]]


@pytest.fixture
def moderator(make_user):
    user = make_user("moderator1")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


def browser_for(user):
    browser = Client()
    browser.force_login(user)
    return browser


def test_reference_images_are_for_their_owner_until_the_cameo_is_deleted(
    as_alice, as_bob, alice, make_cameo, django_capture_on_commit_callbacks
):
    cameo = make_cameo(alice, audience="everyone", images=2)
    images = as_alice.get(cameo_url(cameo)).json()["reference_images"]
    names = list(cameo.reference_images.order_by("id").values_list("image", flat=True))
    for image, name in zip(images, names, strict=True):
        assert_serves(image["url"], name)
    # Bob may put the cameo in a video; he is shown no image of it.
    assert "reference_images" not in as_bob.get(cameo_url(cameo)).json()

    with django_capture_on_commit_callbacks(execute=True):
        assert as_alice.delete(cameo_url(cameo)).status_code == 204
    for image in images:
        assert_refused(image["url"])


def test_a_withdrawn_cameo_ends_other_readers_links_and_the_author_keeps_theirs(
    as_alice, as_bob, as_carol, alice, bob, make_cameo, make_draft
):
    """alice's cameo in bob's video, watched by carol; alice narrows its audience to herself."""
    cameo = make_cameo(alice, audience="everyone")
    video = make_draft(bob, cameo, publish=True)
    carols, authors = video_links(as_carol, video), video_links(as_bob, video)
    owners_poster = as_alice.get(cameo_url(cameo, "appearances")).json()["results"][0]["poster_url"]
    assert_serves(carols[0], video.video_file.name)

    assert as_alice.patch(cameo_url(cameo), {"audience": "only_me"}).status_code == 200

    for link in carols:
        assert_refused(link)
    assert_error(as_carol.get(f"/api/v1/videos/{video.pk}/"), 404, "video_not_found")
    assert_serves(authors[0], video.video_file.name)  # the author still sees their own video
    assert_serves(owners_poster, video.poster_file.name)  # and the cameo's owner its appearance


def test_the_cameo_owner_taking_a_video_down_ends_every_link(
    as_alice, as_bob, as_carol, alice, bob, make_cameo, make_draft
):
    cameo = make_cameo(alice, audience="everyone")
    video = make_draft(bob, cameo, publish=True)
    links = video_links(as_bob, video) + video_links(as_carol, video) + video_links(as_alice, video)

    response = as_alice.delete(cameo_url(cameo, f"appearances/{video.pk}"))

    assert response.status_code == 204
    for link in links:
        assert_refused(link)


@pytest.fixture
def in_review(alice, make_cameo):
    """A `self` cameo waiting for a moderator, with the recording its check kept."""
    cameo = make_cameo(alice, kind="self", status="in_review")
    name = default_storage.save(
        f"cameo_recordings/{alice.pk}/{cameo.pk}/take.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42 take")
    )
    Cameo.objects.filter(pk=cameo.pk).update(verification_recording=name)
    cameo.refresh_from_db()
    return cameo


def test_a_verification_recording_has_no_link_for_anyone(as_alice, as_bob, alice, in_review, moderator):
    name = in_review.verification_recording
    own = as_alice.get(cameo_url(in_review)).json()
    assert "cameo_recordings" not in json.dumps(own)
    # Not through the media folder, with or without another file's valid query.
    image_query = own["reference_images"][0]["url"].split("?", 1)[1]
    for client in (Client(), as_alice, as_bob, browser_for(moderator)):
        assert_error(client.get(f"/media/{name}"), 404, "media_not_found")
        assert_error(client.get(f"/media/{name}?{image_query}"), 404, "media_not_found")


def test_the_moderator_deciding_a_review_watches_the_recording_in_the_admin(
    alice, make_user, in_review, moderator, django_capture_on_commit_callbacks
):
    page = f"/admin/cameos/cameo/{in_review.pk}/change/"
    recording = f"/admin/cameos/cameo/{in_review.pk}/recording/"
    assert recording in browser_for(moderator).get(page).content.decode()

    response = browser_for(moderator).get(recording)
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content) == default_storage.open(in_review.verification_recording).read()
    )
    assert "no-store" in response["Cache-Control"]

    # Not the owner, not another member of staff, not anyone without a session.
    assert browser_for(alice).get(recording).status_code == 302  # to the admin's log-in page
    staff = make_user("helpdesk")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    assert_error(browser_for(staff).get(recording), 403, "permission_denied")
    assert Client().get(recording).status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        cameo_review_decide(cameo=in_review, moderator=moderator, approve=True)
    assert_error(browser_for(moderator).get(recording), 404, "not_found")


def test_the_admin_shows_reference_images_to_moderators_only(alice, make_user, in_review, moderator):
    image = in_review.reference_images.get()
    url = f"/admin/cameos/cameo/{in_review.pk}/reference/{image.pk}/"
    assert url in browser_for(moderator).get(f"/admin/cameos/cameo/{in_review.pk}/change/").content.decode()

    response = browser_for(moderator).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == default_storage.open(image.image.name).read()
    staff = make_user("helpdesk")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    assert_error(browser_for(staff).get(url), 403, "permission_denied")
    assert_error(
        browser_for(moderator).get(f"/admin/cameos/cameo/{in_review.pk}/reference/1/"), 404, "not_found"
    )

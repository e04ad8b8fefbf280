"""The cameo owner's control room as pages: the list, creating a cameo, a cameo's page for its owner, for
someone it lets use it and for a stranger, its settings, approvals, appearances with their take-down, the
consent record and a self cameo's verification, through cameos' selectors and services."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cameos.models import Approval, Cameo, ConsentRecord, VerificationChallenge
from feed.models import FeaturedCameo, Video
from sora_social.accounts.services import follow_create
from sora_social.core.limits import body_limit
from tests.cameos.conftest import media_files, references, upload
from tests.cameos.recordings import not_a_video, webm_recording_of
from tests.web.pages import csrf_token, html, needs_node, node_test, text_of

pytestmark = pytest.mark.django_db

HERE = Path(__file__).resolve().parent


def test_the_navigation_leads_to_ones_cameos_and_those_others_let_one_use(
    alice, bob, carol, make_cameo, alice_browser
):
    make_cameo(alice, kind="self", handle="alice_me", audience="approved")
    make_cameo(alice, handle="alice_cat", audience="mutuals")
    make_cameo(bob, handle="bob_robot", audience="everyone")
    make_cameo(carol, handle="carol_secret", audience="only_me")

    page = html(alice_browser.get("/cameos/"))
    assert '<a href="/cameos/" aria-current="page">Cameos</a>' in page
    mine, others = text_of(page).split("Cameos others let you use")
    assert "@alice_me alice's cameo Kind You (a likeness) Who may use it People you approve" in mine
    assert "State Waiting for verification" in mine
    assert "@alice_cat alice's cameo Kind A character Who may use it Mutuals" in mine and "Active" in mine
    assert "@bob_robot" in others and "A character of @bob" in others
    assert "carol_secret" not in page and "bob_robot" not in mine
    assert 'href="/cameos/new/"' in page


def test_a_character_cameo_is_created_with_its_pictures(alice, alice_browser):
    form = html(alice_browser.get("/cameos/new/"))
    assert (
        'enctype="multipart/form-data"' in form and 'name="reference_images"' in form and "multiple" in form
    )
    assert "1 to 5 JPEG, PNG or WebP images" in form and "3 to 30 characters." in form

    sent = {
        "kind": "character",
        "handle": "rex_the_dog",
        "display_name": "Rex",
        "audience": "everyone",
        "preferences": "always wagging",
        "reference_images": references(0, count=2),
    }
    response = alice_browser.post("/cameos/new/", sent)
    cameo = Cameo.objects.get(handle="rex_the_dog")
    assert response.status_code == 302 and response["Location"] == f"/cameos/{cameo.pk}/"
    assert (cameo.owner, cameo.kind, cameo.status, cameo.audience) == (
        alice,
        "character",
        "active",
        "everyone",
    )
    assert cameo.preferences == "always wagging" and cameo.reference_images.count() == 2

    page = html(alice_browser.get(f"/cameos/{cameo.pk}/"))
    assert len(re.findall(r'<img src="http://testserver/media/cameos/[^"]+signature=', page)) == 2
    assert "always wagging</textarea>" in page
    assert "Create @alice" in text_of(page), "the consent record shows its creation"


@pytest.mark.parametrize(
    ("sent", "field", "message", "status"),
    [
        ({"handle": "x"}, "handle", "Use 3 to 30 characters.", 400),
        ({"handle": "bad handle!"}, "handle", "Use letters, digits and underscores only", 400),
        ({"kind": "ghost"}, "kind", "is not a valid choice.", 400),
        ({"display_name": ""}, "display_name", "This field may not be blank.", 400),
        ({"images": "none"}, "reference_images", "This field is required.", 400),
        ({"images": "one_bad"}, "reference_images", "Image 2: Not a JPEG, PNG or WebP image.", 415),
        ({"images": "six"}, "reference_images", "no more than 5 elements.", 400),
    ],
)
def test_a_refused_cameo_shows_why_at_its_field_and_leaves_no_row_and_no_file(
    alice, alice_browser, sent, field, message, status
):
    images = {
        "none": [],
        "one_bad": [*references(0, count=1), upload(b"just words", "b.png", "image/png")],
        "six": references(0, count=6),
    }
    form = {"kind": "character", "handle": "good_handle", "display_name": "Good", "audience": "approved"}
    form |= sent
    form["reference_images"] = images[form.pop("images")] if "images" in form else references(0, count=1)
    before = media_files()

    response = alice_browser.post("/cameos/new/", form)

    assert response.status_code == status
    page = html(response)
    error = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', page)
    assert error and message in error[1], page[-3000:]
    assert not Cameo.objects.exists() and not ConsentRecord.objects.exists()
    assert media_files() == before
    if field != "display_name":
        assert 'value="Good"' in page, "what was sent is shown again"
    assert '<option value="approved" selected>' in page


def test_a_taken_handle_is_refused_at_its_field(alice, bob, make_cameo, alice_browser):
    make_cameo(bob, handle="famous")
    sent = {"kind": "character", "handle": "FAMOUS", "display_name": "F", "reference_images": references()}
    page = html(alice_browser.post("/cameos/new/", sent))
    assert 'id="id_handle_error">This handle is taken.<' in page
    assert Cameo.objects.filter(owner=alice).count() == 0


def test_the_owner_sees_everything_someone_it_admits_only_what_the_api_shows_them_a_stranger_nothing(
    alice, bob, carol, make_cameo, make_draft, alice_browser, bob_browser, page_client
):
    cameo = make_cameo(alice, handle="alice_cat", audience="approved")
    Cameo.objects.filter(pk=cameo.pk).update(preferences="never in the rain")
    Approval.objects.create(cameo=cameo, user=bob)
    draft = make_draft(bob, cameo)
    url = f"/cameos/{cameo.pk}/"

    owner = text_of(html(alice_browser.get(url)))
    assert "@alice_cat" in owner and "Who may use it People you approve" in owner
    assert "Only these people may use it. @bob Remove" in owner
    assert "a cameo by @bob · Draft" in owner, "other people's drafts are among its appearances"
    assert "Consent record" in owner and "Appearance @bob @alice" in owner

    admitted = html(bob_browser.get(url))
    shown = text_of(admitted)
    assert "@alice_cat" in shown and "lets you put this cameo in your videos" in shown
    for private in (
        "never in the rain",
        "Consent record",
        "Approved people",
        "Where it appears",
        "Take down",
    ):
        assert private not in shown
    assert "/media/cameos/" not in admitted

    stranger = page_client(carol).get(url)
    assert stranger.status_code == 404
    assert "alice_cat" not in html(stranger) and "There is no such cameo." in text_of(html(stranger))

    # Owner-only forms: 403 for someone the cameo admits, 404 for a stranger, as in the API.
    take_down = f"{url}appearances/{draft.pk}/take-down/"
    assert bob_browser.post(take_down).status_code == 403
    assert page_client(carol).post(take_down).status_code == 404
    assert bob_browser.post(url, {"audience": "everyone"}).status_code == 403
    assert page_client(carol).post(f"{url}approvals/", {"username": "carol"}).status_code == 404
    assert bob_browser.post(f"{url}approvals/bob/remove/").status_code == 403
    cameo.refresh_from_db()
    assert cameo.audience == "approved" and Approval.objects.filter(cameo=cameo, user=bob).exists()
    assert Video.objects.get(pk=draft.pk).status == "draft"


def test_the_owner_changes_the_audience_and_preferences(alice, make_cameo, alice_browser):
    cameo = make_cameo(alice, audience="everyone")
    url = f"/cameos/{cameo.pk}/"
    sent = {"display_name": "Kitty", "audience": "mutuals", "preferences": " red hat always "}
    assert alice_browser.post(url, sent).status_code == 302
    cameo.refresh_from_db()
    assert (cameo.display_name, cameo.audience, cameo.preferences) == ("Kitty", "mutuals", "red hat always")
    page = text_of(html(alice_browser.get(url)))
    assert "Audience Change: everyone → mutuals" in page and "Preferences Change @alice" in page

    refused = alice_browser.post(
        url, {"display_name": "Kitty", "audience": "aliens", "preferences": "x" * 501}
    )
    assert refused.status_code == 400
    markup = html(refused)
    assert re.search(r'id="id_audience_error">[^<]*is not a valid choice', markup)
    assert 'id="id_preferences_error">Ensure this field has no more than 500 characters.<' in markup
    cameo.refresh_from_db()
    assert cameo.audience == "mutuals" and cameo.preferences == "red hat always"


def test_the_owner_approves_and_removes_people(alice, bob, make_cameo, make_draft, alice_browser):
    cameo = make_cameo(alice, audience="approved")
    url = f"/cameos/{cameo.pk}/"

    response = alice_browser.post(f"{url}approvals/", {"username": "bob"})
    assert response.status_code == 302 and response["Location"] == f"{url}#approvals"
    assert Approval.objects.filter(cameo=cameo, user=bob).exists()
    assert "Only these people may use it. @bob Remove" in text_of(html(alice_browser.get(url)))

    unknown = alice_browser.post(f"{url}approvals/", {"username": "nobody_here"})
    assert unknown.status_code == 400
    assert re.search(r'<div class="form-errors" role="alert"><p>[^<]*nobody_here', html(unknown))
    assert 'value="nobody_here"' in html(unknown)
    myself = html(alice_browser.post(f"{url}approvals/", {"username": "alice"}))
    assert "You can always use your own cameo." in myself

    draft = make_draft(bob, cameo)
    assert alice_browser.post(f"{url}approvals/bob/remove/").status_code == 302
    assert not Approval.objects.filter(cameo=cameo).exists()
    assert FeaturedCameo.objects.get(video=draft).withdrawn_at is not None, "what it admitted is withdrawn"
    page = text_of(html(alice_browser.get(url)))
    assert "Nobody yet." in page and "hidden: consent withdrawn" in page and "Revoke @alice @bob" in page


def test_a_take_down_hides_the_video_from_the_friends_feed(
    alice, bob, carol, make_cameo, make_draft, alice_browser, bob_browser, page_client
):
    cameo = make_cameo(alice, audience="everyone")
    follow_create(follower=carol, followee=bob)
    video = make_draft(bob, cameo, publish=True)
    carol_browser = page_client(carol)
    assert f'data-video-id="{video.pk}"' in html(carol_browser.get("/"))
    owner = html(alice_browser.get(f"/cameos/{cameo.pk}/"))
    assert f'action="/cameos/{cameo.pk}/appearances/{video.pk}/take-down/"' in owner
    assert "by @bob · Published" in text_of(owner)

    response = alice_browser.post(f"/cameos/{cameo.pk}/appearances/{video.pk}/take-down/")

    assert response.status_code == 302 and response["Location"] == f"/cameos/{cameo.pk}/#appearances"
    assert Video.objects.get(pk=video.pk).status == "removed"
    assert f'data-video-id="{video.pk}"' not in html(carol_browser.get("/"))
    assert f'data-video-id="{video.pk}"' not in html(bob_browser.get("/u/bob/"))
    after = text_of(html(alice_browser.get(f"/cameos/{cameo.pk}/")))
    assert "by @bob · Taken down" in after and "Takedown (owner_request) @alice @bob" in after
    assert bob.notifications.filter(kind="cameo_removed").exists()


def test_a_self_cameo_is_verified_from_its_page_with_a_webm_recording(alice, make_cameo, alice_browser):
    cameo = make_cameo(alice, kind="self", seed=0, images=3)
    url = f"/cameos/{cameo.pk}/"
    page = html(alice_browser.get(url))
    assert "Get a challenge" in page and 'name="recording"' not in page

    assert alice_browser.post(f"{url}challenge/").status_code == 302
    challenge = VerificationChallenge.objects.get(cameo=cameo)
    page = html(alice_browser.get(url))
    assert challenge.phrase in page and ", then ".join(challenge.head_turns) in page
    recorder = re.search(r'<input id="id_recording"[^>]*>', page)
    assert recorder and 'type="file"' in recorder[0] and 'accept="video/*"' in recorder[0]
    assert "capture=" in recorder[0]
    assert f'name="challenge_id" value="{challenge.pk}"' in page
    assert '<div class="recorder" data-recorder hidden>' in page, "shown by the module where it can record"
    assert '<script type="module" src="/static/web/recorder.js"></script>' in page

    not_video = upload(not_a_video(), "take.webm", "video/webm")
    refused = alice_browser.post(
        f"{url}verification/", {"challenge_id": challenge.pk, "recording": not_video}
    )
    assert refused.status_code == 400
    assert 'id="id_recording_error">Not an MP4, MOV or WebM video.<' in html(refused)
    challenge.refresh_from_db()
    assert challenge.used_at is None and Cameo.objects.get(pk=cameo.pk).status == "pending_verification"

    take = upload(webm_recording_of(0), "take.webm", "video/webm")
    response = alice_browser.post(f"{url}verification/", {"challenge_id": challenge.pk, "recording": take})
    assert response.status_code == 302
    assert Cameo.objects.get(pk=cameo.pk).status == "active"
    shown = text_of(html(alice_browser.get(url)))
    assert (
        "State Active" in shown
        and "Verification (ok): pass @alice" in shown
        and "Get a challenge" not in shown
    )


def test_a_failed_verification_says_why_on_the_page(alice, make_cameo, alice_browser):
    cameo = make_cameo(alice, kind="self", seed=0, images=3)
    url = f"/cameos/{cameo.pk}/"
    alice_browser.post(f"{url}challenge/")
    challenge = VerificationChallenge.objects.get(cameo=cameo)
    take = upload(webm_recording_of(1), "take.webm", "video/webm")  # someone else
    refused = alice_browser.post(f"{url}verification/", {"challenge_id": challenge.pk, "recording": take})
    assert refused.status_code == 400
    assert re.search(r'<div class="form-errors" role="alert"><p>Verification failed: ', html(refused))
    assert "Get a challenge" in text_of(html(refused)), "the spent challenge gives way to a new one"


def test_the_forms_refuse_a_post_without_the_csrf_token(alice, bob, make_cameo, make_draft):
    cameo = make_cameo(alice, audience="everyone")
    video = make_draft(bob, cameo)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    url = f"/cameos/{cameo.pk}/appearances/{video.pk}/take-down/"
    refused = browser.post(url)
    assert refused.status_code == 403 and "This form has expired" in text_of(html(refused))
    assert browser.post(f"/cameos/{cameo.pk}/approvals/", {"username": "bob"}).status_code == 403
    assert Video.objects.get(pk=video.pk).status == "draft" and not Approval.objects.exists()

    token = csrf_token(html(browser.get(f"/cameos/{cameo.pk}/")))
    assert browser.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Video.objects.get(pk=video.pk).status == "removed"


def test_the_upload_forms_take_as_large_a_body_as_the_api():
    assert body_limit("/cameos/new/") == body_limit("/api/v1/cameos/") > body_limit("/cameos/")
    assert body_limit("/cameos/1/verification/") == body_limit("/api/v1/cameos/1/verification/")
    assert body_limit("/cameos/1/approvals/") == body_limit("/")


@needs_node
def test_the_recorder_module_puts_a_webm_take_into_the_file_input() -> None:
    node_test(HERE / "recorder_module.test.mjs")


def test_a_cameos_page_costs_the_same_queries_for_many_appearances_as_for_few(
    alice, bob, carol, make_cameo, make_draft, alice_browser
):
    cameo = make_cameo(alice, audience="everyone", images=2)
    Approval.objects.create(cameo=cameo, user=bob)
    make_draft(bob, cameo)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_browser.get(f"/cameos/{cameo.pk}/").status_code == 200
        return len(captured)

    few = queries()
    Approval.objects.create(cameo=cameo, user=carol)
    for author in (bob, carol, bob, carol, bob):
        make_draft(author, cameo, publish=author == bob)
    assert queries() == few


def test_the_owner_deletes_a_cameo_after_a_page_that_says_what_it_does(
    alice, bob, make_cameo, make_draft, alice_browser, django_capture_on_commit_callbacks
):
    cameo = make_cameo(alice, handle="alice_cat", audience="everyone", images=2)
    published = make_draft(alice, cameo, publish=True)
    bobs_draft = make_draft(bob, cameo)
    pictures = {image.image.name for image in cameo.reference_images.all()}
    assert len(pictures) == 2 and pictures <= media_files()

    owner_page = html(alice_browser.get(f"/cameos/{cameo.pk}/"))
    assert f'<a href="/cameos/{cameo.pk}/delete/">Delete @alice_cat…</a>' in owner_page

    confirm = text_of(html(alice_browser.get(f"/cameos/{cameo.pk}/delete/")))
    assert "Delete @alice_cat? Deleting a cameo cannot be undone." in confirm
    assert (
        "The 2 videos with it, whoever made them (1 published, 1 draft), are taken down everywhere, "
        "and their authors are told."
    ) in confirm
    assert "Its handle @alice_cat becomes free for anyone to take." in confirm
    assert "Its consent record is kept" in confirm
    assert Cameo.objects.get(pk=cameo.pk).status == "active", "asking is not deleting"

    with django_capture_on_commit_callbacks(execute=True):  # the purge of its files
        response = alice_browser.post(f"/cameos/{cameo.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/cameos/"
    listing = text_of(html(alice_browser.get("/cameos/")))
    assert "@alice_cat is deleted. The 2 videos with it are taken down." in listing
    assert "You have no cameos yet." in listing

    assert Cameo.objects.get(pk=cameo.pk).status == "deleted"
    assert {Video.objects.get(pk=v.pk).status for v in (published, bobs_draft)} == {"removed"}
    assert bob.notifications.filter(kind="cameo_removed", video=bobs_draft).exists()
    assert not pictures & media_files(), "its pictures are purged"
    assert ConsentRecord.objects.filter(cameo_id=cameo.pk, action="deletion").exists()
    assert alice_browser.get(f"/cameos/{cameo.pk}/").status_code == 404
    assert alice_browser.post(f"/cameos/{cameo.pk}/delete/").status_code == 404


def test_a_cameo_in_no_video_says_so_before_it_is_deleted(alice, make_cameo, alice_browser):
    cameo = make_cameo(alice, kind="self")
    confirm = text_of(html(alice_browser.get(f"/cameos/{cameo.pk}/delete/")))
    assert "It is in no video that is still up, so no video is taken down." in confirm
    assert "Its pictures and your verification recording are deleted." in confirm
    alice_browser.post(f"/cameos/{cameo.pk}/delete/")
    assert "@" + cameo.handle + " is deleted." in text_of(html(alice_browser.get("/cameos/")))


def test_only_the_owner_may_delete_a_cameo(
    alice, bob, carol, make_cameo, make_draft, bob_browser, page_client
):
    cameo = make_cameo(alice, audience="everyone")
    video = make_draft(bob, cameo)
    url = f"/cameos/{cameo.pk}/delete/"
    # Someone it lets use it is refused (403), a stranger and a wrong id find nothing (404), as in the API.
    assert bob_browser.get(url).status_code == 403 and bob_browser.post(url).status_code == 403
    assert "Delete this cameo" not in text_of(html(bob_browser.get(f"/cameos/{cameo.pk}/")))
    private = make_cameo(alice, audience="only_me")
    assert page_client(carol).post(f"/cameos/{private.pk}/delete/").status_code == 404
    missing = page_client(alice).get("/cameos/123/delete/")
    assert missing.status_code == 404 and "There is no such cameo." in text_of(html(missing))
    signed_out = Client().post(url)
    assert signed_out.status_code == 302 and signed_out["Location"].startswith("/sign-in/")
    without_token = Client(enforce_csrf_checks=True)
    without_token.force_login(alice)
    assert without_token.post(url).status_code == 403
    assert {c.status for c in Cameo.objects.all()} == {"active"}
    assert Video.objects.get(pk=video.pk).status == "draft"

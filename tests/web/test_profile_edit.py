"""Editing one's profile on a page: the API's checks, then accounts' user_profile_update."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sora_social.core.limits import body_limit
from tests.accounts.test_profile import image_file
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db


def test_name_and_bio_are_saved_and_shown(alice, alice_browser):
    page = html(alice_browser.get("/profile/edit/"))
    assert '<label for="id_display_name">Name</label>' in page and "Up to 50 characters" in page
    assert 'enctype="multipart/form-data"' in page
    response = alice_browser.post("/profile/edit/", {"display_name": " Alice A. ", "bio": "I film birds."})
    assert response.status_code == 302 and response["Location"] == "/u/alice/"
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio) == ("Alice A.", "I film birds.")
    assert "Alice A. @alice" in text_of(html(alice_browser.get("/u/alice/")))


def test_a_refusal_is_shown_next_to_its_field_and_nothing_is_saved(alice, alice_browser):
    too_long = alice_browser.post("/profile/edit/", {"display_name": "x" * 51, "bio": "kept?"})
    assert too_long.status_code == 400
    page = html(too_long)
    assert 'id="id_display_name_error">Ensure this field has no more than 50 characters.<' in page
    assert "kept?</textarea>" in page

    not_an_image = SimpleUploadedFile("a.png", b"plain text", content_type="image/png")
    sent = {"display_name": "", "bio": "", "avatar": not_an_image}
    refused = html(alice_browser.post("/profile/edit/", sent))
    assert 'id="id_avatar_error">Not a JPEG, PNG or WebP image.<' in refused
    alice.refresh_from_db()
    assert alice.display_name == "" and not alice.avatar


def test_an_avatar_is_uploaded_shown_with_a_signed_link_and_removed(alice, alice_browser):
    alice_browser.post("/profile/edit/", {"display_name": "", "bio": "", "avatar": image_file()})
    alice.refresh_from_db()
    assert alice.avatar
    profile = html(alice_browser.get("/u/alice/"))
    assert 'src="http://testserver/media/avatars/' in profile and "signature=" in profile

    alice_browser.post("/profile/edit/", {"display_name": "", "bio": "", "remove_avatar": "on"})
    alice.refresh_from_db()
    assert not alice.avatar


def test_the_form_takes_as_large_an_avatar_as_the_api(settings):
    assert body_limit("/profile/edit/") == body_limit("/api/v1/me/") > body_limit("/u/alice/")

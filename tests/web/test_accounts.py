"""Signing up, in and out on pages: the API's checks and the services' words, shown next to the field."""

from __future__ import annotations

import pytest
from django.test import Client

from sora_social.accounts.models import User
from sora_social.accounts.services import user_deactivate
from tests.conftest import PASSWORD
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db


def field_error(markup: str, name: str) -> str:
    """The message shown under the field ``name``, which the field points to with aria-describedby."""
    assert 'aria-describedby="' in markup
    start = markup.index(f'id="id_{name}_error"')
    return text_of(markup[markup.index(">", start) + 1 : markup.index("</p>", start)])


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back_after(alice):
    browser = Client()
    response = browser.get("/for-you/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/for-you/"

    page = html(browser.get(response["Location"]))
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert 'name="next" value="/for-you/"' in page

    signed_in = browser.post("/sign-in/", {"username": "ALICE", "password": PASSWORD, "next": "/for-you/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/for-you/"
    assert browser.get("/for-you/").status_code == 200


def test_signing_in_never_sends_you_off_the_site(alice):
    response = Client().post(
        "/sign-in/", {"username": "alice", "password": PASSWORD, "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == "/"


def test_a_wrong_password_is_said_in_words_and_the_username_kept(alice):
    response = Client().post("/sign-in/", {"username": "alice", "password": "not-it"})
    assert response.status_code == 400
    page = html(response)
    assert 'role="alert"' in page
    assert "The username or password is not right." in text_of(page)
    assert 'value="alice"' in page
    assert "not-it" not in page


def test_a_missing_field_is_named_next_to_it():
    page = html(Client().post("/sign-in/", {"username": "alice"}))
    assert field_error(page, "password") == "This field is required."
    assert 'aria-invalid="true"' in page


def test_a_suspended_account_is_told_so(alice):
    user_deactivate(user=alice)
    page = html(Client().post("/sign-in/", {"username": "alice", "password": PASSWORD}))
    assert "This account is suspended." in text_of(page)


def test_sign_up_shows_the_services_refusals_next_to_each_field(alice):
    browser = Client()
    page = html(browser.get("/sign-up/"))
    assert "3 to 30 characters." in text_of(page)

    taken = html(browser.post("/sign-up/", {"username": "Alice", "password": "another-good-passphrase"}))
    assert field_error(taken, "username") == "This username is taken."

    weak = html(browser.post("/sign-up/", {"username": "newcomer", "password": "password"}))
    assert "This password is too common." in field_error(weak, "password")
    assert 'value="newcomer"' in weak

    young = html(
        browser.post(
            "/sign-up/",
            {"username": "newcomer", "password": "another-good-passphrase", "birth_date": "2024-01-01"},
        )
    )
    assert field_error(young, "birth_date") == "You must be at least 13 to use this app."

    bad_name = html(browser.post("/sign-up/", {"username": "a b", "password": "another-good-passphrase"}))
    assert field_error(bad_name, "username").startswith("Use letters, digits and underscores only")
    assert not User.objects.filter(username="newcomer").exists()


def test_signing_up_signs_you_in():
    browser = Client()
    response = browser.post(
        "/sign-up/",
        {"username": "newcomer", "password": "another-good-passphrase", "email": "", "birth_date": ""},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert User.objects.get(username="newcomer").email == ""
    assert 'href="/u/newcomer/"' in html(browser.get("/")), "signed in: the navigation links to their profile"


def test_sign_out_takes_a_post_and_ends_the_session(alice_browser):
    assert alice_browser.get("/sign-out/").status_code == 405
    response = alice_browser.post("/sign-out/")
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert alice_browser.get("/").status_code == 302


def test_sign_in_is_rate_limited_with_the_apis_budget(alice, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "auth": "2/min",
    }
    browser = Client()
    for _ in range(2):
        assert browser.post("/sign-in/", {"username": "alice", "password": "wrong"}).status_code == 400
    page = html(browser.post("/sign-in/", {"username": "alice", "password": PASSWORD}))
    assert "Too many attempts from here. Try again in" in text_of(page)
    assert browser.get("/").status_code == 302, "not signed in"

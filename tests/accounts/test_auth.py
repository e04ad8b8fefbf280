from datetime import date, timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from sora_social.accounts.models import AuthToken, User
from tests.conftest import PASSWORD
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"


def register(client, **data):
    return client.post(REGISTER, {"password": PASSWORD, **data}, format="json")


def test_register_returns_the_user_and_a_working_token(anon):
    response = register(anon, username="Zoe_1", email="zoe@example.com", birth_date="2000-02-29")
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "Zoe_1"
    assert body["user"]["email"] == "zoe@example.com"
    assert body["user"]["follower_count"] == 0
    assert isinstance(body["user"]["id"], str) and int(body["user"]["id"]) > 0
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get("/api/v1/me/").json()["username"] == "Zoe_1"
    assert not AuthToken.objects.filter(digest=body["token"]).exists(), "the key itself is never stored"


def test_usernames_are_unique_without_regard_to_case(anon, alice):
    body = assert_error(register(anon, username="ALICE"), 400, "username_taken")
    assert "username" in body["fields"]


@pytest.mark.parametrize(
    "username",
    ["ab", "a" * 31, "has space", "dash-ed", "_leading", "trailing_", "émile", "admin", "Me", "x" * 151],
)
def test_bad_usernames_are_refused(anon, username):
    body = register(anon, username=username).json()
    assert body["code"] in {"invalid", "username_taken"}
    assert "username" in body["fields"]
    assert not User.objects.filter(username__iexact=username).exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "username"),
        ({"username": "fine_name", "password": None}, "password"),
        ({"username": ["a", "list"]}, "username"),
        ({"username": {"a": 1}}, "username"),
        ({"username": "fine_name", "email": "not-an-email"}, "email"),
        ({"username": "fine_name", "birth_date": "yesterday"}, "birth_date"),
        ({"username": "fine_name", "birth_date": 19990101}, "birth_date"),
        ({"username": "fine_name", "is_staff": True}, "is_staff"),
    ],
)
def test_missing_and_wrong_typed_fields(anon, data, field):
    body = assert_error(register(anon, **data), 400, "invalid")
    assert field in body["fields"]
    assert User.objects.count() == 0


@pytest.mark.parametrize("password", ["password", "12345678901", "short", "fine_name_1"])
def test_weak_passwords_are_refused(anon, password):
    response = anon.post(REGISTER, {"username": "fine_name_1", "password": password}, format="json")
    body = assert_error(response, 400, "invalid")
    assert body["fields"]["password"]
    assert User.objects.count() == 0


def test_email_must_be_unused(anon, make_user):
    make_user("first", email="Same@Example.com")
    assert_error(register(anon, username="second", email="same@example.com"), 400, "email_taken")


def test_birth_date_rules(anon):
    today = date.today()
    assert_error(register(anon, username="future", birth_date=str(today + timedelta(days=1))), 400, "invalid")
    twelve = today.replace(year=today.year - 12)
    assert_error(register(anon, username="young", birth_date=str(twelve)), 400, "too_young")
    assert register(anon, username="oldenough", birth_date="1990-05-01").status_code == 201


def test_token_login_is_case_insensitive_and_issues_a_new_token(anon, alice):
    response = anon.post(TOKEN, {"username": "ALICE", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "alice"
    assert AuthToken.objects.filter(user=alice).count() == 1


@pytest.mark.parametrize("username, password", [("alice", "wrong-password"), ("nobody", PASSWORD)])
def test_bad_credentials(anon, alice, username, password):
    response = anon.post(TOKEN, {"username": username, "password": password}, format="json")
    assert_error(response, 400, "invalid_credentials")


def test_deactivated_user_cannot_sign_in_or_use_tokens(anon, alice, as_alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    # The right password learns that the account is suspended (and how to appeal); a wrong one learns nothing.
    assert_error(
        anon.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json"),
        403,
        "account_suspended",
    )
    assert_error(
        anon.post(TOKEN, {"username": "alice", "password": "wrong-password"}, format="json"),
        400,
        "invalid_credentials",
    )
    assert_error(as_alice.get("/api/v1/me/"), 401, "authentication_failed")


def test_revoking_a_token_signs_out_only_that_device(client_for, alice):
    phone, laptop = client_for(alice), client_for(alice)
    assert phone.delete(TOKEN).status_code == 204
    assert_error(phone.get("/api/v1/me/"), 401, "authentication_failed")
    assert laptop.get("/api/v1/me/").status_code == 200


def test_revoking_needs_authentication(anon):
    assert_error(anon.delete(TOKEN), 401, "not_authenticated")


def test_session_sign_in_needs_csrf_and_then_works(alice):
    browser = Client(enforce_csrf_checks=True)
    csrf = browser.get("/api/v1/auth/session/").json()["csrf_token"]
    credentials = {"username": "alice", "password": PASSWORD}
    no_csrf = browser.post("/api/v1/auth/session/", credentials, content_type="application/json")
    assert_error(no_csrf, 403, "csrf_failed")
    signed_in = browser.post(
        "/api/v1/auth/session/", credentials, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert signed_in.status_code == 200
    assert browser.get("/api/v1/me/").json()["username"] == "alice"
    csrf = browser.cookies["csrftoken"].value
    without = browser.patch("/api/v1/me/", {"bio": "hi"}, content_type="application/json")
    assert without.status_code == 403
    with_token = browser.patch(
        "/api/v1/me/", {"bio": "hi"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert with_token.status_code == 200
    assert browser.delete("/api/v1/auth/session/", HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert_error(browser.get("/api/v1/me/"), 401, "not_authenticated")


def test_register_is_rate_limited(anon, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"register": "2/hour", "auth": "2/min"},
    }
    assert register(anon, username="one_1").status_code == 201
    assert register(anon, username="two_2").status_code == 201
    response = register(anon, username="three_3")
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0
    assert not User.objects.filter(username="three_3").exists()

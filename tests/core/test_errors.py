import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings

from sora_social.accounts.selectors import MODERATORS_GROUP
from tests.core.routes import api_routes
from tests.helpers import assert_error
from tests.openapi import assert_documented, generated_schema

pytestmark = pytest.mark.django_db


def test_unknown_path_is_a_json_404(anon):
    body = assert_error(anon.get("/api/v1/nothing-here/"), 404, "not_found")
    assert "/api/v1/nothing-here/" in body["detail"]
    assert_error(anon.get("/nothing-here/"), 404, "not_found")


def test_missing_trailing_slash_says_so(anon):
    body = assert_error(anon.post("/api/v1/auth/token", {}, format="json"), 404, "not_found")
    assert "slash" in body["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cameos/available/?q=%00",
        "/api/v1/cameos/available/?q=ok&q=a%00b",
        "/api/v1/moderation/audit/?actor=%00",
        "/api/v1/users/a%00b/",
        "/api/v1/videos/1%00/",
    ],
)
def test_a_nul_character_in_the_address_is_a_400(as_alice, path):
    # PostgreSQL refuses NUL in any string, so this would otherwise be a 500 wherever it reaches a query.
    assert_error(as_alice.get(path), 400, "invalid")


def test_wrong_method_is_a_json_405(as_alice):
    assert_error(as_alice.put("/api/v1/me/", {}, format="json"), 405, "method_not_allowed")


def test_malformed_json_is_a_400(anon):
    response = anon.post("/api/v1/auth/token/", data="{not json", content_type="application/json")
    assert_error(response, 400, "malformed_request")


DEEP = [
    "[" * 1000 + "]" * 1000,
    '{"a":' * 1000 + "1" + "}" * 1000,
    '{"display_name": ' + "[" * 100_000,
    '{"bio": "' + "[" * 40 + '", "display_name": ' + "[" * 33 + "]" * 33 + "}",
]


@pytest.mark.parametrize("body", DEEP)
def test_deeply_nested_json_is_a_400(anon, as_alice, body):
    # Python's json recurses per level: a thousand levels in 2 KB used to be a RecursionError (a 500).
    answer = assert_error(
        anon.post("/api/v1/auth/token/", data=body, content_type="application/json"), 400, "malformed_request"
    )
    assert "nested deeper" in answer["detail"]
    response = as_alice.patch("/api/v1/me/", data=body, content_type="application/json")
    assert_error(response, 400, "malformed_request")


def test_json_nested_as_deep_as_allowed_is_read(as_alice):
    # Brackets inside strings are text, not nesting.
    body = '{"display_name": "' + "[{" * 20 + '", "bio": ' + "[" * 31 + "]" * 31 + "}"
    response = as_alice.patch("/api/v1/me/", data=body, content_type="application/json")
    body = assert_error(response, 400, "invalid")  # read, and refused for being a list, not a string
    assert set(body["fields"]) == {"bio"}


def test_unsupported_content_type_is_a_415(anon):
    response = anon.post("/api/v1/auth/token/", data="<x/>", content_type="application/xml")
    assert_error(response, 415, "unsupported_media_type")
    assert_documented(response)


def test_every_operation_that_reads_a_body_documents_its_415(alice, as_alice):
    # The schema listed 415 only where uploads are checked, though a body no parser reads is one everywhere.
    alice.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    operations = [
        (path, method)
        for path, item in generated_schema()["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(operations) > 15
    for path, method in operations:
        url = re.sub(r"{\w+}", "1", path)
        response = as_alice.generic(method.upper(), url, data="<x/>", content_type="application/xml")
        assert response.status_code in (404, 415), (method, path, response.status_code)
        assert_documented(response)


def test_anonymous_gets_401_with_challenge(anon):
    response = anon.get("/api/v1/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_a_401(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anon.get("/api/v1/me/"), 401, "authentication_failed")
    anon.credentials(HTTP_AUTHORIZATION="Token two parts")
    assert_error(anon.get("/api/v1/me/"), 401, "authentication_failed")


@override_settings(ROOT_URLCONF="tests.core.urls_for_errors")
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/boom/", "/plain-boom/"])
def test_uncaught_exceptions_are_json_500_even_in_debug(path, debug):
    client = Client(raise_request_exception=False)
    with override_settings(DEBUG=debug):
        response = client.get(path)
    assert_error(response, 500, "server_error")


@override_settings(ROOT_URLCONF="tests.core.urls_for_errors", DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_oversized_body_is_a_413():
    response = Client().post("/echo/", data='{"a": "' + "x" * 500 + '"}', content_type="application/json")
    assert_error(response, 413, "too_large")


def test_csrf_failure_is_json(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.patch("/api/v1/me/", data='{"bio": "x"}', content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] in {"csrf_failed", "permission_denied"}


def test_every_api_route_answers_options(anon, alice, as_alice):
    # Generic views without a serializer_class used to fail DRF's OPTIONS (a 500).
    alice.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    routes = api_routes()
    assert len(routes) > 40
    for route in routes:
        path = route.path(default="1")
        response = as_alice.options(path)
        assert response.status_code in (200, 405), (path, response.status_code, response.content[:300])
        if response.status_code == 200 and route.template.startswith("/api/v1/"):
            body = response.json()
            assert body["name"] and "application/json" in body["renders"], path
            allowed = {method.strip() for method in response["Allow"].split(",")}
            assert set(route.methods) <= allowed, (path, allowed)
        signed_out = anon.options(path)
        assert signed_out.status_code in (200, 401, 405), (path, signed_out.status_code)

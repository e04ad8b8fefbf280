import re

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.management import call_command

from sora_social.accounts.selectors import MODERATORS_GROUP
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

PUBLIC_OPERATIONS = {"auth_register", "auth_token_create", "auth_session_get", "auth_session_create"}
# Reading the session state and signing out of a session answer every request without a client error.
CANNOT_FAIL = {"auth_session_get", "auth_session_delete"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_errors(schema):
    for path, method, operation in operations(schema):
        statuses = set(operation["responses"])
        name = operation["operationId"]
        errors = [s for s in statuses if s.startswith("4")]
        if name in CANNOT_FAIL:
            assert not errors, (path, method)
            continue
        if name not in PUBLIC_OPERATIONS:
            assert "401" in statuses, (path, method)
        assert errors, (path, method)
        for status in errors:
            response = operation["responses"][status]
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            assert re.match(r"^[a-z_]+", response["description"]), (path, method, status)


def test_lists_are_cursor_paginated_in_the_schema(schema):
    followers = schema["paths"]["/api/v1/users/{username}/followers/"]["get"]
    assert {p["name"] for p in followers["parameters"]} >= {"cursor", "limit"}
    page = followers["responses"]["200"]["content"]["application/json"]["schema"]
    if "$ref" in page:
        page = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"results", "next"}
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Profile"}


def test_schema_and_docs_are_served_without_signing_in(anon):
    response = anon.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/auth/register/" in response.content
    docs = anon.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    asset = re.search(rb'src="(/static/[^"]+swagger-ui-bundle\.js)"', docs.content)
    assert asset, "the docs page loads Swagger UI from our own static files, not a CDN"
    bundle = anon.get(asset.group(1).decode())
    assert bundle.status_code == 200


def component(schema, ref_or_schema):
    ref = ref_or_schema.get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def test_every_list_documents_its_page_parameters_with_their_bounds(schema):
    lists = 0
    for path, method, operation in operations(schema):
        page = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if "next" not in component(schema, page.get("schema", {})).get("properties", {}):
            continue
        lists += 1
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        assert {"cursor", "limit"} <= set(parameters), (path, method)
        limit = parameters["limit"]["schema"]
        assert (limit["type"], limit["minimum"], limit["maximum"], limit["default"]) == (
            "integer",
            1,
            50,
            20,
        ), path
    assert lists >= 15


def test_the_limits_the_server_enforces_are_in_the_schema(schema):
    create = schema["paths"]["/api/v1/generations/"]["post"]
    header = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 255)
    body = component(schema, create["requestBody"]["content"]["application/json"]["schema"])
    duration = component(schema, body["properties"]["duration_seconds"]["allOf"][0])
    assert duration == {"type": "integer", "enum": [2, 4, 8]}
    register = schema["paths"]["/api/v1/auth/register/"]["post"]
    username = component(schema, register["requestBody"]["content"]["application/json"]["schema"])
    username = username["properties"]["username"]
    assert (username["minLength"], username["maxLength"]) == (3, 30)
    assert re.fullmatch(username["pattern"], "a_b9") and not re.fullmatch(username["pattern"], "_ab")
    tree = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/v1/videos/{video_id}/remix-tree/"]["get"]["parameters"]
    }
    assert (tree["depth"]["minimum"], tree["depth"]["maximum"]) == (0, 4)
    assert (tree["breadth"]["minimum"], tree["breadth"]["maximum"]) == (1, 20)


def test_request_bodies_refuse_unknown_fields_in_the_schema_as_the_server_does(schema, as_alice):
    bodies = 0
    for path, method, operation in operations(schema):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            assert component(schema, media["schema"])["additionalProperties"] is False, (path, method)
            bodies += 1
    assert bodies >= 30
    create = schema["paths"]["/api/v1/generations/"]["post"]["requestBody"]["content"]["application/json"]
    beat = component(schema, component(schema, create["schema"])["properties"]["storyboard"]["items"])
    assert beat["additionalProperties"] is False
    # ...and the server refuses one inside a storyboard's beat as well as at the top.
    generation = {"prompt": "a red ball bounces", "duration_seconds": 2, "aspect_ratio": "square"}
    beats = [{"at_seconds": 0, "prompt": "a red ball", "colour": "red"}]
    body = assert_error(
        as_alice.post("/api/v1/generations/", {**generation, "storyboard": beats}), 400, "invalid"
    )
    assert body["fields"] == {"storyboard": {"0": {"colour": ["This field is not accepted here."]}}}


@pytest.mark.parametrize("value", ["", "0", "51", "-1", "1.0"])
def test_a_limit_outside_what_the_schema_says_is_a_400_on_every_list(schema, alice, as_alice, value):
    alice.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    checked = 0
    for path, method, operation in operations(schema):
        names = {p["name"] for p in operation.get("parameters", [])}
        if method != "get" or "limit" not in names or "{" in path:
            continue
        body = assert_error(as_alice.get(path, {"limit": value}), 400, "invalid")
        assert "limit" in body["fields"], path
        assert as_alice.get(path, {"limit": "50"}).status_code == 200, path
        checked += 1
    assert checked >= 8

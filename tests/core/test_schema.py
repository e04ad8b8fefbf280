import re

import pytest
import yaml
from django.core.management import call_command

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

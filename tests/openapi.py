"""The API's own OpenAPI schema, as ``manage.py spectacular`` generates it, and the checks that hold a
response to it: no server error, a status code the operation documents, a body that matches the schema of
that status. The fuzz test (tests/core/test_fuzz.py) runs them on generated requests; the other tests run
them on the responses they get, with ``assert_documented``."""

from __future__ import annotations

import functools
import io
import json
import re
from typing import Any

import requests
import schemathesis
from django.core.management import call_command
from django.http import HttpResponse
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@functools.cache
def generated_schema() -> dict[str, Any]:
    out = io.StringIO()
    call_command("spectacular", format="openapi-json", stdout=out)
    return json.loads(out.getvalue())


@functools.cache
def api_schema() -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(generated_schema())


def schema_path(route: str) -> str:
    """A Django route as the schema writes it: ``api/v1/videos/<str:video_id>/`` is
    ``/api/v1/videos/{video_id}/``."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def assert_documented(response: HttpResponse) -> None:
    """``response`` (from Django's test client) is one the schema documents for the operation that gave it."""
    __tracebackhide__ = True
    request = response.wsgi_request  # type: ignore[attr-defined]
    match = response.resolver_match  # type: ignore[attr-defined]
    operation = api_schema()[schema_path(match.route)][request.method]
    sent = requests.Request(request.method, request.build_absolute_uri()).prepare()
    answer = schemathesis.Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.items()},
        content=response.content,
        request=sent,
        elapsed=0.0,
        verify=True,
    )
    operation.Case(path_parameters=match.kwargs).validate_response(answer, checks=CHECKS)

"""The one error format: ``{"code": "<stable_snake_case>", "detail": "<sentence>", "fields": {...}}``.

Services raise ``ApiError`` subclasses with a stable code; DRF's own exceptions and Django's (404 pages,
CSRF failures, uncaught exceptions) are rendered in the same shape, so a client never sees HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class ApiError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        fields: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.fields = dict(fields) if fields else None
        self.headers = dict(headers) if headers else {}


class InvalidInput(ApiError):
    status_code = 400
    default_code = "invalid"


class Forbidden(ApiError):
    status_code = 403
    default_code = "permission_denied"


class NotFound(ApiError):
    status_code = 404
    default_code = "not_found"


class Conflict(ApiError):
    status_code = 409
    default_code = "conflict"


class PayloadTooLarge(ApiError):
    status_code = 413
    default_code = "too_large"


class UnsupportedMedia(ApiError):
    status_code = 415
    default_code = "unsupported_media_type"


class RefusedByPolicy(ApiError):
    status_code = 422
    default_code = "refused_by_policy"


class RateLimited(ApiError):
    status_code = 429
    default_code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, headers={"Retry-After": str(max(1, int(retry_after)))})


def error_body(code: str, detail: str, fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "detail": detail}
    if fields:
        body["fields"] = fields
    return body


def _flatten_messages(detail: Any) -> Any:
    """DRF's ErrorDetail tree as plain strings (lists of messages, nested dicts for nested serializers)."""
    if isinstance(detail, dict):
        return {key: _flatten_messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten_messages(item) for item in detail]
    return str(detail)


def _first_message(detail: Any) -> tuple[str, str | None]:
    """The first (field path, message) in a DRF error tree, to build a readable top-level sentence."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            path, message = _first_message(value)
            return (f"{key}.{path}" if path else str(key)), message
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, list):
        return "", None
    return "", str(detail)


def _validation_response(exc: drf.ValidationError) -> tuple[str, str, dict[str, Any] | None]:
    detail = exc.detail
    codes = exc.get_codes()
    if isinstance(detail, dict):
        fields = _flatten_messages({k: v for k, v in detail.items() if k != "non_field_errors"})
        non_field = detail.get("non_field_errors")
        if isinstance(non_field, list) and non_field:
            non_field_codes = codes.get("non_field_errors") if isinstance(codes, dict) else None
            code = (
                str(non_field_codes[0])
                if isinstance(non_field_codes, list) and non_field_codes
                else "invalid"
            )
            return code, str(non_field[0]), fields or None
        path, message = _first_message(detail)
        field_label = path[:1].upper() + path[1:].replace("_", " ")
        return "invalid", f"{field_label}: {message}" if message else "Invalid input.", fields
    messages = detail if isinstance(detail, list) else [detail]
    code_list = codes if isinstance(codes, list) else [codes]
    code = str(code_list[0]) if code_list and code_list[0] else "invalid"
    return code, str(messages[0]) if messages else "Invalid input.", None


_DRF_CODES: dict[type[drf.APIException], str] = {
    drf.ParseError: "malformed_request",
    drf.AuthenticationFailed: "authentication_failed",
    drf.NotAuthenticated: "not_authenticated",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "rate_limited",
}


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every API error in the contract's shape."""
    headers: dict[str, str] = {}
    if isinstance(exc, ApiError):
        status, body, headers = exc.status_code, error_body(exc.code, exc.detail, exc.fields), exc.headers
    elif isinstance(exc, Http404):
        status, body = 404, error_body("not_found", "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        status, body = 403, error_body("permission_denied", "You do not have permission to do this.")
    elif isinstance(exc, RequestDataTooBig):
        status, body = 413, error_body("too_large", "The request body is too large.")
    elif isinstance(exc, drf.ValidationError):
        code, detail, fields = _validation_response(exc)
        status, body = 400, error_body(code, detail, fields)
    elif isinstance(exc, drf.APIException):
        known = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
        codes = exc.get_codes()
        code = known or (codes if isinstance(codes, str) else str(exc.default_code or "error"))
        status, body = exc.status_code, error_body(code, str(exc.detail))
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait)))  # type: ignore[attr-defined]
    else:
        return None
    from rest_framework.views import set_rollback  # rest_framework.views imports this module's settings users

    set_rollback()
    return Response(body, status=status, headers=headers)


def json_error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(error_body(code, detail), status=status)


def method_not_allowed(request: HttpRequest, allowed: tuple[str, ...] = ("GET", "HEAD")) -> HttpResponse:
    """The contract's 405 for a plain Django view, with the methods it takes in ``Allow``."""
    response = json_error(405, "method_not_allowed", f'Method "{request.method}" is not allowed here.')
    response["Allow"] = ", ".join(allowed)
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return json_error(400, "bad_request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return json_error(403, "permission_denied", "You do not have permission to do this.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return json_error(404, "not_found", "Not found.")


def server_error(request: HttpRequest) -> HttpResponse:
    return json_error(500, "server_error", "Something went wrong on our side; it has been logged.")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return json_error(
        403, "csrf_failed", "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header."
    )


def unknown_path(request: HttpRequest, path: str = "") -> HttpResponse:
    hint = "" if request.path.endswith("/") else " Paths end with a slash."
    return json_error(404, "not_found", f"There is nothing at {request.path}.{hint}")


class RefuseNulMiddleware:
    """A NUL character in the path or the query string is a 400 before any view sees it: no database takes
    it in a string, and no name or id of ours contains one. (Bodies go through serializers, which refuse it
    field by field.)"""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.lists()
        if "\x00" in request.path or any("\x00" in "".join([key, *values]) for key, values in query):
            return json_error(400, "invalid", "The address contains a NUL character.")
        return self.get_response(request)


class JsonExceptionMiddleware:
    """Renders exceptions that escape a view as JSON, also with DEBUG on (Django would answer in HTML)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        if isinstance(exception, Http404):
            return page_not_found(request)
        if isinstance(exception, DjangoPermissionDenied):
            return permission_denied(request)
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, "too_large", "The request body is too large.")
        if isinstance(exception, SuspiciousOperation):
            return bad_request(request)
        logger.exception("Unhandled exception on %s %s", request.method, request.path, exc_info=exception)
        return server_error(request)

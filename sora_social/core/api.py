"""Small pieces shared by every app's API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import metadata, serializers, throttling
from rest_framework.fields import empty
from rest_framework.settings import api_settings

from sora_social.core.ids import parse_id
from sora_social.core.text import strip_hidden_characters


def absolute_url(url: str, request: Any = None) -> str:
    """Storage URLs are relative for local media: make them absolute for the request, or for the
    configured public address when there is no request (a pushed event)."""
    if not url.startswith("/"):
        return url
    if request is not None:
        return str(request.build_absolute_uri(url))
    return f"{settings.PUBLIC_BASE_URL}{url}"


# Ids as clients send them: ASCII decimal, 1 to 2**63 - 1 (the bound is checked, not patterned).
ID_PATTERN = "^[0-9]{1,19}$"

# Formats datetimes exactly as serializer fields do, for representations built by hand on hot paths.
DATETIME = serializers.DateTimeField()


class IdField(serializers.CharField):
    """A 64-bit id as a decimal string, so JavaScript clients never lose precision."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return str(value)


@extend_schema_field({"type": "string", "pattern": ID_PATTERN, "example": "1234567890123456789"})
class IdInputField(IdField):
    """An id a client sends in a body: one of our ids as a decimal string (or a JSON number), read by the
    one parser, ``parse_id``; anything else is a 400 naming the field. Whether the object exists, and may be
    seen, is for the service to say."""

    default_error_messages = {"invalid": "Not a valid id."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:  # type: ignore[override]  # an id, not its text
        value = parse_id(data)
        if value is None:
            self.fail("invalid")
        return value


class TextInputField(serializers.CharField):
    """Free text people write for others to read: the characters they cannot see are taken out
    (``sora_social.core.text``) before the field's own checks, so text made only of them is blank."""

    def run_validation(self, data: Any = empty) -> Any:
        if isinstance(data, str):
            data = strip_hidden_characters(data)
        return super().run_validation(data)


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="Stable snake_case code."),
        "detail": serializers.CharField(help_text="A sentence for people."),
        "fields": serializers.DictField(required=False, help_text="Per-field messages (validation errors)."),
    },
)


def error_responses(**codes: str) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for error statuses: ``error_responses(**{"404": "user_not_found: ..."})``."""
    return {int(status): OpenApiResponse(ErrorSerializer, description=text) for status, text in codes.items()}


AUTH_ERRORS = {"401": "not_authenticated, authentication_failed: no valid token or session."}
LIST_ERRORS = {"400": "invalid_cursor, invalid: a bad cursor or limit."}


def document_unsupported_media_type(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: every operation that reads a body answers one in a media type
    it does not parse with a 415, so each lists it (those that check uploads already describe theirs)."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result["paths"].values():
        for operation in item.values():
            if "requestBody" not in operation or "415" in operation["responses"]:
                continue
            accepted = ", ".join(operation["requestBody"]["content"])
            operation["responses"]["415"] = {
                "content": error,
                "description": f"unsupported_media_type: the body is not one of {accepted}.",
            }
    return result


class InputSerializer(serializers.Serializer):
    """Fields not listed here are refused (a 400 naming them), so that a typo is never silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(set(data) - writable) if isinstance(data, Mapping) else []
        refused = {name: ["This field is not accepted here."] for name in unknown}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if refused and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **refused}) from None
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return values


class InputSerializerSchema(OpenApiSerializerExtension):
    target_class = InputSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


class Metadata(metadata.SimpleMetadata):
    """What OPTIONS answers: the view's name and description and the media types it renders and parses.

    DRF's default adds the fields of a generic view's ``serializer_class`` (``actions``). Our views declare
    an input serializer per operation instead (the OpenAPI schema describes each), and asking a view without
    a ``serializer_class`` for one fails, so that part is left out."""

    def determine_actions(self, request: Any, view: Any) -> dict[str, Any]:
        return {}


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle, reading the rates when asked so that settings changes take effect."""

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate is not None else None

"""The one pagination of every list: ``{"results": [...], "next": "<absolute url or null>"}``.

A keyset over a unique, time-sortable integer (an id, newest first), so a cursor stays valid while new
items arrive: it means "older than this key", which never produces duplicates or gaps. The cursor is
opaque to clients; a malformed one is a 400 ``invalid_cursor``, never a 404 or a 500.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from sora_social.core.errors import InvalidInput
from sora_social.core.ids import parse_decimal, parse_id

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
_CURSOR_PREFIX = "k1:"


def invalid_cursor() -> InvalidInput:
    return InvalidInput(
        "The cursor is not valid; use the `next` link of a previous page.",
        code="invalid_cursor",
        fields={"cursor": ["Not a valid cursor."]},
    )


def encode_token(text: str) -> str:
    """An opaque cursor carrying ``text`` (keyset lists carry a key; ranked lists a session and offset)."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_token(cursor: str, prefix: str) -> str:
    """The text of a cursor made by ``encode_token(prefix + text)``; 400 ``invalid_cursor`` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise invalid_cursor() from None
    if not raw.startswith(prefix):
        raise invalid_cursor()
    return raw[len(prefix) :]


def encode_cursor(key: int) -> str:
    return encode_token(f"{_CURSOR_PREFIX}{key}")


def decode_cursor(cursor: str) -> int:
    key = parse_id(decode_token(cursor, _CURSOR_PREFIX))
    if key is None:
        raise invalid_cursor()
    return key


def cursor_link(request: Request, cursor: str) -> str:
    """This request's address with ``cursor`` in place of its own: a list's ``next`` link."""
    return str(replace_query_param(request.build_absolute_uri(), "cursor", cursor))


def query_int(request: Request, name: str, *, default: int, lowest: int, highest: int) -> int:
    """The whole-number query parameter ``name`` (``default`` when absent); 400 ``invalid`` naming it when
    it is not a whole number from ``lowest`` to ``highest``, an empty one included."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = parse_decimal(raw, highest=highest)
    if value is None or value < lowest:
        raise InvalidInput(
            f"{name} must be a whole number from {lowest} to {highest}.",
            code="invalid",
            fields={name: [f"Must be a whole number from {lowest} to {highest}."]},
        )
    return value


def int_parameter(
    name: str, *, default: int, lowest: int, highest: int, description: str
) -> OpenApiParameter:
    """The OpenAPI description of a query parameter read with ``query_int``."""
    schema = {"type": "integer", "minimum": lowest, "maximum": highest, "default": default}
    return OpenApiParameter(name, schema, description=description)


def parse_limit(request: Request) -> int:
    return query_int(request, "limit", default=DEFAULT_LIMIT, lowest=1, highest=MAX_LIMIT)


# The query parameters of every list, for views that paginate by hand or describe their page themselves.
PAGE_PARAMETERS = [
    OpenApiParameter(
        "cursor", {"type": "string"}, description="Opaque cursor from a previous page's `next` link."
    ),
    int_parameter(
        "limit",
        default=DEFAULT_LIMIT,
        lowest=1,
        highest=MAX_LIMIT,
        description=f"Page size, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    ),
]


class CursorPagination(BasePagination):
    """Newest first by ``view.cursor_field`` (default ``id``), which must be unique and time-sortable."""

    def __init__(self) -> None:
        self.next_key: int | None = None
        self.request: Request | None = None

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        field = getattr(view, "cursor_field", "id")
        self.request = request
        limit = parse_limit(request)
        cursor = request.query_params.get("cursor")
        if cursor:
            queryset = queryset.filter(**{f"{field}__lt": decode_cursor(cursor)})
        rows = list(queryset.order_by(f"-{field}")[: limit + 1])
        return self._page(rows, limit, lambda row: _attr_path(row, field))

    def paginate_keys(self, keys: Sequence[int], request: Request) -> list[int]:
        """For lists whose keys come from elsewhere (a Redis store): ``keys`` newest first, unfiltered."""
        self.request = request
        limit = parse_limit(request)
        cursor = request.query_params.get("cursor")
        if cursor:
            after = decode_cursor(cursor)
            keys = [key for key in keys if key < after]
        return self._page(list(keys[: limit + 1]), limit, lambda key: key)

    def _page(self, rows: list[Any], limit: int, key_of: Any) -> list[Any]:
        self.next_key = key_of(rows[limit - 1]) if len(rows) > limit else None
        return rows[:limit]

    def get_next_link(self) -> str | None:
        if self.next_key is None or self.request is None:
            return None
        return cursor_link(self.request, encode_cursor(self.next_key))

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": parameter.name,
                "in": "query",
                "required": False,
                "description": parameter.description,
                "schema": parameter.type,
            }
            for parameter in PAGE_PARAMETERS
        ]


def _attr_path(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj

"""Reading the JSON clients send: request bodies (the API's parser) and WebSocket messages.

JSON may nest at most ``MAX_JSON_DEPTH`` levels. Nothing we accept nests deeper than a few, and Python's
``json`` recurses once per level, so a 2 KB body of a thousand brackets would raise ``RecursionError``
(a 500) instead of being refused. The depth is measured on the raw bytes before anything is parsed:
brackets, quotes and backslashes are ASCII, and in UTF-8 no byte of another character looks like one.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32

# A JSON string, escapes included (written so that an unterminated one is given up on in linear time).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_OPENING = b"[{"


def nested_deeper_than(data: bytes, limit: int) -> bool:
    """Whether the arrays and objects of the JSON in ``data`` nest more than ``limit`` levels (brackets
    inside strings do not count)."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _NOT_BRACKET.sub(b"", _STRING.sub(b"", data)):
        depth += 1 if bracket in _OPENING else -1
        if depth > limit:
            return True
    return False


def _too_deep() -> str:
    return f"nested deeper than {MAX_JSON_DEPTH} levels"


def loads(text: str) -> Any:
    """``json.loads`` for a message from a client; ValueError for JSON that nests too deep, as for bad
    JSON."""
    if nested_deeper_than(text.encode("utf-8", "surrogatepass"), MAX_JSON_DEPTH):
        raise ValueError(_too_deep())
    return json.loads(text)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser behind the depth limit: too deep is a 400 ``malformed_request``, like bad JSON."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body = stream.read()
        if nested_deeper_than(body, MAX_JSON_DEPTH):
            raise ParseError(f"JSON parse error - {_too_deep()}")
        return super().parse(io.BytesIO(body), media_type, parser_context)

"""Request body limits, applied before Django reads a body.

``settings.REQUEST_BODY_MAX_BYTES`` gives each route (by URL name) the most bytes its body may have.
``RequestBodyLimit`` wraps the Django ASGI application and applies them on any ASGI server:

- a declared ``Content-Length`` over the limit is answered 413 without reading the body;
- a body without a declared length (``Transfer-Encoding: chunked``, HTTP/2) is read up to the limit into
  a spooled file, cut off with a 413 as soon as it passes it, and handed to Django with the
  ``Content-Length`` it turned out to have. Django's ASGI request does read such a body, but DRF and
  Django's form parsers take a request without ``Content-Length`` to have none, so without this a chunked
  ``PATCH /me/`` succeeded and changed nothing.

An ASGI application only sees a body that its server passes on; a server that reads whole bodies before
calling the application (daphne does) must apply the same limits itself: ``sora_social.server`` does, with
``body_limit`` and ``error_json`` from here.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from typing import IO, Any
from urllib.parse import unquote

from django.conf import settings
from django.urls import Resolver404, resolve

from sora_social.core.errors import error_body

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Size of the messages a buffered body is handed on in (Django's own response chunk size).
REPLAY_CHUNK_BYTES = 64 * 1024


def body_limit(path: str) -> int:
    """The most bytes a request body for ``path`` (without the query string) may have."""
    limits: dict[str, int] = settings.REQUEST_BODY_MAX_BYTES
    try:
        view_name = resolve(path).view_name
    except Resolver404:
        return limits["default"]
    return limits.get(view_name, limits["default"])


def raw_path_limit(raw_target: bytes) -> int:
    """``body_limit`` for a request target as it appears on the request line (quoted, with a query)."""
    return body_limit(unquote(raw_target.split(b"?", 1)[0].decode("latin-1")))


def too_large(limit: int) -> tuple[int, str, str]:
    """Status, code and detail of the answer to a body over ``limit`` bytes."""
    return 413, "too_large", f"The request body is too large: this address takes at most {limit} bytes."


def error_json(code: str, detail: str) -> bytes:
    return json.dumps(error_body(code, detail)).encode()


def _declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The body length the headers declare; None when they declare none. ValueError when they are not
    one decimal number (``Content-Length`` sent twice with different values, a sign, spaces)."""
    values = {value for name, value in headers if name.lower() == b"content-length"}
    if not values:
        return None
    value = values.pop()
    if values or not value.isdigit():  # bytes.isdigit() is ASCII digits only
        raise ValueError("Content-Length is not a single decimal number")
    return int(value)


async def _answer(send: Send, status: int, code: str, detail: str) -> None:
    body = error_json(code, detail)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # The body, or the rest of it, was never read: the connection cannot carry another request.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _replay(body: IO[bytes], size: int, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` (``size`` bytes) in order, then whatever the client sends next
    (Django listens for the disconnect after the body)."""
    sent = 0
    done = False

    async def replay() -> Message:
        nonlocal sent, done
        if done:
            return await receive()
        chunk = body.read(REPLAY_CHUNK_BYTES)
        sent += len(chunk)
        done = sent >= size
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replay


class RequestBodyLimit:
    """ASGI middleware in front of Django: see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"].removeprefix(scope.get("root_path", "")))
        try:
            declared = _declared_length(scope["headers"])
        except ValueError:
            await _answer(
                send, 400, "malformed_request", "The Content-Length header is not a number of bytes."
            )
            return
        if declared is not None:
            if declared > limit:
                await _answer(send, *too_large(limit))
            else:
                await self.app(scope, receive, send)
            return

        with tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await _answer(send, *too_large(limit))
                    return
                body.write(chunk)
                if not message.get("more_body", False):
                    break
            body.seek(0)
            headers = [
                (name, value) for name, value in scope["headers"] if name.lower() != b"transfer-encoding"
            ]
            headers.append((b"content-length", str(size).encode()))
            await self.app({**scope, "headers": headers}, _replay(body, size, receive), send)

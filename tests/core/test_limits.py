"""Request bodies are bounded before they are read, chunked bodies are read like any other, and requests the
HTTP layer refuses get the contract's JSON error.

The first half runs requests through the ASGI application in process (the limits hold on any ASGI
server); the second half through ``python -m sora_social.server`` (daphne, as ``make run`` serves it) on a
real socket, where the body of a refused upload must not even be read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import LazySettings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from bench.rawhttp import MIB, MULTIPART, Server, exchange, in_chunks, request_head, serve, upload_image
from cameos import likeness
from cameos.services import MAX_REFERENCE_IMAGES, REFERENCE_IMAGE_MAX_BYTES
from sora_social import settings as settings_module
from sora_social.accounts.models import User
from sora_social.accounts.services import AVATAR_MAX_BYTES, auth_token_create
from sora_social.asgi import application
from tests.conftest import PASSWORD
from tests.generation.workers import worker_environment

CHUNKED = (b"transfer-encoding", b"chunked")


# In process: the ASGI application -------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    bytes_read: int  # how much of the body the application took in


async def call(
    method: str, path: str, *, headers: Iterable[tuple[bytes, bytes]] = (), body: Iterable[bytes] = (b"",)
) -> Answer:
    """One request through the ASGI application, its body sent in the given pieces."""
    pieces = iter(body)
    following: bytes | None = next(pieces, b"")
    bytes_read = 0

    async def receive() -> dict[str, Any]:
        nonlocal following, bytes_read
        piece = following
        if piece is None:  # the whole body is sent: the client waits for the answer, which cancels this
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}
        following = next(pieces, None)
        bytes_read += len(piece)
        return {"type": "http.request", "body": piece, "more_body": following is not None}

    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    await application(scope, receive, send)
    start = next(message for message in messages if message["type"] == "http.response.start")
    content = b"".join(message.get("body", b"") for message in messages[1:])
    return Answer(start["status"], json.loads(content), bytes_read)


def pieces_of(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


def repeated(piece: bytes, times: int) -> Iterator[bytes]:
    """A long body, but a bounded one: without the limits it is read to its end."""
    for _ in range(times):
        yield piece


def authorization(token: str) -> tuple[bytes, bytes]:
    return (b"authorization", f"Token {token}".encode())


@pytest.fixture
def token(alice: User) -> str:
    return auth_token_create(user=alice)[1]


@pytest.fixture
async def _close_worker_thread_connections() -> AsyncIterator[None]:
    """Django runs the views in sync_to_async's worker thread; its connection must not outlive the test."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_thread_connections")
async def test_a_chunked_json_body_is_read_like_any_other(alice: User, token: str) -> None:
    answer = await call(
        "PATCH",
        "/api/v1/me/",
        headers=[authorization(token), (b"content-type", b"application/json"), CHUNKED],
        body=pieces_of(json.dumps({"display_name": "Alice Chunked", "bio": "sent in pieces"}).encode(), 7),
    )
    assert answer.status == 200, answer.body
    assert answer.body["display_name"] == "Alice Chunked"
    await sync_to_async(alice.refresh_from_db)()
    assert (alice.display_name, alice.bio) == ("Alice Chunked", "sent in pieces")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_thread_connections")
async def test_a_chunked_form_body_is_read_like_any_other(alice: User) -> None:
    form = (
        f'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n{alice.username}\r\n'
        f'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\n{PASSWORD}\r\n--b--\r\n'
    ).encode()
    answer = await call(
        "POST",
        "/api/v1/auth/token/",
        headers=[(b"content-type", b"multipart/form-data; boundary=b"), CHUNKED],
        body=pieces_of(form, 10),
    )
    assert answer.status == 200, answer.body
    assert answer.body["token"]


async def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body() -> None:
    answer = await call(
        "POST",
        "/api/v1/cameos/",
        headers=[(b"content-type", b"multipart/form-data; boundary=b"), (b"content-length", b"209715200")],
        body=repeated(b"\0" * 65536, 64),
    )
    assert answer.status == 413
    assert answer.body["code"] == "too_large"
    assert answer.bytes_read == 0


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(settings: LazySettings) -> None:
    settings.REQUEST_BODY_MAX_BYTES = {"default": 100_000}
    answer = await call(
        "POST",
        "/api/v1/auth/token/",
        headers=[(b"content-type", b"application/json"), CHUNKED],
        body=repeated(b" " * 4096, 256),
    )
    assert answer.status == 413
    assert answer.body["code"] == "too_large"
    assert 100_000 < answer.bytes_read <= 100_000 + 4096


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_thread_connections")
async def test_limits_are_per_route_and_set_in_settings(settings: LazySettings) -> None:
    async def status(path: str, size: int) -> int:
        headers = [(b"content-type", b"application/json"), (b"content-length", str(size).encode())]
        return (await call("POST", path, headers=headers)).status

    # Over the limit: 413; under it the request reaches the view (which refuses the anonymous caller).
    assert await status("/api/v1/cameos/", 40 * MIB) == 401
    assert await status("/api/v1/me/", 40 * MIB) == 413
    assert await status("/api/v1/me/", 5 * MIB) == 401
    assert await status("/api/v1/auth/token/", 5 * MIB) == 413

    settings.REQUEST_BODY_MAX_BYTES = {"default": 1000, "cameos": 5000}
    assert await status("/api/v1/cameos/", 5000) == 401
    assert await status("/api/v1/cameos/", 5001) == 413
    assert await status("/api/v1/auth/token/", 1001) == 413


@pytest.mark.parametrize("length", [b"12, 12", b"-1", b"1e3", b" ", b"\xd9\xa3", b"9" * 5000])
async def test_a_content_length_that_is_not_a_number_of_bytes_is_a_400(length: bytes) -> None:
    answer = await call("POST", "/api/v1/auth/token/", headers=[(b"content-length", length)])
    assert answer.status == 400
    assert answer.body["code"] == "malformed_request"


def test_route_limits_take_the_largest_valid_upload() -> None:
    limits = settings_module.REQUEST_BODY_MAX_BYTES
    form_overhead = 64 * 1024  # the other fields and the multipart framing
    assert limits["me"] >= AVATAR_MAX_BYTES + form_overhead
    assert limits["admin:accounts_user_change"] >= AVATAR_MAX_BYTES + form_overhead
    assert limits["cameos"] >= MAX_REFERENCE_IMAGES * REFERENCE_IMAGE_MAX_BYTES + form_overhead
    assert limits["cameo-verification"] >= likeness.MAX_RECORDING_BYTES + form_overhead


def test_an_operator_sets_limits_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUEST_BODY_MAX_BYTES", "cameos=80000000, default=2097152")
    limits = settings_module._body_limits({"default": 1, "cameos": 2, "me": 3})
    assert limits == {"default": 2097152, "cameos": 80000000, "me": 3}
    monkeypatch.setenv("REQUEST_BODY_MAX_BYTES", "cameos=80MB")
    with pytest.raises(ImproperlyConfigured, match="cameos=80MB"):
        settings_module._body_limits({"default": 1})


# On a socket: python -m sora_social.server --------------------------------------------------------------


@pytest.fixture(scope="module")
def server(django_db_setup: None) -> Iterator[Server]:
    with serve(worker_environment()) as running:
        yield running


def test_a_200_mb_upload_is_refused_before_it_is_read(server: Server) -> None:
    upload = upload_image(server, 200 * MIB, chunked=False)
    assert upload.reply.status == 413
    assert upload.reply.json()["code"] == "too_large"
    assert upload.reply.sent < 8 * MIB  # what the sockets' buffers took before the answer was read
    assert upload.rss_growth_kib < 4 * 1024, upload


def test_a_chunked_upload_is_cut_off_at_the_limit(server: Server) -> None:
    limit = settings_module.REQUEST_BODY_MAX_BYTES["cameos"]
    upload = upload_image(server, 200 * MIB, chunked=True)
    assert upload.reply.status == 413
    assert upload.reply.json()["code"] == "too_large"
    assert upload.reply.sent < limit + 16 * MIB  # the limit, and what the sockets' buffers took meanwhile
    assert upload.rss_growth_kib < 4 * 1024, upload


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_reaches_django_through_the_server(server: Server, alice: User, token: str) -> None:
    body = json.dumps({"display_name": "Alice Streamed"}).encode()
    reply = exchange(
        server,
        request_head(
            "PATCH",
            "/api/v1/me/",
            f"Authorization: Token {token}",
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
        )
        + b"".join(in_chunks(pieces_of(body, 5))),
    )
    assert reply.status == 200, reply.body
    alice.refresh_from_db()
    assert alice.display_name == "Alice Streamed"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "body",
    [
        b"not multipart at all",
        b'--other\r\nContent-Disposition: form-data; name="kind"\r\n\r\nself\r\n--other--\r\n',
    ],
)
def test_a_malformed_multipart_body_gets_the_contract_error(server: Server, token: str, body: bytes) -> None:
    reply = exchange(
        server,
        request_head(
            "POST",
            "/api/v1/cameos/",
            f"Authorization: Token {token}",
            MULTIPART,
            f"Content-Length: {len(body)}",
        )
        + body,
    )
    assert reply.status == 400
    assert reply.json()["code"] in {"malformed_request", "invalid"}


def test_an_address_over_16_kib_gets_a_414(server: Server) -> None:
    reply = exchange(server, request_head("GET", "/api/v1/cameos/" + "a" * 17_000 + "/"))
    assert reply.status == 414
    assert reply.json()["code"] == "uri_too_long"


@pytest.mark.parametrize(
    "head",
    [
        request_head("GET", "/api/v1/" + "a" * 12_000 + "/", "X-Padding: " + "b" * 5_000),  # 17 KB in all
        request_head("GET", "/api/v1/", "Bad(Name): x"),
        request_head("GET", "/api/v1/", "X-Value: a\x0bb"),  # twisted lets it through, daphne does not
        request_head("GET", "/api/v1/", "Content-Length: 12", "Content-Length: 13"),
        request_head("GET", "/api/v1/cameos/?q=\xe9"),
    ],
    ids=["headers-too-long", "header-name", "header-value", "two-lengths", "query-not-ascii"],
)
def test_requests_the_http_layer_refuses_get_the_contract_error(server: Server, head: bytes) -> None:
    reply = exchange(server, head)
    assert reply.status == 400
    assert reply.json()["code"] == "malformed_request"


def test_the_event_socket_still_upgrades(server: Server) -> None:
    reply = exchange(
        server,
        request_head(
            "GET",
            "/ws/events/",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
            "Origin: http://127.0.0.1",
        ),
    )
    assert reply.status == 101

"""The event socket, through the real ASGI application and a channel layer on Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections, transaction

from sora_social.asgi import application
from sora_social.core.events import publish_event
from sora_social.core.redis import get_redis
from sora_social.realtime.services import TICKET_PREFIX

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    """Helpers run ORM code in sync_to_async's worker thread; its connection must not outlive the test."""
    yield
    await sync_to_async(connections.close_all)()


@sync_to_async
def ticket_for(client) -> str:
    response = client.post("/api/v1/realtime/ticket/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == f"/ws/events/?ticket={body['ticket']}"
    return body["ticket"]


@sync_to_async
def publish(user_ids, type, data, *, commit=True):
    try:
        with transaction.atomic():
            publish_event(user_ids, type, data)
            if not commit:
                raise RuntimeError("roll back")
    except RuntimeError:
        pass


async def connect(path: str, headers=None) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await socket.connect(timeout=5)
    assert connected
    return socket


async def open_socket(client) -> WebsocketCommunicator:
    return await connect(f"/ws/events/?ticket={await ticket_for(client)}")


async def expect_closed_with_error(socket: WebsocketCommunicator, code: str, close_code: int) -> None:
    message = await socket.receive_json_from(timeout=5)
    assert message == {"type": "error", "data": {"code": code, "detail": message["data"]["detail"]}}
    closed = await socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": close_code}


async def test_committed_events_arrive_and_rolled_back_ones_never_do(alice, as_alice):
    socket = await open_socket(as_alice)
    await publish([alice.pk], "test.event", {"n": 1}, commit=False)
    await publish([alice.pk], "test.event", {"n": 2})
    event = await socket.receive_json_from(timeout=5)
    assert event["type"] == "test.event" and event["data"] == {"n": 2}
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_events_go_only_to_their_users(alice, bob, as_alice, as_bob):
    alice_socket, bob_socket = await open_socket(as_alice), await open_socket(as_bob)
    await publish([bob.pk], "test.event", {"to": "bob"})
    assert (await bob_socket.receive_json_from(timeout=5))["data"] == {"to": "bob"}
    assert await alice_socket.receive_nothing(timeout=0.3)
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_every_socket_of_a_user_gets_each_event_once_in_order(alice, as_alice):
    phone, laptop = await open_socket(as_alice), await open_socket(as_alice)
    for n in range(30):
        await publish([alice.pk], "test.event", {"n": n})
    for socket in (phone, laptop):
        received = [(await socket.receive_json_from(timeout=5))["data"]["n"] for _ in range(30)]
        assert received == list(range(30))
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()


async def test_resume_replays_exactly_the_missed_events_in_order(alice, as_alice):
    socket = await open_socket(as_alice)
    await publish([alice.pk], "test.event", {"n": 1})
    seen = await socket.receive_json_from(timeout=5)
    await socket.disconnect()

    for n in (2, 3, 4):
        await publish([alice.pk], "test.event", {"n": n})

    socket = await open_socket(as_alice)
    assert await socket.receive_nothing(timeout=0.2), "nothing is replayed before the client asks"
    await socket.send_json_to({"type": "resume", "after": seen["id"]})
    replayed = [await socket.receive_json_from(timeout=5) for _ in range(3)]
    assert [event["data"]["n"] for event in replayed] == [2, 3, 4]
    assert [event["id"] for event in replayed] == sorted(event["id"] for event in replayed)
    assert await socket.receive_nothing(timeout=0.3)

    # Resuming again from the same point sends nothing twice; live events continue.
    await socket.send_json_to({"type": "resume", "after": seen["id"]})
    assert await socket.receive_nothing(timeout=0.3)
    await publish([alice.pk], "test.event", {"n": 5})
    assert (await socket.receive_json_from(timeout=5))["data"] == {"n": 5}
    await socket.disconnect()


async def test_resume_on_the_url_and_when_nothing_was_seen(alice, as_alice):
    await publish([alice.pk], "test.event", {"n": 1})
    await publish([alice.pk], "test.event", {"n": 2})
    socket = await connect(f"/ws/events/?ticket={await ticket_for(as_alice)}&after=0-0")
    # 0-0 is older than the retention window: the client is told to refetch, then gets what is kept.
    assert (await socket.receive_json_from(timeout=5))["type"] == "resync_required"
    assert [(await socket.receive_json_from(timeout=5))["data"]["n"] for _ in range(2)] == [1, 2]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_bad_resume_and_unknown_messages_get_errors(as_alice):
    socket = await open_socket(as_alice)
    for message in (
        {"type": "resume", "after": "yesterday"},
        {"type": "resume"},
        {"type": "resume", "after": "\uff11-1"},  # full-width digit one
    ):
        await socket.send_json_to(message)
        assert (await socket.receive_json_from(timeout=5))["data"]["code"] == "invalid_event_id"
    await socket.send_json_to({"type": "dance"})
    assert (await socket.receive_json_from(timeout=5))["data"]["code"] == "unknown_message"
    for malformed in ("{not json", "[" * 1000 + "]" * 1000, '{"type": "ping", "x": ' + "[" * 50_000):
        await socket.send_to(text_data=malformed)
        assert (await socket.receive_json_from(timeout=5))["data"]["code"] == "malformed_message"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()


async def test_a_ticket_works_once(as_alice):
    ticket = await ticket_for(as_alice)
    first = await connect(f"/ws/events/?ticket={ticket}")
    second = await connect(f"/ws/events/?ticket={ticket}")
    await expect_closed_with_error(second, "invalid_ticket", 4401)
    await first.disconnect()


async def test_an_expired_ticket_is_refused(as_alice):
    ticket = await ticket_for(as_alice)
    assert 0 < get_redis().ttl(TICKET_PREFIX + ticket) <= 60
    get_redis().pexpire(TICKET_PREFIX + ticket, 1)
    await asyncio.sleep(0.05)
    socket = await connect(f"/ws/events/?ticket={ticket}")
    await expect_closed_with_error(socket, "invalid_ticket", 4401)


async def test_no_credentials_and_made_up_tickets_are_refused():
    for path in ("/ws/events/", "/ws/events/?ticket=made-up"):
        socket = await connect(path)
        await expect_closed_with_error(
            socket, "invalid_ticket" if "ticket" in path else "not_authenticated", 4401
        )


async def test_revoking_the_token_closes_its_sockets_only(alice, client_for):
    phone, laptop = await sync_to_async(client_for)(alice), await sync_to_async(client_for)(alice)
    phone_socket, laptop_socket = await open_socket(phone), await open_socket(laptop)
    response = await sync_to_async(phone.delete)("/api/v1/auth/token/")
    assert response.status_code == 204
    await expect_closed_with_error(phone_socket, "signed_out", 4401)
    await publish([alice.pk], "test.event", {"still": "here"})
    assert (await laptop_socket.receive_json_from(timeout=5))["data"] == {"still": "here"}
    await laptop_socket.disconnect()


async def test_a_ticket_from_a_revoked_token_is_refused(alice, client_for):
    phone = await sync_to_async(client_for)(alice)
    ticket = await ticket_for(phone)
    await sync_to_async(phone.delete)("/api/v1/auth/token/")
    socket = await connect(f"/ws/events/?ticket={ticket}")
    await expect_closed_with_error(socket, "invalid_ticket", 4401)


@sync_to_async
def session_cookie_for(user) -> str:
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    return browser.cookies["sessionid"].value


async def test_session_cookie_needs_our_origin(alice):
    cookie = await session_cookie_for(alice)
    headers = [(b"cookie", f"sessionid={cookie}".encode())]
    socket = await connect("/ws/events/", [*headers, (b"origin", b"http://testserver")])
    await publish([alice.pk], "test.event", {"via": "cookie"})
    assert (await socket.receive_json_from(timeout=5))["data"] == {"via": "cookie"}
    await socket.disconnect()
    for origin in ([(b"origin", b"http://evil.example")], []):
        socket = await connect("/ws/events/", headers + origin)
        await expect_closed_with_error(socket, "forbidden_origin", 4403)


async def test_signing_out_of_the_session_closes_its_sockets(alice):
    cookie = await session_cookie_for(alice)
    socket = await connect(
        "/ws/events/", [(b"cookie", f"sessionid={cookie}".encode()), (b"origin", b"http://testserver")]
    )

    @sync_to_async
    def sign_out() -> int:
        from django.test import Client

        browser = Client()
        browser.cookies["sessionid"] = cookie
        return browser.delete("/api/v1/auth/session/").status_code

    assert await sign_out() == 204
    await expect_closed_with_error(socket, "signed_out", 4401)


async def test_unknown_socket_paths_are_closed():
    socket = await connect("/ws/other/")
    await expect_closed_with_error(socket, "not_found", 4404)


async def test_ticket_expiry_is_reported(as_alice):
    response = await sync_to_async(as_alice.post)("/api/v1/realtime/ticket/")
    body = response.json()
    from datetime import datetime

    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert 50 <= expires.timestamp() - time.time() <= 61


async def test_an_idle_socket_still_gets_events_after_the_redis_read_timeout(alice, as_alice):
    """The channel layer blocks on Redis for 5 s at a time; a client library timing reads out at 5 s would
    kill idle consumers. A socket left idle past that must still be alive and get the next event."""
    socket = await open_socket(as_alice)
    await asyncio.sleep(6.5)
    await publish([alice.pk], "test.event", {"after": "idle"})
    assert (await socket.receive_json_from(timeout=5))["data"] == {"after": "idle"}
    await socket.disconnect()


async def test_events_in_order_are_sent_from_the_hint_without_reading_the_log(alice, as_alice, monkeypatch):
    from sora_social.core import events

    socket = await open_socket(as_alice)
    assert await socket.receive_nothing(timeout=0.3)  # the first look at the log, on connecting, is over
    reads = []
    real_read = events.read_events
    monkeypatch.setattr(events, "read_events", lambda *a, **k: reads.append(a[2]) or real_read(*a, **k))
    sent = [{"n": n, "text": 'quotes " and unicode é'} for n in range(5)]
    for data in sent:
        await publish([alice.pk], "test.event", data)
    received = [await socket.receive_json_from(timeout=5) for _ in range(5)]
    assert [event["data"] for event in received] == sent
    assert reads == []
    await socket.disconnect()


async def test_a_lost_hint_is_made_good_by_the_next_one_in_order(alice, as_alice):
    """An event whose hint never came (written to the log only) is sent, before the next one, as soon as a
    hint shows the socket it missed something."""
    from sora_social.core import events

    socket = await open_socket(as_alice)
    await publish([alice.pk], "test.event", {"n": 1})
    assert (await socket.receive_json_from(timeout=5))["data"] == {"n": 1}
    # The socket also reads its log once as it connects (its first heartbeat); on a loaded machine that can
    # come late, and it would send the event below without any hint. Let it pass first.
    assert await socket.receive_nothing(timeout=0.5)
    get_redis().xadd(events.event_log_key(alice.pk), {"type": "test.event", "data": '{"n": 2}'})
    assert await socket.receive_nothing(timeout=0.2)
    await publish([alice.pk], "test.event", {"n": 3})
    received = [await socket.receive_json_from(timeout=5) for _ in range(2)]
    assert [event["data"]["n"] for event in received] == [2, 3]
    assert received[0]["id"] < received[1]["id"]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()

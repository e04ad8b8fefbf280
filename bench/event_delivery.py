"""Event delivery: from a committed ``publish_event`` to the JSON frame on each open socket, through the
real ASGI app and the Redis channel layer, for growing numbers of recipients."""

from __future__ import annotations

import asyncio
import time

from bench.setup import percentiles


async def _measure(recipients: int, rounds: int) -> tuple[list[float], float]:
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.db import transaction

    from sora_social.accounts.models import User
    from sora_social.asgi import application
    from sora_social.core.events import publish_event
    from sora_social.realtime.services import realtime_ticket_create

    @sync_to_async
    def make_users() -> list[int]:
        return [
            u.pk
            for u in User.objects.bulk_create(User(username=f"r{recipients}_{i}") for i in range(recipients))
        ]

    @sync_to_async
    def publish(user_ids: list[int], n: int) -> None:
        with transaction.atomic():
            publish_event(user_ids, "bench.event", {"n": n, "sent": time.time()})

    user_ids = await make_users()
    sockets = []
    for user_id in user_ids:
        ticket = await sync_to_async(realtime_ticket_create)(
            user_id=user_id, token_id=None, session_key="bench"
        )
        socket = WebsocketCommunicator(application, f"/ws/events/?ticket={ticket.key}")
        assert (await socket.connect(timeout=10))[0]
        sockets.append(socket)

    latencies: list[float] = []
    started = time.perf_counter()
    for n in range(rounds):
        sent = time.perf_counter()
        await publish(user_ids, n)
        for socket in sockets:
            event = await socket.receive_json_from(timeout=10)
            assert event["data"]["n"] == n
            latencies.append(time.perf_counter() - sent)
    elapsed = time.perf_counter() - started
    for socket in sockets:
        await socket.disconnect()
    return latencies, recipients * rounds / elapsed


def run(rounds: int = 50) -> None:
    print(f"publish_event -> socket frame ({rounds} events to every recipient)")
    for recipients in (1, 10, 50):
        latencies, rate = asyncio.run(_measure(recipients, rounds))
        print(f"  {recipients:2d} recipients: {percentiles(latencies)}  {rate:8.0f} deliveries/s")
